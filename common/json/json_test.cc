#include "common/json/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace skiff::json {
namespace {

Value MustParse(std::string_view text) {
  auto v = Parse(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString() << " for " << text;
  return v.ok() ? *v : Value();
}

ParseError MustFail(std::string_view text, const ParseOptions& options = {}) {
  ParseError error;
  auto v = Parse(text, options, &error);
  EXPECT_FALSE(v.ok()) << "accepted: " << text;
  if (!v.ok()) {
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(v.status().message().find("offset " + std::to_string(error.offset)),
              std::string::npos)
        << v.status().message();
  }
  return error;
}

TEST(JsonParse, Scalars) {
  EXPECT_TRUE(MustParse("null").is_null());
  EXPECT_EQ(MustParse("true").as_bool(), true);
  EXPECT_EQ(MustParse(" false ").as_bool(), false);
  EXPECT_EQ(MustParse("\"hi\"").as_string(), "hi");
  EXPECT_EQ(MustParse("0").as_int(), 0);
  EXPECT_EQ(MustParse("-17").as_int(), -17);
  EXPECT_DOUBLE_EQ(MustParse("1.5").as_double(), 1.5);
  EXPECT_DOUBLE_EQ(MustParse("-2.5e3").as_double(), -2500.0);
  EXPECT_DOUBLE_EQ(MustParse("1E-2").as_double(), 0.01);
}

TEST(JsonParse, IntegersStayExact) {
  Value max = MustParse("9223372036854775807");
  ASSERT_TRUE(max.is_int());
  EXPECT_EQ(max.as_int(), std::numeric_limits<int64_t>::max());
  Value min = MustParse("-9223372036854775808");
  ASSERT_TRUE(min.is_int());
  EXPECT_EQ(min.as_int(), std::numeric_limits<int64_t>::min());
  // One past int64 becomes a double instead of wrapping.
  Value big = MustParse("9223372036854775808");
  ASSERT_TRUE(big.is_double());
  EXPECT_DOUBLE_EQ(big.as_double(), 9223372036854775808.0);
  // An exponent makes it a double even when integral.
  EXPECT_TRUE(MustParse("1e2").is_double());
  EXPECT_TRUE(MustParse("1.0").is_double());
}

TEST(JsonParse, ObjectsKeepInsertionOrder) {
  Value v = MustParse(R"({"z": 1, "a": [1, 2, {"k": null}], "m": {"x": "y"}})");
  ASSERT_TRUE(v.is_object());
  std::string keys;
  for (const Member& m : v.as_object())
    keys += m.key;
  EXPECT_EQ(keys, "zam");
  EXPECT_EQ(v.Find("a")->as_array().size(), 3u);
  EXPECT_TRUE(v.Find("a")->as_array()[2].Find("k")->is_null());
  EXPECT_EQ(v.Find("m")->Find("x")->as_string(), "y");
  EXPECT_EQ(v.Find("missing"), nullptr);
  EXPECT_EQ(Serialize(v), R"({"z":1,"a":[1,2,{"k":null}],"m":{"x":"y"}})");
}

TEST(JsonParse, StringEscapesAndUnicode) {
  EXPECT_EQ(MustParse(R"("a\"b\\c\/d\b\f\n\r\t")").as_string(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(MustParse(R"("\u00e9\u20ac")").as_string(), "\xC3\xA9\xE2\x82\xAC");
  // Surrogate pair -> U+1F600.
  EXPECT_EQ(MustParse(R"("\ud83d\ude00")").as_string(), "\xF0\x9F\x98\x80");
  // Raw UTF-8 passes through.
  EXPECT_EQ(MustParse("\"caf\xC3\xA9\"").as_string(), "caf\xC3\xA9");
  EXPECT_EQ(MustParse(R"("\u0000")").as_string(), std::string(1, '\0'));
}

TEST(JsonParse, RejectsMalformedInputWithPosition) {
  ParseError e = MustFail("{\"a\": 1,}");
  EXPECT_EQ(e.offset, 8u);
  EXPECT_NE(e.message.find("trailing comma"), std::string::npos);

  e = MustFail("[1,\n 2,\n x]");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 2u);

  e = MustFail("{\"a\" 1}");
  EXPECT_NE(e.message.find("':'"), std::string::npos);
  EXPECT_EQ(e.offset, 5u);

  MustFail("");
  MustFail("   ");
  MustFail("[1,]");
  MustFail("[1 2]");
  MustFail("{,}");
  MustFail("{\"a\":1 \"b\":2}");
  MustFail("{1:2}");
  MustFail("01");
  MustFail("-");
  MustFail("1.");
  MustFail(".5");
  MustFail("1e");
  MustFail("+1");
  MustFail("NaN");
  MustFail("Infinity");
  MustFail("1e999");
  MustFail("tru");
  MustFail("nul");
  MustFail("\"abc");
  MustFail("\"a\nb\"");              // raw control character
  MustFail(R"("\x")");               // unknown escape
  MustFail(R"("\u12")");             // short \u
  MustFail(R"("\u12G4")");           // bad hex
  MustFail(R"("\udc00")");           // lone low surrogate
  MustFail(R"("\ud800")");           // lone high surrogate
  MustFail(R"("\ud800\u0041")");     // high surrogate + non-low
  MustFail("\"\xC0\xAF\"");          // overlong
  MustFail("\"\xED\xA0\x80\"");      // UTF-8 surrogate
  MustFail("\"\xF5\x80\x80\x80\"");  // > U+10FFFF
  MustFail("\"\xE2\x82\"");          // truncated
  MustFail("\"\xFF\"");
  MustFail("1 2");
  MustFail("{} x");
  MustFail("// comment\n1");
  MustFail("[1] /* c */");
}

TEST(JsonParse, DuplicateKeys) {
  ParseError e = MustFail(R"({"a": 1, "a": 2})");
  EXPECT_EQ(e.offset, 9u);
  EXPECT_NE(e.message.find("duplicate object key \"a\""), std::string::npos);
  auto v = Parse(R"({"a": 1, "b": 0, "a": 2})", {.allow_duplicate_keys = true});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->Find("a")->as_int(), 2);
  EXPECT_EQ(v->as_object().size(), 2u);

  // Large objects use the hashed duplicate check; the result must agree.
  std::string big = "{";
  for (int i = 0; i < 100; ++i)
    big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  std::string ok = big;
  ok.back() = '}';
  ASSERT_TRUE(Parse(ok).ok());
  EXPECT_EQ(Parse(ok)->as_object().size(), 100u);
  MustFail(big + "\"k57\":1}");
}

TEST(JsonParse, DepthLimit) {
  std::string deep(300, '[');
  deep += std::string(300, ']');
  ParseError e = MustFail(deep);
  EXPECT_NE(e.message.find("nesting"), std::string::npos);
  EXPECT_TRUE(Parse(deep, {.max_depth = 400}).ok());
}

TEST(JsonWrite, CompactAndPretty) {
  Value v(Object{{"name", "net"}, {"list", Array{1, 2.5, true, nullptr}}, {"o", Object{}}});
  EXPECT_EQ(Serialize(v), R"({"name":"net","list":[1,2.5,true,null],"o":{}})");
  EXPECT_EQ(Serialize(v, {.indent = 2}),
            "{\n  \"name\": \"net\",\n  \"list\": [\n    1,\n    2.5,\n    true,\n    null\n  ],\n"
            "  \"o\": {}\n}");
}

TEST(JsonWrite, EscapesStrings) {
  EXPECT_EQ(Serialize(Value("a\"b\\c\n\x01")), R"("a\"b\\c\n\u0001")");
  EXPECT_EQ(Serialize(Value(std::string("\0x", 2))), R"("\u0000x")");
  EXPECT_EQ(Serialize(Value("caf\xC3\xA9")), "\"caf\xC3\xA9\"");
}

TEST(JsonWrite, DoublesRoundTrip) {
  for (double d : {0.1, 1.0 / 3.0, 1e300, -2.5e-300, 123456789.125, 2.0}) {
    std::string text = Serialize(Value(d));
    Value back = MustParse(text);
    ASSERT_TRUE(back.is_double()) << text;
    EXPECT_EQ(back.as_double(), d) << text;
  }
  EXPECT_EQ(Serialize(Value(2.0)), "2.0");
  EXPECT_EQ(Serialize(Value(std::nan(""))), "null");
  EXPECT_EQ(Serialize(Value(int64_t{-9007199254740993})), "-9007199254740993");
}

TEST(JsonValue, ObjectMutation) {
  Object o;
  o.Set("b", 1);
  o.Set("a", 2);
  o.Set("b", 3);  // replaces in place
  o["c"] = "x";
  EXPECT_EQ(Serialize(Value(o)), R"({"b":3,"a":2,"c":"x"})");
  EXPECT_TRUE(o.Erase("a"));
  EXPECT_FALSE(o.Erase("a"));
  EXPECT_EQ(Serialize(Value(o)), R"({"b":3,"c":"x"})");
}

TEST(JsonValue, Equality) {
  EXPECT_EQ(MustParse(R"({"a":1,"b":[1,2]})"), MustParse(R"({"b":[1,2],"a":1.0})"));
  EXPECT_FALSE(MustParse(R"({"a":1})") == MustParse(R"({"a":2})"));
  EXPECT_FALSE(MustParse(R"([1,2])") == MustParse(R"([2,1])"));
  EXPECT_FALSE(MustParse("1") == MustParse("\"1\""));
  EXPECT_EQ(Value(uint64_t{18446744073709551615u}).type(), Type::kDouble);
  EXPECT_EQ(Value(uint64_t{5}).as_int(), 5);
}

TEST(JsonValue, RoundTripThroughText) {
  const char* text =
      R"({"cniVersion":"1.1.0","plugins":[{"type":"skiff-cni","mtu":1400,)"
      R"("ipam":{"ranges":[[{"subnet":"10.1.0.0/24"}]]},"ratio":0.25,"flag":false}]})";
  Value v = MustParse(text);
  EXPECT_EQ(Serialize(v), text);
  EXPECT_EQ(MustParse(Serialize(v, {.indent = 4})), v);
}

}  // namespace
}  // namespace skiff::json
