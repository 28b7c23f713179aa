# QCustomPlot for Qt 6. Debian ships a CMake package (QCustomPlotQt6Config.cmake), used when present; elsewhere
# (Windows, macOS: QCustomPlot has no package there, it is built from its qcustomplot.h/.cpp) the header and library
# are looked for under CMAKE_PREFIX_PATH. Either way the result is the target QCustomPlotQt6::QCustomPlotQt6.
find_package(QCustomPlotQt6 CONFIG QUIET)
if(QCustomPlotQt6_FOUND)
  return()
endif()

find_path(QCustomPlotQt6_INCLUDE_DIR qcustomplot.h PATH_SUFFIXES qcustomplot-qt6 qcustomplot)
find_library(QCustomPlotQt6_LIBRARY NAMES qcustomplot-qt6 qcustomplot qcustomplot2)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(QCustomPlotQt6 REQUIRED_VARS QCustomPlotQt6_LIBRARY QCustomPlotQt6_INCLUDE_DIR)
if(QCustomPlotQt6_FOUND AND NOT TARGET QCustomPlotQt6::QCustomPlotQt6)
  add_library(QCustomPlotQt6::QCustomPlotQt6 UNKNOWN IMPORTED)
  set_target_properties(QCustomPlotQt6::QCustomPlotQt6 PROPERTIES
    IMPORTED_LOCATION "${QCustomPlotQt6_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${QCustomPlotQt6_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "Qt6::Widgets;Qt6::PrintSupport")
endif()
