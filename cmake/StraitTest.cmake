# strait_test(<name> LABEL <label> SOURCES <files...> LIBRARIES <targets...>
#             [SKIPPABLE] [THREADS])
# Builds a Boost.Test executable and registers it with CTest under LABEL
# (unit, sim, lab or conformance). SKIPPABLE: the test may exit 77 when it
# cannot run its check (gateway/testing/skip.hpp), which CTest reports as
# Skipped (SKIP_RETURN_CODE), never Passed. THREADS: the test runs code on
# more than one thread; it gets the second label `threads`, and the target
# `threads-tests` builds every such test (make tsan runs them under
# ThreadSanitizer).
# Sanitized code runs several times slower: its tests get three times the time.
if(STRAIT_SANITIZE)
  set(STRAIT_TEST_TIMEOUT 900)
else()
  set(STRAIT_TEST_TIMEOUT 300)
endif()

function(strait_test name)
  cmake_parse_arguments(T "SKIPPABLE;THREADS" "LABEL" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT T_LABEL)
    message(FATAL_ERROR "strait_test(${name}): LABEL is required")
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBRARIES} Boost::unit_test_framework)
  target_compile_definitions(${name} PRIVATE BOOST_TEST_DYN_LINK
    STRAIT_SOURCE_DIR="${CMAKE_SOURCE_DIR}" STRAIT_VECTORS_DIR="${STRAIT_VECTORS_DIR}")
  add_test(NAME ${name} COMMAND ${name} --log_level=test_suite)
  set_tests_properties(${name} PROPERTIES LABELS ${T_LABEL} TIMEOUT ${STRAIT_TEST_TIMEOUT})
  if(T_THREADS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABEL};threads")
    if(NOT TARGET threads-tests)
      add_custom_target(threads-tests)
    endif()
    add_dependencies(threads-tests ${name})
  endif()
  if(T_SKIPPABLE)
    target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/gateway)
    set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77)
  endif()
endfunction()
