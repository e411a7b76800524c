// `netctl apply -f examples/` (and the object-model test manifests), then
// `netctl get ... -A -o yaml`: the output loads back as manifests and every
// field the manifests set is there with the value they set (the server only
// adds: defaults, allocations, status, metadata).
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/message_differencer.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>

#include "api/defaults.h"
#include "api/manifest.h"
#include "controlplane/server/api_test_fixture.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using server::testing::ApiServerTest;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Runs a command; returns its exit code and stdout.
int RunCommand(const std::string& cmd, std::string* out) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  out->clear();
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    out->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Every field set in `want` is set in `got` to the same value; lists match
// element by element, maps key by key. Differences are appended to `diffs`.
void ExpectContains(const Message& want, const Message& got, const std::string& path,
                    std::vector<std::string>* diffs) {
  const auto* d = want.GetDescriptor();
  const auto* wr = want.GetReflection();
  const auto* gr = got.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    std::string p = path.empty() ? f->json_name() : path + "." + f->json_name();
    bool atomic = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                  f->message_type()->file()->package() == "google.protobuf";
    if (f->is_map()) {
      auto entries = [&](const Message& m) {
        std::map<std::string, const Message*> out;
        const auto* r = m.GetReflection();
        for (int j = 0; j < r->FieldSize(m, f); ++j) {
          const Message& e = r->GetRepeatedMessage(m, f, j);
          out[e.GetReflection()->GetString(e, f->message_type()->map_key())] = &e;
        }
        return out;
      };
      auto g = entries(got);
      for (const auto& [k, e] : entries(want)) {
        auto it = g.find(k);
        if (it == g.end()) {
          diffs->push_back(p + "[" + k + "]: missing");
        } else {
          ExpectContains(*e, *it->second, p + "[" + k + "]", diffs);
        }
      }
    } else if (f->is_repeated()) {
      int n = wr->FieldSize(want, f);
      if (n == 0) continue;
      if (gr->FieldSize(got, f) != n) {
        diffs->push_back(p + ": " + std::to_string(n) + " items in the manifest, " +
                         std::to_string(gr->FieldSize(got, f)) + " live");
        continue;
      }
      for (int j = 0; j < n; ++j) {
        std::string pj = p + "[" + std::to_string(j) + "]";
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !atomic) {
          ExpectContains(wr->GetRepeatedMessage(want, f, j), gr->GetRepeatedMessage(got, f, j), pj,
                         diffs);
        } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          if (!google::protobuf::util::MessageDifferencer::Equals(
                  wr->GetRepeatedMessage(want, f, j), gr->GetRepeatedMessage(got, f, j))) {
            diffs->push_back(pj + ": differs");
          }
        } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          if (wr->GetRepeatedString(want, f, j) != gr->GetRepeatedString(got, f, j)) {
            diffs->push_back(pj + ": differs");
          }
        }
      }
    } else if (wr->HasField(want, f)) {
      if (!gr->HasField(got, f)) {
        diffs->push_back(p + ": missing");
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !atomic) {
        ExpectContains(wr->GetMessage(want, f), gr->GetMessage(got, f), p, diffs);
      } else {
        std::unique_ptr<Message> a(want.New()), b(got.New());
        a->CopyFrom(want);
        b->CopyFrom(got);
        for (int k = 0; k < d->field_count(); ++k) {
          if (d->field(k) != f) {
            a->GetReflection()->ClearField(a.get(), d->field(k));
            b->GetReflection()->ClearField(b.get(), d->field(k));
          }
        }
        if (!google::protobuf::util::MessageDifferencer::Equals(*a, *b)) {
          diffs->push_back(p + ": differs");
        }
      }
    }
  }
}

// Controllers would legitimately rewrite some of the test manifests' objects
// (a Node's conditions, a managed EndpointSlice): round-trip without them.
class RoundTripTest : public ApiServerTest {
  void Customize(server::ServerOptions& opts) override {
    opts.run_controllers = false;
    opts.run_scheduler = false;
  }
};

TEST_F(RoundTripTest, ApplyThenGetYamlRoundTripsManifestFields) {
  std::string netctl = Env("SKIFF_BIN_DIR") + "/netctl --config " + server_->admin_config_path();
  std::string src = Env("SKIFF_SOURCE_DIR");
  std::string out;
  // api/testdata/pod.yaml lives in a namespace no manifest creates.
  api::Namespace batch;
  batch.mutable_metadata()->set_name("batch");
  ASSERT_TRUE(api::CreateObject(*client_, batch).ok());
  ASSERT_EQ(
      RunCommand(netctl + " apply -f " + src + "/examples -f " + src + "/api/testdata 2>&1", &out),
      0)
      << out;
  EXPECT_NE(out.find("deployment.apps/web created"), std::string::npos) << out;
  // Applying again changes nothing.
  ASSERT_EQ(RunCommand(netctl + " apply -f " + src + "/examples 2>&1", &out), 0) << out;
  EXPECT_EQ(out.find("configured"), std::string::npos) << out;
  EXPECT_NE(out.find("deployment.apps/web unchanged"), std::string::npos) << out;

  // Everything that was applied, kind by kind.
  api::LoadResult applied = api::LoadManifestFile(src + "/examples/web.yaml");
  for (const auto& f :
       {"examples/headless.yaml", "api/testdata/deployment.yaml", "api/testdata/service.yaml",
        "api/testdata/headless-service.yaml", "api/testdata/statefulset.yaml",
        "api/testdata/daemonset.yaml", "api/testdata/configmap-secret.yaml",
        "api/testdata/hpa.yaml", "api/testdata/rbac.yaml", "api/testdata/cluster.yaml",
        "api/testdata/pod.yaml", "api/testdata/list.yaml"}) {
    auto r = api::LoadManifestFile(src + "/" + f);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (auto& o : r.objects)
      applied.objects.push_back(std::move(o));
  }
  std::set<std::string> kinds;
  for (const auto& o : applied.objects)
    kinds.insert(std::string(o.kind->resource));
  std::string kind_list;
  for (const auto& k : kinds)
    kind_list += (kind_list.empty() ? "" : ",") + k;
  ASSERT_EQ(RunCommand(netctl + " get " + kind_list + " -A -o yaml", &out), 0) << out;
  api::LoadResult live = api::LoadManifests(out, "get -o yaml");
  ASSERT_TRUE(live.ok()) << live.status().ToString();

  for (const auto& want : applied.objects) {
    std::unique_ptr<Message> expected(want.object->New());
    expected->CopyFrom(*want.object);
    api::ApplyDefaults(*expected);  // e.g. Secret stringData is folded into data
    auto* meta = api::MutableObjectMeta(expected.get());
    if (want.kind->namespaced && meta->namespace_().empty()) meta->set_namespace_("default");
    const Message* got = nullptr;
    for (const auto& l : live.objects) {
      const auto* lm = api::GetObjectMeta(*l.object);
      if (l.kind == want.kind && lm->name() == meta->name() &&
          lm->namespace_() == meta->namespace_()) {
        got = l.object.get();
      }
    }
    std::string what = std::string(want.kind->kind) + " " + meta->namespace_() + "/" + meta->name();
    ASSERT_NE(got, nullptr) << what << " is not in the output";
    std::vector<std::string> diffs;
    ExpectContains(*expected, *got, "", &diffs);
    EXPECT_TRUE(diffs.empty()) << what << ": " << ::testing::PrintToString(diffs);
  }
}

TEST_F(ApiServerTest, BadDocumentAppliesNothingAndNamesFileDocumentAndField) {
  std::string netctl = Env("SKIFF_BIN_DIR") + "/netctl --config " + server_->admin_config_path();
  std::string file = dir_ + "/mixed.yaml";
  FILE* f = std::fopen(file.c_str(), "w");
  std::fputs(
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\ndata:\n  a: b\n---\n"
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: broken\nspec:\n"
      "  replicas: 1\n  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n"
      "      labels: {app: x}\n    spec:\n      containers:\n      - name: c\n"
      "        image: i\n        imagee: typo\n",
      f);
  std::fclose(f);
  std::string out;
  int code = RunCommand(netctl + " apply -f " + file + " 2>&1", &out);
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("mixed.yaml"), std::string::npos) << out;
  EXPECT_NE(out.find("document 2"), std::string::npos) << out;
  EXPECT_NE(out.find("spec.template.spec.containers[0].imagee"), std::string::npos) << out;
  EXPECT_TRUE(api::GetObject<api::ConfigMap>(*client_, "default", "good").ok());
  EXPECT_EQ(api::GetObject<api::Deployment>(*client_, "default", "broken").status().code(),
            StatusCode::kNotFound);

  code = RunCommand(netctl + " --token wrong get pods 2>&1", &out);
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("Unauthorized"), std::string::npos) << out;
  code = RunCommand(netctl + " get nosuchkind 2>&1", &out);
  EXPECT_NE(code, 0);
  EXPECT_NE(out.find("nosuchkind"), std::string::npos) << out;
}

}  // namespace
}  // namespace skiff
