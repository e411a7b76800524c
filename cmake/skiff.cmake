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

# skiff_proto_library(NAME PROTOS a.proto ... [IMPORT_DIR dir])
#   Generates C++ message and gRPC code for the .proto files (paths relative
#   to IMPORT_DIR, default the current source dir) into the build tree, in a
#   static library that links protobuf and grpc++. Generated code is compiled
#   without the project's -Werror.
function(skiff_proto_library name)
  cmake_parse_arguments(ARG "" "IMPORT_DIR" "PROTOS" ${ARGN})
  if(NOT ARG_IMPORT_DIR)
    set(ARG_IMPORT_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  find_package(Protobuf REQUIRED)
  find_package(gRPC REQUIRED)
  find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${ARG_IMPORT_DIR})
  set(out_dir ${PROJECT_BINARY_DIR}/${rel})
  set(srcs)
  foreach(proto ${ARG_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" base ${proto})
    set(gen ${out_dir}/${base}.pb.cc ${out_dir}/${base}.pb.h
            ${out_dir}/${base}.grpc.pb.cc ${out_dir}/${base}.grpc.pb.h)
    add_custom_command(
      OUTPUT ${gen}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
      COMMAND protobuf::protoc -I ${ARG_IMPORT_DIR} --cpp_out=${out_dir} --grpc_out=${out_dir}
              --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN} ${ARG_IMPORT_DIR}/${proto}
      DEPENDS ${ARG_IMPORT_DIR}/${proto}
      COMMENT "protoc ${proto}")
    list(APPEND srcs ${out_dir}/${base}.pb.cc ${out_dir}/${base}.grpc.pb.cc)
  endforeach()
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} PUBLIC ${PROJECT_BINARY_DIR} ${out_dir})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf gRPC::grpc++)
endfunction()

# skiff_add_children()
#   Adds every sub-folder of the current source dir that has a CMakeLists.txt,
#   except those listed (as paths relative to the repository root) in
#   SKIFF_EXCLUDE, e.g. -DSKIFF_EXCLUDE="dns;tests/dns" for a partial build.
function(skiff_add_children)
  file(GLOB children RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT children)
  foreach(child ${children})
    file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/${child})
    if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${child}
       AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${child}/CMakeLists.txt
       AND NOT rel IN_LIST SKIFF_EXCLUDE)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()
