# Project-wide compile settings, applied per target through st_apply_defaults().
# Warnings are errors when SAFESCOPE_WERROR is on (the CI presets turn it on).
function(st_apply_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           $<$<BOOL:${SAFESCOPE_WERROR}>:-Werror>)
  target_compile_definitions(${target} PRIVATE QT_NO_CAST_FROM_ASCII QT_NO_FOREACH QT_USE_QSTRINGBUILDER
                                               QT_NO_NARROWING_CONVERSIONS_IN_CONNECT)
endfunction()
