// EditObject's optimistic concurrency against a fake API: a conflict starts
// over from a fresh read (so a concurrent writer's change survives), an edit
// error writes nothing, a no-op writes nothing, and a user-given
// resourceVersion is not retried.
#include "tools/netctl/object_edit.h"

#include <gtest/gtest.h>

#include "api/kinds.h"
#include "skiff/api/core.pb.h"

namespace skiff::netctl {
namespace {

// One ConfigMap; Update checks resourceVersion like the server. Before the
// first `conflicts` updates, "someone else" writes first.
class FakeClient : public api::ApiClient {
 public:
  int conflicts = 0;
  int updates = 0;
  api::ConfigMap stored;

  FakeClient() {
    stored.mutable_metadata()->set_name("cm");
    stored.mutable_metadata()->set_namespace_("default");
    stored.mutable_metadata()->set_resource_version("1");
  }
  Result<api::ObjectResponse> Get(const api::GetRequest& req) override {
    if (req.name() != "cm") return NotFound("configmaps \"" + req.name() + "\" not found");
    api::ObjectResponse r;
    r.set_object(stored.SerializeAsString());
    return r;
  }
  Result<api::ObjectResponse> Update(const api::UpdateRequest& req) override {
    ++updates;
    if (conflicts > 0) {
      --conflicts;
      (*stored.mutable_data())["other-" + std::to_string(conflicts)] = "x";
      Bump();
    }
    api::ConfigMap in;
    in.ParseFromString(req.object());
    if (in.metadata().resource_version() != stored.metadata().resource_version()) {
      return Aborted("the object has been modified");
    }
    stored = in;
    Bump();
    api::ObjectResponse r;
    r.set_object(stored.SerializeAsString());
    return r;
  }
  Result<api::ObjectResponse> Create(const api::CreateRequest&) override { return Unused(); }
  Result<api::ListResponse> List(const api::ListRequest&) override { return Unused(); }
  Result<api::ObjectResponse> Delete(const api::DeleteRequest&) override { return Unused(); }
  Result<std::unique_ptr<api::WatchStream>> Watch(const api::WatchRequest&) override {
    return Unused();
  }
  Result<api::VersionResponse> Version() override { return Unused(); }

 private:
  static Status Unused() { return Status(StatusCode::kUnimplemented, "not in this fake"); }
  void Bump() {
    stored.mutable_metadata()->set_resource_version(
        std::to_string(std::stoi(stored.metadata().resource_version()) + 1));
  }
};

ObjectTarget Target() {
  return {api::FindKind("ConfigMap"), "default", "cm"};
}

JsonEdit ClearData(int* calls) {
  return [calls](const google::protobuf::Message&, json::Value* o) {
    ++*calls;
    o->as_object()["data"] = json::Object();
    return Status::Ok();
  };
}

JsonEdit AddData(const std::string& key, int* calls) {
  return [key, calls](const google::protobuf::Message&, json::Value* o) {
    ++*calls;
    json::Value& data = o->as_object()["data"];
    if (!data.is_object()) data = json::Object();
    data.as_object().Set(key, "v");
    return Status::Ok();
  };
}

TEST(EditObjectTest, ConflictStartsOverFromAFreshRead) {
  FakeClient client;
  client.conflicts = 2;
  int calls = 0;
  auto r = EditObject(client, Target(), AddData("mine", &calls), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(client.updates, 3);
  // Both writers' changes are there.
  EXPECT_EQ(client.stored.data().count("mine"), 1u);
  EXPECT_EQ(client.stored.data().count("other-0"), 1u);
  EXPECT_EQ(client.stored.data().count("other-1"), 1u);
}

TEST(EditObjectTest, GivesUpAfterTheBound) {
  FakeClient client;
  client.conflicts = 100;
  int calls = 0;
  EditOptions options;
  options.max_attempts = 4;
  auto r = EditObject(client, Target(), AddData("mine", &calls), options);
  EXPECT_EQ(r.status().code(), StatusCode::kAborted);
  EXPECT_EQ(calls, 4);
}

TEST(EditObjectTest, NoChangeWritesNothing) {
  FakeClient client;
  int calls = 0;
  auto r = EditObject(client, Target(), ClearData(&calls), {});  // empty data = absent data
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->changed);
  EXPECT_EQ(client.updates, 0);
}

TEST(EditObjectTest, EditErrorsAndBadResultsWriteNothing) {
  FakeClient client;
  bool local = false;
  auto r = EditObject(
      client, Target(),
      [](const google::protobuf::Message&, json::Value*) { return InvalidArgument("no"); }, {},
      &local);
  EXPECT_EQ(r.status().message(), "no");
  EXPECT_TRUE(local);
  r = EditObject(
      client, Target(),
      [](const google::protobuf::Message&, json::Value* o) {
        o->as_object().Set("bogus", 1);
        return Status::Ok();
      },
      {}, &local);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("bogus"), std::string::npos) << r.status().message();
  EXPECT_TRUE(local);
  EXPECT_EQ(client.updates, 0);
  r = EditObject(
      client, {api::FindKind("ConfigMap"), "default", "gone"},
      [](const google::protobuf::Message&, json::Value*) { return Status::Ok(); }, {}, &local);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(local);
}

TEST(EditObjectTest, UserResourceVersionIsAPreconditionNotRetried) {
  FakeClient client;
  client.conflicts = 1;
  int calls = 0;
  auto r = EditObject(client, Target(),
                      [&calls](const google::protobuf::Message&, json::Value* o) {
                        ++calls;
                        o->as_object()["metadata"].as_object().Set("resourceVersion", "1");
                        o->as_object()["data"] = json::Object{{"k", "v"}};
                        return Status::Ok();
                      },
                      {});
  // The object moved on from the version the user named: a conflict, never
  // a write over the other writer's change.
  EXPECT_EQ(r.status().code(), StatusCode::kAborted);
  EXPECT_LE(calls, 2);
  EXPECT_EQ(client.stored.data().count("k"), 0u);
}

TEST(EditObjectTest, ClientDryRunSendsNothing) {
  FakeClient client;
  int calls = 0;
  EditOptions options;
  options.dry_run = DryRun::kClient;
  auto r = EditObject(client, Target(), AddData("k", &calls), options);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(client.updates, 0);
  EXPECT_EQ(client.stored.data_size(), 0);
}

}  // namespace
}  // namespace skiff::netctl
