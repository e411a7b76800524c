// Test helper: a JSON value from literal text, failing the test when it does
// not parse.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "common/json/json.h"

namespace skiff::netctl {

inline json::Value J(std::string_view text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status().ToString();
  return v.ok() ? *v : json::Value();
}

}  // namespace skiff::netctl
