// Strategic merge patch: keyed lists of the object model merge by key, the
// $patch / $retainKeys / $deleteFromPrimitiveList / $setElementOrder
// directives, and what replaces like a merge patch.
#include "tools/netctl/strategic_merge.h"

#include <gtest/gtest.h>

#include "tests/netctl/json_literal.h"

namespace skiff::netctl {
namespace {

std::string Smp(std::string_view original, std::string_view patch) {
  auto r = ApplyStrategicMergePatch(J(original), J(patch));
  return r.ok() ? json::Serialize(*r) : "error: " + r.status().message();
}

constexpr const char* kDeployment = R"({"spec":{"replicas":1,"template":{"spec":{
  "containers":[
    {"name":"web","image":"web:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
     "ports":[{"containerPort":80,"protocol":"TCP"}],
     "volumeMounts":[{"name":"data","mountPath":"/data"}]},
    {"name":"sidecar","image":"side:1"}],
  "volumes":[{"name":"data","emptyDir":{}}]}}}})";

TEST(StrategicMergeTest, ContainersMergeByName) {
  std::string out = Smp(kDeployment,
                        R"({"spec":{"template":{"spec":{"containers":[
                              {"name":"web","image":"web:2"}]}}}})");
  auto r = J(out);
  const auto& containers = r.Find("spec")->Find("template")->Find("spec")->Find("containers");
  ASSERT_TRUE(containers && containers->is_array()) << out;
  ASSERT_EQ(containers->as_array().size(), 2u) << out;
  EXPECT_EQ(containers->as_array()[0].Find("image")->as_string(), "web:2");
  // The rest of the element stays.
  EXPECT_EQ(containers->as_array()[0].Find("env")->as_array().size(), 2u);
  EXPECT_EQ(containers->as_array()[1].Find("image")->as_string(), "side:1");
}

TEST(StrategicMergeTest, NewElementsAppendAndNestedListsMergeByTheirKeys) {
  std::string out = Smp(kDeployment, R"({"spec":{"template":{"spec":{
      "containers":[{"name":"web",
                     "env":[{"name":"B","value":"20"},{"name":"C","value":"3"}],
                     "ports":[{"containerPort":8080}],
                     "volumeMounts":[{"name":"cache","mountPath":"/cache"}]},
                    {"name":"new","image":"new:1"}],
      "volumes":[{"name":"cache","emptyDir":{}}]}}}})");
  EXPECT_EQ(out, json::Serialize(J(R"({"spec":{"replicas":1,"template":{"spec":{
  "containers":[
    {"name":"web","image":"web:1",
     "env":[{"name":"A","value":"1"},{"name":"B","value":"20"},{"name":"C","value":"3"}],
     "ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":8080}],
     "volumeMounts":[{"name":"data","mountPath":"/data"},{"name":"cache","mountPath":"/cache"}]},
    {"name":"sidecar","image":"side:1"},
    {"name":"new","image":"new:1"}],
  "volumes":[{"name":"data","emptyDir":{}},{"name":"cache","emptyDir":{}}]}}}})")));
}

TEST(StrategicMergeTest, DeleteDirectiveAndNullRemove) {
  std::string out = Smp(kDeployment, R"({"spec":{"replicas":null,"template":{"spec":{
      "containers":[{"name":"sidecar","$patch":"delete"},
                    {"name":"web","env":[{"name":"A","$patch":"delete"}]}]}}}})");
  EXPECT_EQ(out.find("sidecar"), std::string::npos) << out;
  EXPECT_EQ(out.find("replicas"), std::string::npos) << out;
  EXPECT_EQ(out.find(R"("name":"A")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("name":"B")"), std::string::npos) << out;
  EXPECT_EQ(out.find("$patch"), std::string::npos) << out;
}

TEST(StrategicMergeTest, ReplaceDirectives) {
  // A list with {"$patch": "replace"} is replaced by the patch's elements.
  std::string out = Smp(kDeployment, R"({"spec":{"template":{"spec":{
      "volumes":[{"name":"only","emptyDir":{}},{"$patch":"replace"}]}}}})");
  EXPECT_NE(out.find(R"("volumes":[{"name":"only","emptyDir":{}}])"), std::string::npos) << out;
  // A map with $patch: replace replaces the map.
  EXPECT_EQ(Smp(R"({"a":{"x":1,"y":2}})", R"({"a":{"$patch":"replace","z":3}})"),
            R"({"a":{"z":3}})");
  EXPECT_EQ(Smp(R"({"a":{"x":1},"b":1})", R"({"a":{"$patch":"delete"}})"), R"({"b":1})");
}

TEST(StrategicMergeTest, UnkeyedListsReplaceAndMapsMerge) {
  EXPECT_EQ(Smp(R"({"spec":{"containers":[{"name":"c","args":["a","b"]}]}})",
                R"({"spec":{"containers":[{"name":"c","args":["z"]}]}})"),
            R"({"spec":{"containers":[{"name":"c","args":["z"]}]}})");
  EXPECT_EQ(Smp(R"({"metadata":{"labels":{"a":"1","b":"2"}}})",
                R"({"metadata":{"labels":{"b":null,"c":"3"}}})"),
            R"({"metadata":{"labels":{"a":"1","c":"3"}}})");
  EXPECT_EQ(
      Smp(R"({"spec":{"tolerations":[{"key":"a"}]}})", R"({"spec":{"tolerations":[{"key":"b"}]}})"),
      R"({"spec":{"tolerations":[{"key":"b"}]}})");
}

TEST(StrategicMergeTest, ServicePortsMergeByPort) {
  EXPECT_EQ(Smp(R"({"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443}]}})",
                R"({"spec":{"ports":[{"port":80,"targetPort":9090}]}})"),
            R"({"spec":{"ports":[{"port":80,"targetPort":9090},{"port":443}]}})");
}

TEST(StrategicMergeTest, SetListsAndPrimitiveDeletes) {
  EXPECT_EQ(
      Smp(R"({"metadata":{"finalizers":["a","b"]}})", R"({"metadata":{"finalizers":["b","c"]}})"),
      R"({"metadata":{"finalizers":["a","b","c"]}})");
  EXPECT_EQ(Smp(R"({"metadata":{"finalizers":["a","b"]}})",
                R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}})"),
            R"({"metadata":{"finalizers":["b"]}})");
}

TEST(StrategicMergeTest, RetainKeysAndElementOrder) {
  EXPECT_EQ(Smp(R"({"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}})",
                R"({"strategy":{"$retainKeys":["type"],"type":"Recreate"}})"),
            R"({"strategy":{"type":"Recreate"}})");
  EXPECT_EQ(Smp(R"({"containers":[{"name":"a"},{"name":"b"}]})",
                R"({"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],
                    "containers":[{"name":"a","image":"x"}]})"),
            R"({"containers":[{"name":"b"},{"name":"a","image":"x"}]})");
}

TEST(StrategicMergeTest, Errors) {
  EXPECT_EQ(Smp(kDeployment, R"({"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}})"),
            "error: spec.template.spec.containers[0]: does not contain the merge key \"name\"");
  EXPECT_EQ(Smp(R"({})", R"({"containers":["x"]})"),
            "error: containers[0]: want an object with the merge key \"name\", got a string");
  EXPECT_NE(Smp(R"({})", R"({"a":{"$patch":"frob"}})").find("$patch must be"), std::string::npos);
  EXPECT_NE(Smp(R"({})", R"([1])").find("must be an object"), std::string::npos);
  EXPECT_NE(Smp(R"({"a":1})", R"({"$patch":"delete"})").find("whole object"), std::string::npos);
}

}  // namespace
}  // namespace skiff::netctl
