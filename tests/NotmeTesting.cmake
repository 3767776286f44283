# notme_add_test(NAME SOURCES... LIBS ... [LABELS ...])
# One doctest executable per test file group, registered with ctest under NAME.
add_library(notme_doctest_main STATIC ${CMAKE_CURRENT_LIST_DIR}/doctest_main.cpp)
target_link_libraries(notme_doctest_main PUBLIC doctest::doctest notme_crypto)

function(notme_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE notme_doctest_main notme_warnings ${T_LIBS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    LABELS "${T_LABELS};unit" TIMEOUT 300
    ENVIRONMENT "NOTME_SOURCE_DIR=${PROJECT_SOURCE_DIR};NOTME_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
