#include "api/labels.h"

#include <gtest/gtest.h>

#include "skiff/api/meta.pb.h"

namespace skiff::api {
namespace {

using Labels = std::map<std::string, std::string>;

Selector MustParse(std::string_view s) {
  Result<Selector> r = Selector::Parse(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
  return r.ok() ? *r : Selector::Nothing();
}

struct MatchCase {
  const char* selector;
  Labels labels;
  bool matches;
};

class SelectorMatchTest : public testing::TestWithParam<MatchCase> {};

TEST_P(SelectorMatchTest, Matches) {
  const MatchCase& c = GetParam();
  EXPECT_EQ(MustParse(c.selector).Matches(c.labels), c.matches) << c.selector;
}

INSTANTIATE_TEST_SUITE_P(
    Table, SelectorMatchTest,
    testing::Values(
        MatchCase{"", {}, true}, MatchCase{"", {{"a", "b"}}, true},
        MatchCase{"app=web", {{"app", "web"}}, true}, MatchCase{"app=web", {{"app", "db"}}, false},
        MatchCase{"app=web", {}, false}, MatchCase{"app==web", {{"app", "web"}}, true},
        MatchCase{"app!=web", {{"app", "web"}}, false},
        MatchCase{"app!=web", {{"app", "db"}}, true},
        MatchCase{"app!=web", {}, true},  // absent key satisfies !=
        MatchCase{"env in (prod,staging)", {{"env", "prod"}}, true},
        MatchCase{"env in (prod,staging)", {{"env", "dev"}}, false},
        MatchCase{"env in (prod,staging)", {}, false},
        MatchCase{"env notin (prod)", {{"env", "dev"}}, true},
        MatchCase{"env notin (prod)", {{"env", "prod"}}, false},
        MatchCase{"env notin (prod)", {}, true}, MatchCase{"tier", {{"tier", ""}}, true},
        MatchCase{"tier", {}, false}, MatchCase{"!tier", {}, true},
        MatchCase{"!tier", {{"tier", "x"}}, false},
        MatchCase{"app=web,tier", {{"app", "web"}, {"tier", "fe"}}, true},
        MatchCase{"app=web,tier", {{"app", "web"}}, false},
        MatchCase{"app=web, env in (a, b) ,!old", {{"app", "web"}, {"env", "b"}}, true},
        MatchCase{
            "app=web, env in (a, b) ,!old", {{"app", "web"}, {"env", "b"}, {"old", "1"}}, false},
        MatchCase{"replicas>2", {{"replicas", "3"}}, true},
        MatchCase{"replicas>2", {{"replicas", "2"}}, false},
        MatchCase{"replicas<2", {{"replicas", "1"}}, true},
        MatchCase{"replicas>2", {{"replicas", "x"}}, false}, MatchCase{"app=", {{"app", ""}}, true},
        MatchCase{"app=", {{"app", "x"}}, false},
        MatchCase{"example.com/role=db", {{"example.com/role", "db"}}, true}));

struct ErrorCase {
  const char* selector;
  const char* message;
};

class SelectorErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(SelectorErrorTest, NamesOffendingToken) {
  Result<Selector> r = Selector::Parse(GetParam().selector);
  ASSERT_FALSE(r.ok()) << GetParam().selector;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SelectorErrorTest,
    testing::Values(
        ErrorCase{"a in b", "invalid label selector \"a in b\": found \"b\", expected \"(\""},
        ErrorCase{"a in (x",
                  "invalid label selector \"a in (x\": found end of selector, expected \",\" or "
                  "\")\""},
        ErrorCase{"a in ()",
                  "invalid label selector \"a in ()\": for \"in\" and \"notin\" the set of "
                  "values must not be empty (key \"a\")"},
        ErrorCase{"a=b,",
                  "invalid label selector \"a=b,\": found end of selector, expected "
                  "\"!\" or a label key"},
        ErrorCase{",a",
                  "invalid label selector \",a\": found \",\", expected \"!\" or a label "
                  "key"},
        ErrorCase{"a b",
                  "invalid label selector \"a b\": found \"b\", expected one of \"=\", "
                  "\"==\", \"!=\", \"in\", \"notin\", \">\", \"<\""},
        ErrorCase{"a=b c",
                  "invalid label selector \"a=b c\": found \"c\", expected \",\" or end "
                  "of selector"},
        ErrorCase{"!",
                  "invalid label selector \"!\": found end of selector, expected a label "
                  "key"},
        ErrorCase{"a>x",
                  "invalid label selector \"a>x\": value \"x\" after \">\" must be an "
                  "integer"},
        ErrorCase{"a=(", "invalid label selector \"a=(\": found \"(\", expected a label value"},
        ErrorCase{"-a=b",
                  "invalid label selector \"-a=b\": invalid label key \"-a\": name part "
                  "must consist of alphanumeric characters, '-', '_' or '.', and must "
                  "start and end with an alphanumeric character (e.g. 'MyName',  or "
                  "'my.name',  or '123-abc', regex used for validation is "
                  "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"}));

TEST(SelectorParseTest, RejectsBadValues) {
  Result<Selector> r = Selector::Parse("a=b_");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("invalid label value \"b_\""), std::string::npos);
  EXPECT_FALSE(Selector::Parse(std::string("a=") + std::string(64, 'x')).ok());
}

TEST(SelectorStringTest, CanonicalFormSortedByKey) {
  EXPECT_EQ(MustParse("tier in (fe,be),app=web").ToString(), "app=web,tier in (be,fe)");
  EXPECT_EQ(MustParse("  !old ,  app==web,x notin (b,a,b)").ToString(),
            "app==web,!old,x notin (a,b)");
  EXPECT_EQ(MustParse("a!=b,c,d>4,e<1").ToString(), "a!=b,c,d>4,e<1");
  EXPECT_EQ(MustParse("").ToString(), "");
  // The canonical form parses back to the same selector.
  // A set holding only the empty value prints as "(,)": "()" would not parse.
  EXPECT_EQ(MustParse("a in (,)").ToString(), "a in (,)");
  for (const char* s : {"app=web,tier in (be,fe)", "!x,y", "a notin (b)", "a=", "k>3", "a in (,)",
                        "a notin (,b)", "a in (b,)"}) {
    EXPECT_EQ(MustParse(MustParse(s).ToString()), MustParse(s)) << s;
  }
}

TEST(SelectorTest, EverythingAndNothing) {
  EXPECT_TRUE(Selector::Everything().Matches(Labels{}));
  EXPECT_TRUE(Selector::Everything().empty());
  EXPECT_FALSE(Selector::Nothing().Matches(Labels{}));
  EXPECT_FALSE(Selector::Nothing().Matches(Labels{{"a", "b"}}));
  EXPECT_FALSE(Selector::Nothing().empty());
}

TEST(SelectorTest, FromLabelSelectorMessage) {
  LabelSelector ls;
  (*ls.mutable_match_labels())["app"] = "web";
  auto* e = ls.add_match_expressions();
  e->set_key("env");
  e->set_operator_("In");
  e->add_values("prod");
  e->add_values("canary");
  auto* ex = ls.add_match_expressions();
  ex->set_key("legacy");
  ex->set_operator_("DoesNotExist");
  Result<Selector> s = Selector::FromLabelSelector(ls);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->ToString(), "app=web,env in (canary,prod),!legacy");
  EXPECT_TRUE(s->Matches(Labels{{"app", "web"}, {"env", "prod"}}));
  EXPECT_FALSE(s->Matches(Labels{{"app", "web"}, {"env", "prod"}, {"legacy", "y"}}));
  EXPECT_FALSE(s->Matches(Labels{{"app", "web"}}));

  google::protobuf::Map<std::string, std::string> pm;
  pm["app"] = "web";
  pm["env"] = "canary";
  EXPECT_TRUE(s->Matches(pm));

  LabelSelector empty;
  EXPECT_TRUE(Selector::FromLabelSelector(empty)->empty());
}

TEST(SelectorTest, FromLabelSelectorErrorsNameTheField) {
  LabelSelector ls;
  auto* e = ls.add_match_expressions();
  e->set_key("env");
  e->set_operator_("Equals");
  Result<Selector> s = Selector::FromLabelSelector(ls);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "invalid label selector: matchExpressions[0].operator: Unsupported value: "
            "\"Equals\": supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"");

  LabelSelector in_without_values;
  auto* e2 = in_without_values.add_match_expressions();
  e2->set_key("env");
  e2->set_operator_("In");
  ErrorList errors;
  ValidateLabelSelector(in_without_values, "spec.selector", &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.errors()[0].path, "spec.selector.matchExpressions[0].values");
  EXPECT_EQ(errors.errors()[0].message,
            "Required value: must be specified when `operator` is 'In' or 'NotIn'");

  LabelSelector exists_with_values;
  auto* e3 = exists_with_values.add_match_expressions();
  e3->set_key("env");
  e3->set_operator_("Exists");
  e3->add_values("x");
  ErrorList errors3;
  ValidateLabelSelector(exists_with_values, "", &errors3);
  ASSERT_EQ(errors3.size(), 1u);
  EXPECT_EQ(errors3.errors()[0].path, "matchExpressions[0].values");

  LabelSelector bad_labels;
  (*bad_labels.mutable_match_labels())["bad key"] = "ok";
  (*bad_labels.mutable_match_labels())["ok"] = "bad value!";
  ErrorList errors4;
  ValidateLabelSelector(bad_labels, "spec.selector", &errors4);
  ASSERT_EQ(errors4.size(), 2u);
  EXPECT_EQ(errors4.errors()[0].path, "spec.selector.matchLabels[bad key]");
  EXPECT_EQ(errors4.errors()[1].path, "spec.selector.matchLabels[ok]");
  EXPECT_NE(errors4.errors()[1].message.find("Invalid value: \"bad value!\""), std::string::npos);
}

TEST(SelectorTest, FromLabels) {
  std::map<std::string, std::string> m{{"b", "2"}, {"a", "1"}};
  Selector s = Selector::FromLabels(m);
  EXPECT_EQ(s.ToString(), "a=1,b=2");
  EXPECT_TRUE(s.Matches(Labels{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_FALSE(s.Matches(Labels{{"a", "1"}}));
  EXPECT_TRUE(Selector::FromLabels(Labels{}).empty());
}

}  // namespace
}  // namespace skiff::api
