# Project-wide compile settings, applied per target through st_apply_defaults().
# Warnings are errors when SAFESCOPE_WERROR is on (the CI presets turn it on).
# GCC and Clang (Linux, macOS, MinGW on Windows) take the GNU-style flags; MSVC its own.
function(st_apply_defaults target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 /permissive- /utf-8 $<$<BOOL:${SAFESCOPE_WERROR}>:/WX>)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                             $<$<BOOL:${SAFESCOPE_WERROR}>:-Werror>)
  endif()
  target_compile_definitions(${target} PRIVATE QT_NO_CAST_FROM_ASCII QT_NO_FOREACH QT_USE_QSTRINGBUILDER
                                               QT_NO_NARROWING_CONVERSIONS_IN_CONNECT)
endfunction()
