# Links with mold (or else lld) when the compiler driver can use it
# (ci/install-deps installs mold). -DSTRAIT_LINKER=default keeps the
# toolchain's ld; -DSTRAIT_LINKER=mold|lld asks for one.
set(STRAIT_LINKER auto CACHE STRING "Linker: auto (mold, else lld, else default), mold, lld, default")
set_property(CACHE STRAIT_LINKER PROPERTY STRINGS auto mold lld default)

include(CheckLinkerFlag)
set(_strait_linkers)
if(STRAIT_LINKER STREQUAL "auto")
  set(_strait_linkers mold lld)
elseif(NOT STRAIT_LINKER STREQUAL "default")
  set(_strait_linkers ${STRAIT_LINKER})
endif()
foreach(_ld IN LISTS _strait_linkers)
  check_linker_flag(CXX -fuse-ld=${_ld} STRAIT_LINKER_${_ld}_WORKS)
  if(STRAIT_LINKER_${_ld}_WORKS)
    add_link_options(-fuse-ld=${_ld})
    message(STATUS "Linker: ${_ld}")
    break()
  elseif(NOT STRAIT_LINKER STREQUAL "auto")
    message(FATAL_ERROR "STRAIT_LINKER=${STRAIT_LINKER}: the compiler cannot link with it")
  endif()
endforeach()
