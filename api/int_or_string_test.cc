#include "api/int_or_string.h"

#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

namespace skiff::api {
namespace {

google::protobuf::Value Int(int64_t n) {
  google::protobuf::Value v;
  SetInt(&v, n);
  return v;
}

google::protobuf::Value Str(const char* s) {
  google::protobuf::Value v;
  SetString(&v, s);
  return v;
}

TEST(IntOrStringTest, Reads) {
  Result<IntOrString> i = ReadIntOrString(Int(8080), "port");
  ASSERT_TRUE(i.ok());
  EXPECT_TRUE(i->is_int());
  EXPECT_EQ(i->int_value, 8080);
  EXPECT_EQ(i->ToString(), "8080");

  Result<IntOrString> s = ReadIntOrString(Str("http"), "port");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->is_string());
  EXPECT_EQ(s->string_value, "http");

  Result<IntOrString> unset = ReadIntOrString(google::protobuf::Value(), "port");
  ASSERT_TRUE(unset.ok());
  EXPECT_FALSE(unset->is_set());
  EXPECT_FALSE(IsSet(google::protobuf::Value()));
  EXPECT_TRUE(IsSet(Int(0)));
}

TEST(IntOrStringTest, RejectsNonIntegers) {
  google::protobuf::Value frac;
  frac.set_number_value(1.5);
  Result<IntOrString> r = ReadIntOrString(frac, "spec.ports[0].targetPort");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("spec.ports[0].targetPort"), std::string::npos);
  google::protobuf::Value b;
  b.set_bool_value(true);
  EXPECT_FALSE(ReadIntOrString(b, "x").ok());
  google::protobuf::Value big;
  big.set_number_value(1e12);
  EXPECT_FALSE(ReadIntOrString(big, "x").ok());
}

TEST(IntOrStringTest, ScaledValueFromIntOrPercent) {
  EXPECT_EQ(*ScaledValueFromIntOrPercent(Int(3), "x", 10, true), 3);
  EXPECT_EQ(*ScaledValueFromIntOrPercent(Str("25%"), "x", 10, true), 3);   // 2.5 up
  EXPECT_EQ(*ScaledValueFromIntOrPercent(Str("25%"), "x", 10, false), 2);  // 2.5 down
  EXPECT_EQ(*ScaledValueFromIntOrPercent(Str("100%"), "x", 7, false), 7);
  EXPECT_EQ(*ScaledValueFromIntOrPercent(Str("0%"), "x", 7, true), 0);
  EXPECT_EQ(*ScaledValueFromIntOrPercent(Str("50%"), "x", 4, true), 2);
  EXPECT_FALSE(ScaledValueFromIntOrPercent(Str("abc"), "x", 10, true).ok());
  EXPECT_FALSE(ScaledValueFromIntOrPercent(Str("%"), "x", 10, true).ok());
  EXPECT_FALSE(ScaledValueFromIntOrPercent(Str("-5%"), "x", 10, true).ok());
  EXPECT_FALSE(ScaledValueFromIntOrPercent(google::protobuf::Value(), "x", 10, true).ok());
}

}  // namespace
}  // namespace skiff::api
