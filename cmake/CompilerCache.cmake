# Compiles through ccache when it is installed (ci/install-deps installs
# it), so that a rebuild of an unchanged tree, in a new build directory or a
# new clone, is mostly cache hits. -DSTRAIT_CCACHE=OFF turns it off; a
# CMAKE_<LANG>_COMPILER_LAUNCHER given on the command line wins.
#
# base_dir is the source tree: ccache hashes paths under it as relative
# paths, so libraries compiled in one clone are hits in another clone at any
# path (tests embed their source path, STRAIT_SOURCE_DIR, and so are not).
option(STRAIT_CCACHE "Compile through ccache when it is installed" ON)
if(STRAIT_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER AND NOT CMAKE_C_COMPILER_LAUNCHER)
  find_program(STRAIT_CCACHE_PROGRAM ccache)
  if(STRAIT_CCACHE_PROGRAM)
    set(_strait_launcher env CCACHE_BASEDIR=${CMAKE_SOURCE_DIR} ${STRAIT_CCACHE_PROGRAM})
    set(CMAKE_CXX_COMPILER_LAUNCHER ${_strait_launcher})
    set(CMAKE_C_COMPILER_LAUNCHER ${_strait_launcher})
    message(STATUS "Compiler cache: ${STRAIT_CCACHE_PROGRAM}")
  endif()
endif()
