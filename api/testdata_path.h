// Locates api/testdata for tests: $SKIFF_SOURCE_DIR/api/testdata when ctest sets it, else
// the source path compiled in.
#pragma once

#include <cstdlib>
#include <string>

namespace skiff::api::test_support {

inline std::string TestdataPath(const std::string& file) {
  const char* root = std::getenv("SKIFF_SOURCE_DIR");
  std::string dir = root != nullptr ? std::string(root) + "/api/testdata" : SKIFF_API_TESTDATA;
  return dir + "/" + file;
}

}  // namespace skiff::api::test_support
