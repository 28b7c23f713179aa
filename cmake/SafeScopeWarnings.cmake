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
  # MinGW GCC spills 32- and 64-byte vectors (the AVX2 clones, the AVX-512 kernels) to stack slots with aligned
  # moves, while Windows aligns the stack to 16 bytes only (GCC bug 54412: a crash on about half the runs). The
  # assembler then writes those moves unaligned, which costs nothing on hardware that has AVX.
  if(MINGW AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wa,-muse-unaligned-vector-move)
  endif()
  target_compile_definitions(${target} PRIVATE QT_NO_CAST_FROM_ASCII QT_NO_FOREACH QT_USE_QSTRINGBUILDER
                                               QT_NO_NARROWING_CONVERSIONS_IN_CONNECT)
endfunction()
