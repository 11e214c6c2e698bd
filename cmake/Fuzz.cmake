# -DSTRAIT_FUZZ=ON: the libFuzzer build (fuzz/README.md), in a build
# directory of its own (make fuzz uses build-fuzz), with clang:
#   CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DSTRAIT_FUZZ=ON
# Every library is compiled with AddressSanitizer, UndefinedBehaviorSanitizer
# (any report aborts) and libFuzzer's coverage instrumentation; the fuzz
# targets of fuzz/ link libFuzzer's main. Only the fuzz targets and the
# libraries they need are built (`ninja fuzz_targets`); strait_test defines
# its executables outside `all` and registers no test: CTest runs each
# target's smoke run.
option(STRAIT_FUZZ "Build the libFuzzer targets of fuzz/ (clang) instead of the tests" OFF)
if(STRAIT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "STRAIT_FUZZ needs clang (CC=clang-14 CXX=clang++-14)")
  endif()
  # -g makes ccache hash the build directory (its hash_dir); without that
  # a new build directory or clone would miss the cache entirely.
  if(CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache")
    list(INSERT CMAKE_CXX_COMPILER_LAUNCHER 1 CCACHE_NOHASHDIR=1)
    list(INSERT CMAKE_C_COMPILER_LAUNCHER 1 CCACHE_NOHASHDIR=1)
  endif()
  set(STRAIT_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=all)
  add_compile_options(${STRAIT_SANITIZERS} -fsanitize=fuzzer-no-link -fno-omit-frame-pointer -g)
  add_link_options(${STRAIT_SANITIZERS})
endif()
