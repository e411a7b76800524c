# skiff_library(NAME SOURCES ... [DEPS ...])
#   A static library of one part; its folder's parent is on the include path so
#   headers are included as "part/file.h".
function(skiff_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE skiff_warnings)
endfunction()

# skiff_binary(NAME SOURCES ... [DEPS ...]) -> build/bin/NAME
function(skiff_binary name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} skiff_warnings)
endfunction()

# skiff_test(NAME SOURCES ... [DEPS ...] [LABELS unit|privileged|e2e ...] [TIMEOUT s])
#   A GoogleTest binary registered with ctest under its labels. Privileged
#   tests run as root; they skip (GTEST_SKIP with a reason) only when the
#   kernel lacks a feature.
function(skiff_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main skiff_warnings)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "SKIFF_BIN_DIR=${CMAKE_BINARY_DIR}/bin;SKIFF_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
