# -DSTRAIT_FUZZ=ON: the libFuzzer targets of fuzz/ (fuzz/README.md), with
# clang, in the AddressSanitizer + UndefinedBehaviorSanitizer build
# (cmake/Sanitizers.cmake; make asan and make fuzz both use build-asan):
#   CC=clang-14 CXX=clang++-14 cmake -S . -B build-asan -G Ninja \
#     -DSTRAIT_SANITIZE=address,undefined -DSTRAIT_FUZZ=ON
# Every library also gets libFuzzer's coverage instrumentation
# (-fsanitize=fuzzer-no-link); only the fuzz targets link libFuzzer's main.
# The tests link the same libraries: the sanitizer runtime provides the
# coverage hooks they call.
option(STRAIT_FUZZ "Also build the libFuzzer targets of fuzz/ (clang, with STRAIT_SANITIZE=address,undefined)" OFF)
if(STRAIT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "STRAIT_FUZZ needs clang (CC=clang-14 CXX=clang++-14)")
  endif()
  if(NOT STRAIT_SANITIZE STREQUAL "address,undefined")
    message(FATAL_ERROR "STRAIT_FUZZ needs -DSTRAIT_SANITIZE=address,undefined")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
