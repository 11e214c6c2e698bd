# -DSTRAIT_SANITIZE=address,undefined or -DSTRAIT_SANITIZE=thread builds
# every target with those sanitizers (make asan, make tsan; README,
# "Sanitizers"). A sanitizer report aborts the process, so a test that
# triggers one fails: UndefinedBehaviorSanitizer does not recover, and
# AddressSanitizer and ThreadSanitizer stop at their first report through the
# ASAN_OPTIONS and TSAN_OPTIONS that the Makefile's targets export.
#
# -O1 (after the build type's -O2, so it wins) and -g1 (line tables for the
# reports' stack traces) keep the compile time near a Release build's.
#
# make asan builds with clang-14 and -DSTRAIT_FUZZ=ON (cmake/Fuzz.cmake): the
# same instrumented libraries serve the tests and the libFuzzer targets, so
# CI compiles the gateway once for both.
set(STRAIT_SANITIZE "" CACHE STRING "Sanitizers to build with: address,undefined or thread")
if(STRAIT_SANITIZE)
  if(NOT STRAIT_SANITIZE MATCHES "^(address,undefined|address|undefined|thread)$")
    message(FATAL_ERROR "STRAIT_SANITIZE=${STRAIT_SANITIZE}: use address,undefined or thread")
  endif()
  add_compile_options(-fsanitize=${STRAIT_SANITIZE} -fno-sanitize-recover=all
    -fno-omit-frame-pointer -O1 -g1)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC's -Wmaybe-uninitialized misfires in libstdc++ (std::regex,
    # std::function) once the sanitizers instrument the code; the Release
    # build keeps the warning.
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
  add_link_options(-fsanitize=${STRAIT_SANITIZE})
  # -g1 makes ccache hash the build directory (its hash_dir); without that a
  # new build directory or clone would miss the cache entirely.
  if(CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache")
    list(INSERT CMAKE_CXX_COMPILER_LAUNCHER 1 CCACHE_NOHASHDIR=1)
    list(INSERT CMAKE_C_COMPILER_LAUNCHER 1 CCACHE_NOHASHDIR=1)
  endif()
  message(STATUS "Sanitizers: ${STRAIT_SANITIZE}")
endif()
