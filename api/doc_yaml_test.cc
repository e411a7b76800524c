// The YAML writer must produce text that reads back as exactly the same tree.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "api/doc_tree.h"

namespace skiff::api {
namespace {

// What a YAML reader gives back for a scalar; quoted scalars keep their tag "!".
struct ReadBack {
  std::string text;
  bool plain;
};

ReadBack ReadScalar(const std::string& yaml) {
  YAML::Node n = YAML::Load(yaml);
  const YAML::Node v = n["k"];
  return {v.Scalar(), v.Tag() == "?"};
}

class StringRoundTripTest : public testing::TestWithParam<std::string> {};

TEST_P(StringRoundTripTest, ReadsBackUnchanged) {
  const std::string& s = GetParam();
  Doc d = Doc::Map();
  d.fields.emplace_back("k", Doc::String(s));
  std::string yaml = DocToYaml(d);
  ReadBack r;
  ASSERT_NO_THROW(r = ReadScalar(yaml)) << yaml;
  EXPECT_EQ(r.text, s) << yaml;
  // Anything a YAML 1.1 reader would resolve to a non-string must be quoted.
  for (const char* special : {"true", "false", "yes", "no", "on", "off", "null", "~", "1.0", "8080",
                              "0x1F", "1e3", ".inf", "2024-01-01", "1:20", "-1"}) {
    if (s == special) {
      EXPECT_FALSE(r.plain) << s;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Strings, StringRoundTripTest,
    testing::Values("", "plain", "with space", "true", "false", "yes", "no", "on", "off", "null",
                    "~", "1.0", "8080", "0x1F", "1e3", ".inf", "2024-01-01", "1:20", "-1", "-",
                    "- x", "--flag", ": x", "a: b", "#x", "a #b", "x:", " lead", "trail ",
                    "multi\nline", "multi\nline\n", "multi\n\n", "\n", "\n\n", "  indented\nfirst",
                    "first\n  indented", "\n\n  after blank", "tab\tin", "quote\"s", "back\\slash",
                    "unicode \xc3\xbc", std::string("ctrl\x01"), "cr\r\nlf", "[x]", "{x}", "*alias",
                    "&anchor", "!tag", "%pct", "@at", "`tick`", "'single'", "|pipe", ">gt", "0o17",
                    "=", "<<", "?q", "a,b", "http://example.com:8080/x?y=1#z", "key=value",
                    "$(VAR)", "  ", "\t", "line\n\ttabbed\n", "trailing spaces  \nnext",
                    std::string("nul\0byte", 8), std::string("\0", 1)));

TEST(DocYamlTest, BlockStyleLikeKubectl) {
  Doc root = Doc::Map();
  root.fields.emplace_back("apiVersion", Doc::String("v1"));
  Doc list = Doc::List();
  Doc item = Doc::Map();
  item.fields.emplace_back("name", Doc::String("c"));
  item.fields.emplace_back("ports", Doc::List());
  item.fields.back().second.items.push_back(Doc::Number("80"));
  list.items.push_back(item);
  list.items.push_back(Doc::Map());
  Doc spec = Doc::Map();
  spec.fields.emplace_back("containers", list);
  spec.fields.emplace_back("emptyDir", Doc::Map());
  spec.fields.emplace_back("flag", Doc::Bool(true));
  root.fields.emplace_back("spec", spec);
  EXPECT_EQ(DocToYaml(root),
            "apiVersion: v1\n"
            "spec:\n"
            "  containers:\n"
            "  - name: c\n"
            "    ports:\n"
            "    - 80\n"
            "  - {}\n"
            "  emptyDir: {}\n"
            "  flag: true\n");
}

TEST(DocYamlTest, NestedListsAndLiteralInList) {
  Doc root = Doc::Map();
  Doc outer = Doc::List();
  Doc inner = Doc::List();
  inner.items.push_back(Doc::String("a"));
  inner.items.push_back(Doc::String("b"));
  outer.items.push_back(inner);
  outer.items.push_back(Doc::String("x\ny\n"));
  root.fields.emplace_back("k", outer);
  std::string yaml = DocToYaml(root);
  YAML::Node n = YAML::Load(yaml);
  ASSERT_TRUE(n["k"].IsSequence()) << yaml;
  EXPECT_EQ(n["k"][0][1].Scalar(), "b") << yaml;
  EXPECT_EQ(n["k"][1].Scalar(), "x\ny\n") << yaml;
}

// YAML allows implicit keys of at most 1024 characters; longer ones must still read back.
TEST(DocYamlTest, LongKeysReadBack) {
  const std::string long_key(1500, 'k');
  const std::string quoted_key = "q: " + std::string(1100, 'x');
  Doc root = Doc::Map();
  root.fields.emplace_back(long_key, Doc::String("v"));
  Doc nested = Doc::Map();
  nested.fields.emplace_back(quoted_key, Doc::List());
  nested.fields.back().second.items.push_back(Doc::String("a"));
  root.fields.emplace_back("m", nested);
  Doc list = Doc::List();
  Doc item = Doc::Map();
  item.fields.emplace_back(long_key, Doc::Map());
  item.fields.back().second.fields.emplace_back("x", Doc::String("y"));
  list.items.push_back(item);
  root.fields.emplace_back("l", list);
  std::string yaml = DocToYaml(root);
  YAML::Node n;
  ASSERT_NO_THROW(n = YAML::Load(yaml)) << yaml;
  EXPECT_EQ(n[long_key].Scalar(), "v");
  ASSERT_TRUE(n["m"][quoted_key].IsSequence()) << yaml;
  EXPECT_EQ(n["m"][quoted_key][0].Scalar(), "a");
  EXPECT_EQ(n["l"][0][long_key]["x"].Scalar(), "y") << yaml;
}

TEST(DocJsonTest, CompactAndPretty) {
  Doc root = Doc::Map();
  root.fields.emplace_back("s", Doc::String("a\"b\\c\n\x01"));
  root.fields.emplace_back("n", Doc::Number("12345678901234567"));
  root.fields.emplace_back("l", Doc::List());
  root.fields.emplace_back("m", Doc::Map());
  root.fields.emplace_back("z", Doc::Null());
  EXPECT_EQ(DocToJson(root),
            "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":12345678901234567,\"l\":[],\"m\":{},"
            "\"z\":null}");
  Doc small = Doc::Map();
  small.fields.emplace_back("a", Doc::List());
  small.fields.back().second.items.push_back(Doc::Bool(false));
  EXPECT_EQ(DocToJson(small, 4), "{\n    \"a\": [\n        false\n    ]\n}");
}

}  // namespace
}  // namespace skiff::api
