// Validation entry points and metadata rules.
#include "api/validation.h"

#include <gtest/gtest.h>

#include "api/validation_test_util.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::api {
namespace {

using test_support::ErrorsOf;
using test_support::ValidationCase;
using test_support::ValidationTableTest;

TEST_P(ValidationTableTest, ReportsExactly) {
  EXPECT_EQ(ErrorsOf(GetParam().yaml), GetParam().errors) << GetParam().yaml;
}

std::string ConfigMapMeta(const std::string& meta) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n" + test_support::Indent(meta, 2);
}

const char kSubdomainMsg[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char kLabelMsg[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const char kDNS1035Msg[] =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

INSTANTIATE_TEST_SUITE_P(
    Meta, ValidationTableTest,
    testing::Values(
        ValidationCase{"Valid", ConfigMapMeta("name: web.config-1\nnamespace: shop\n"), {}},
        ValidationCase{"NameRequired",
                       ConfigMapMeta("namespace: shop\n"),
                       {"metadata.name: Required value: name or generateName is required"}},
        ValidationCase{"GenerateNameIsEnough", ConfigMapMeta("generateName: web-\n"), {}},
        ValidationCase{
            "BadGenerateName",
            ConfigMapMeta("generateName: Web-\n"),
            {std::string("metadata.generateName: Invalid value: \"Web-\": ") + kSubdomainMsg}},
        ValidationCase{"NameNotSubdomain",
                       ConfigMapMeta("name: Web_1\n"),
                       {std::string("metadata.name: Invalid value: \"Web_1\": ") + kSubdomainMsg}},
        ValidationCase{"NameTooLong",
                       ConfigMapMeta("name: " + std::string(254, 'a') + "\n"),
                       {"metadata.name: Invalid value: \"" + std::string(254, 'a') +
                        "\": must be no more than 253 characters"}},
        ValidationCase{"NamespaceMustBeLabel",
                       ConfigMapMeta("name: c\nnamespace: my.ns\n"),
                       {std::string("metadata.namespace: Invalid value: \"my.ns\": ") + kLabelMsg}},
        ValidationCase{"ServiceNameIsDNS1035",
                       "apiVersion: v1\nkind: Service\nmetadata: {name: 1web}\nspec:\n  ports: "
                       "[{port: 80}]\n",
                       {std::string("metadata.name: Invalid value: \"1web\": ") + kDNS1035Msg}},
        ValidationCase{"NamespaceNameIsLabel",
                       "apiVersion: v1\nkind: Namespace\nmetadata: {name: a.b}\n",
                       {std::string("metadata.name: Invalid value: \"a.b\": ") + kLabelMsg}},
        ValidationCase{"ClusterScopedHasNoNamespace",
                       "apiVersion: v1\nkind: Node\nmetadata: {name: n1, namespace: default}\n",
                       {"metadata.namespace: Forbidden: not allowed on this type"}},
        ValidationCase{"RbacNamesArePathSegments",
                       "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: "
                       "{name: \"system:Admin/x\"}\n",
                       {"metadata.name: Invalid value: \"system:Admin/x\": may not contain '/'"}},
        ValidationCase{"RbacNamesAllowColons",
                       "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: "
                       "{name: \"system:Admin\"}\n",
                       {}},
        ValidationCase{
            "Labels",
            ConfigMapMeta("name: c\nlabels:\n  good: ok\n  \"bad key\": v\n  k: \"-bad\"\n"),
            {"metadata.labels[bad key]: Invalid value: \"bad key\": name part must consist of "
             "alphanumeric characters, '-', '_' or '.', and must start and end with an "
             "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
             "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
             "metadata.labels[k]: Invalid value: \"-bad\": a valid label must be an empty string "
             "or consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
             "an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
             "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"}},
        ValidationCase{"AnnotationKey",
                       ConfigMapMeta("name: c\nannotations:\n  \"a/b/c\": x\n"),
                       {"metadata.annotations[a/b/c]: Invalid value: \"a/b/c\": a qualified name "
                        "must consist of alphanumeric characters, '-', '_' or '.', and must start "
                        "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
                        "or '123-abc', regex used for validation is "
                        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
                        "subdomain prefix and '/' (e.g. 'example.com/MyName')"}},
        ValidationCase{
            "AnnotationsTooBig",
            ConfigMapMeta("name: c\nannotations:\n  big: " + std::string(256 * 1024, 'x') + "\n"),
            {"metadata.annotations: Too long: must have at most 262144 bytes"}},
        ValidationCase{"OwnerReferences",
                       ConfigMapMeta("name: c\nownerReferences:\n- {kind: A, name: a, uid: u1, "
                                     "controller: true}\n- {apiVersion: v1, kind: B, name: b, "
                                     "uid: u2, controller: true}\n"),
                       {"metadata.ownerReferences[0].apiVersion: Required value: version must "
                        "not be empty",
                        "metadata.ownerReferences: Invalid value: [A/a, B/b]: Only one reference "
                        "can have Controller set to true. Found \"true\" in references for A/a, "
                        "B/b"}},
        ValidationCase{"Finalizers",
                       ConfigMapMeta("name: c\nfinalizers: [example.com/x, example.com/x, "
                                     "\"bad/x/y\"]\n"),
                       {"metadata.finalizers[1]: Duplicate value: \"example.com/x\"",
                        "metadata.finalizers[2]: Invalid value: \"bad/x/y\": a qualified name "
                        "must consist of alphanumeric characters, '-', '_' or '.', and must start "
                        "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
                        "or '123-abc', regex used for validation is "
                        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
                        "subdomain prefix and '/' (e.g. 'example.com/MyName')"}}),
    test_support::CaseName);

TEST(ValidationTest, TypeMetaMustMatchTheMessage) {
  Deployment d;
  d.set_api_version("apps/v1beta2");
  d.set_kind("Deploy");
  d.mutable_metadata()->set_name("d");
  std::vector<std::string> errors = test_support::ToStrings(Validate(d));
  ASSERT_GE(errors.size(), 2u);
  EXPECT_EQ(errors[0],
            "apiVersion: Unsupported value: \"apps/v1beta2\": supported values: "
            "\"apps/v1\"");
  EXPECT_EQ(errors[1], "kind: Unsupported value: \"Deploy\": supported values: \"Deployment\"");
}

TEST(ValidationTest, NonKindMessage) {
  PodSpec spec;
  EXPECT_EQ(test_support::ToStrings(Validate(spec)),
            std::vector<std::string>{"Unsupported object type skiff.api.PodSpec"});
}

TEST(ValidationTest, InvalidObjectStatus) {
  Deployment d;
  d.mutable_metadata()->set_name("web");
  d.mutable_spec()->set_replicas(-1);
  FieldErrors errors = Validate(d);
  Status s = InvalidObjectStatus(d, errors);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().substr(0, 84),
            "Deployment \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater "
            "than ");
  EXPECT_TRUE(InvalidObjectStatus(d, {}).ok());
}

TEST(ValidationTest, ReportsEveryErrorNotJustTheFirst) {
  std::vector<std::string> errors = ErrorsOf(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: Bad_Name}
spec:
  replicas: -2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: other}}
    spec:
      containers:
      - name: Web
        image: nginx
        ports: [{containerPort: 0}]
)");
  EXPECT_EQ(errors.size(), 5u) << ::testing::PrintToString(errors);
}

}  // namespace
}  // namespace skiff::api
