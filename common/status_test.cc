#include "common/status.h"

#include <gtest/gtest.h>

namespace skiff {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Status UseHalf(int x, int* out) {
  auto r = Half(x);
  SKIFF_RETURN_IF_ERROR(r.status());
  *out = *r;
  return Status::Ok();
}

TEST(Status, OkAndError) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = NotFound("pod default/x");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "NOT_FOUND: pod default/x");
  EXPECT_EQ(s.WithContext("get").message(), "get: pod default/x");
}

TEST(Result, ValueOrStatusPropagates) {
  int out = 0;
  EXPECT_TRUE(UseHalf(8, &out).ok());
  EXPECT_EQ(out, 4);
  Status s = UseHalf(7, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "odd: 7");
  EXPECT_EQ(out, 4);
}

}  // namespace
}  // namespace skiff
