// RFC 6902 (JSON Patch), RFC 6901 (JSON Pointer) and RFC 7386 (JSON Merge
// Patch), including the RFCs' own examples, and patch text parsing.
#include "tools/netctl/json_patch.h"

#include <gtest/gtest.h>

#include "tools/netctl/patch_text.h"

#include "tests/netctl/json_literal.h"

namespace skiff::netctl {
namespace {

// Applies `patch` to `doc`; returns the result or the error text.
std::string Patch(std::string_view doc, std::string_view patch) {
  json::Value d = J(doc);
  Status s = ApplyJsonPatch(J(patch), &d);
  return s.ok() ? json::Serialize(d) : "error: " + s.message();
}

TEST(JsonPointerTest, UnescapesAndSplits) {
  auto t = ParseJsonPointer("/a~1b/m~0n/0/");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, (std::vector<std::string>{"a/b", "m~n", "0", ""}));
  EXPECT_TRUE(ParseJsonPointer("")->empty());
  EXPECT_FALSE(ParseJsonPointer("a/b").ok());
  EXPECT_FALSE(ParseJsonPointer("/a~2").ok());
  EXPECT_FALSE(ParseJsonPointer("/a~").ok());
}

TEST(JsonPatchTest, AddToObjectAndArray) {
  EXPECT_EQ(Patch(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])"),
            R"({"foo":"bar","baz":"qux"})");
  EXPECT_EQ(Patch(R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])"),
            R"({"foo":["bar","qux","baz"]})");
  EXPECT_EQ(Patch(R"({"foo":[1]})", R"([{"op":"add","path":"/foo/-","value":2}])"),
            R"({"foo":[1,2]})");
  EXPECT_EQ(Patch(R"({"foo":[1]})", R"([{"op":"add","path":"/foo/1","value":2}])"),
            R"({"foo":[1,2]})");
  // Adding an existing member replaces it; the root can be replaced.
  EXPECT_EQ(Patch(R"({"a":1})", R"([{"op":"add","path":"/a","value":[2]}])"), R"({"a":[2]})");
  EXPECT_EQ(Patch(R"({"a":1})", R"([{"op":"add","path":"","value":{"b":2}}])"), R"({"b":2})");
}

TEST(JsonPatchTest, AddErrors) {
  EXPECT_EQ(Patch(R"({"foo":[1]})", R"([{"op":"add","path":"/foo/2","value":2}])"),
            "error: operation 0 (add /foo/2): array index \"2\" is out of range (the array has "
            "1 items)");
  EXPECT_NE(
      Patch(R"({"foo":[1]})", R"([{"op":"add","path":"/foo/01","value":2}])").find("out of range"),
      std::string::npos);
  EXPECT_NE(Patch(R"({})", R"([{"op":"add","path":"/a/b","value":1}])").find("parent"),
            std::string::npos);
  EXPECT_NE(Patch(R"({})", R"([{"op":"add","path":"/a"}])").find("missing \"value\""),
            std::string::npos);
}

TEST(JsonPatchTest, RemoveReplaceAndTheirErrors) {
  EXPECT_EQ(Patch(R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])"),
            R"({"foo":"bar"})");
  EXPECT_EQ(Patch(R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])"),
            R"({"foo":["bar","baz"]})");
  EXPECT_EQ(
      Patch(R"({"baz":"qux","foo":"bar"})", R"([{"op":"replace","path":"/baz","value":"boo"}])"),
      R"({"baz":"boo","foo":"bar"})");
  EXPECT_EQ(Patch(R"({"a":1})", R"([{"op":"remove","path":"/b"}])"),
            "error: operation 0 (remove /b): the path does not exist");
  EXPECT_EQ(Patch(R"({"a":1})", R"([{"op":"replace","path":"/b","value":1}])"),
            "error: operation 0 (replace /b): the path does not exist");
  EXPECT_EQ(Patch(R"({"a":[1]})", R"([{"op":"remove","path":"/a/1"}])"),
            "error: operation 0 (remove /a/1): the path does not exist");
}

TEST(JsonPatchTest, MoveAndCopy) {
  EXPECT_EQ(Patch(R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
                  R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])"),
            R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})");
  EXPECT_EQ(Patch(R"({"foo":["all","grass","cows","eat"]})",
                  R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])"),
            R"({"foo":["all","cows","eat","grass"]})");
  EXPECT_EQ(Patch(R"({"a":{"b":1}})", R"([{"op":"copy","from":"/a","path":"/c"}])"),
            R"({"a":{"b":1},"c":{"b":1}})");
  EXPECT_NE(
      Patch(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])").find("children"),
      std::string::npos);
  EXPECT_NE(Patch(R"({"a":1})", R"([{"op":"copy","from":"/x","path":"/c"}])").find("from"),
            std::string::npos);
  EXPECT_NE(Patch(R"({"a":1})", R"([{"op":"move","path":"/c"}])").find("missing \"from\""),
            std::string::npos);
}

TEST(JsonPatchTest, TestOperation) {
  EXPECT_EQ(Patch(R"({"baz":"qux","foo":["a",2,"c"]})",
                  R"([{"op":"test","path":"/baz","value":"qux"},
                      {"op":"test","path":"/foo/1","value":2}])"),
            R"({"baz":"qux","foo":["a",2,"c"]})");
  EXPECT_EQ(Patch(R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])"),
            "error: operation 0 (test /baz): test failed: the value is \"qux\", not \"bar\"");
  // Numbers compare by value; "~1" addresses a key with '/'.
  EXPECT_EQ(Patch(R"({"a/b":1})", R"([{"op":"test","path":"/a~1b","value":1.0}])"), R"({"a/b":1})");
}

TEST(JsonPatchTest, AllOrNothing) {
  json::Value doc = J(R"({"a":1})");
  Status s = ApplyJsonPatch(J(R"([{"op":"add","path":"/b","value":2},
                                  {"op":"test","path":"/a","value":5}])"),
                            &doc);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("operation 1"), std::string::npos) << s.message();
  EXPECT_EQ(json::Serialize(doc), R"({"a":1})");
}

TEST(JsonPatchTest, BadDocuments) {
  EXPECT_NE(Patch("{}", R"({"op":"add"})").find("must be an array"), std::string::npos);
  EXPECT_NE(Patch("{}", R"([1])").find("operation 0: must be an object"), std::string::npos);
  EXPECT_NE(Patch("{}", R"([{"op":"frob","path":"/a"}])").find("unknown op \"frob\""),
            std::string::npos);
  EXPECT_NE(Patch("{}", R"([{"path":"/a"}])").find("missing \"op\""), std::string::npos);
  EXPECT_NE(Patch("{}", R"([{"op":"remove","path":"a"}])").find("must start with '/'"),
            std::string::npos);
}

// RFC 7386 appendix A.
TEST(MergePatchTest, RfcExamples) {
  struct Case {
    const char *target, *patch, *result;
  } cases[] = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", "null", "null"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(json::Serialize(ApplyMergePatch(J(c.target), J(c.patch))), c.result)
        << c.target << " + " << c.patch;
  }
}

TEST(PatchTextTest, JsonAndYaml) {
  auto json_patch = ParseJsonOrYaml(R"({"spec":{"replicas":3}})", "--patch");
  ASSERT_TRUE(json_patch.ok());
  EXPECT_EQ(json::Serialize(*json_patch), R"({"spec":{"replicas":3}})");
  auto flow =
      ParseJsonOrYaml("{spec: {replicas: 3, paused: true, x: null, s: '5', f: 1.5}}", "--patch");
  ASSERT_TRUE(flow.ok()) << flow.status().ToString();
  EXPECT_EQ(json::Serialize(*flow),
            R"({"spec":{"replicas":3,"paused":true,"x":null,"s":"5","f":1.5}})");
  auto block = ParseJsonOrYaml("metadata:\n  labels:\n    app: web\n    v: \"1\"\n", "--patch");
  ASSERT_TRUE(block.ok());
  EXPECT_EQ(json::Serialize(*block), R"({"metadata":{"labels":{"app":"web","v":"1"}}})");
  auto list = ParseJsonOrYaml("- op: remove\n  path: /a\n", "--patch");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(json::Serialize(*list), R"([{"op":"remove","path":"/a"}])");
}

TEST(PatchTextTest, ErrorsNameTheFlag) {
  auto bad = ParseJsonOrYaml(R"({"spec": {"replicas": 3})", "--patch");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind("--patch: ", 0), 0u) << bad.status().message();
  auto scalar = ParseJsonOrYaml("replicas", "--patch");
  ASSERT_FALSE(scalar.ok());
  EXPECT_NE(scalar.status().message().find("--patch"), std::string::npos);
}

}  // namespace
}  // namespace skiff::netctl
