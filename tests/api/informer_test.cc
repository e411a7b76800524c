// The informer against a real server: initial list, live events, indexes,
// resume after the server restarts, and re-list after compaction.
#include "api/client/informer.h"

#include <atomic>
#include <mutex>
#include <set>

#include "controlplane/server/api_test_fixture.h"
#include "skiff/api/core.pb.h"

namespace skiff::api {
namespace {

using server::testing::ApiServerTest;

ConfigMap Cm(const std::string& name, const std::string& node) {
  ConfigMap cm;
  cm.mutable_metadata()->set_name(name);
  cm.mutable_metadata()->set_namespace_("default");
  (*cm.mutable_metadata()->mutable_labels())["node"] = node;
  return cm;
}

struct Recorder {
  std::mutex mu;
  std::vector<std::string> log;
  EventHandlers Handlers() {
    EventHandlers h;
    h.on_add = [this](const ObjectPtr& o) { Add("add " + GetObjectMeta(*o)->name()); };
    h.on_update = [this](const ObjectPtr&, const ObjectPtr& o) {
      Add("update " + GetObjectMeta(*o)->name());
    };
    h.on_delete = [this](const ObjectPtr& o) { Add("delete " + GetObjectMeta(*o)->name()); };
    return h;
  }
  void Add(std::string s) {
    std::lock_guard lock(mu);
    log.push_back(std::move(s));
  }
  bool Has(const std::string& s) {
    std::lock_guard lock(mu);
    return std::find(log.begin(), log.end(), s) != log.end();
  }
};

TEST_F(ApiServerTest, InformerListsWatchesAndIndexes) {
  ASSERT_TRUE(CreateObject(*client_, Cm("before", "n1")).ok());
  Informer<ConfigMap> informer(*client_);
  Recorder rec;
  informer.AddHandlers(rec.Handlers());
  informer.AddIndex("node", [](const google::protobuf::Message& m) {
    return std::vector<std::string>{GetObjectMeta(m)->labels().at("node")};
  });
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(5)));
  EXPECT_TRUE(rec.Has("add before"));
  ASSERT_NE(informer.Get("default", "before"), nullptr);

  auto after = CreateObject(*client_, Cm("after", "n2"));
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(Eventually([&] { return rec.Has("add after"); }));
  ConfigMap moved = *after;
  (*moved.mutable_metadata()->mutable_labels())["node"] = "n1";
  ASSERT_TRUE(UpdateObject(*client_, moved).ok());
  EXPECT_TRUE(Eventually([&] { return rec.Has("update after"); }));
  EXPECT_TRUE(Eventually([&] { return informer.Indexed("node", "n1").size() == 2; }));
  EXPECT_TRUE(informer.Indexed("node", "n2").empty());
  ASSERT_TRUE(DeleteObject<ConfigMap>(*client_, "default", "before").ok());
  EXPECT_TRUE(Eventually([&] { return rec.Has("delete before"); }));
  EXPECT_EQ(informer.Get("default", "before"), nullptr);
  EXPECT_EQ(informer.size(), 1u);
}

TEST_F(ApiServerTest, InformerResumesAcrossServerRestart) {
  Informer<ConfigMap> informer(*client_);
  Recorder rec;
  informer.AddHandlers(rec.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(5)));
  ASSERT_TRUE(CreateObject(*client_, Cm("one", "n1")).ok());
  ASSERT_TRUE(Eventually([&] { return rec.Has("add one"); }));

  // Restart the server on the same port and data: the informer's watch drops
  // and resumes from its last resourceVersion; changes made while it was away
  // (none here) and after are delivered.
  uint16_t port = server_->port();
  server_.reset();
  server::ServerOptions opts;
  opts.data_dir = dir_;
  opts.listen = "127.0.0.1:" + std::to_string(port);
  opts.metrics_listen = "";
  opts.compaction_interval = std::chrono::milliseconds(0);
  auto restarted = server::Server::Start(opts);
  ASSERT_TRUE(restarted.ok()) << restarted.status().ToString();
  server_ = std::move(*restarted);
  ASSERT_TRUE(Eventually([&] { return CreateObject(*client_, Cm("two", "n1")).ok(); }));
  EXPECT_TRUE(Eventually([&] { return rec.Has("add two"); }, std::chrono::seconds(15)));
  EXPECT_EQ(informer.size(), 2u);
}

class CompactingInformerTest : public ApiServerTest {
  void Customize(server::ServerOptions& opts) override {
    opts.compaction_interval = std::chrono::milliseconds(100);
  }
};

TEST_F(CompactingInformerTest, InformerRelistsAfterCompactionAndDeliversTheDifference) {
  ASSERT_TRUE(CreateObject(*client_, Cm("stays", "n1")).ok());
  ASSERT_TRUE(CreateObject(*client_, Cm("goes", "n1")).ok());
  Informer<ConfigMap> informer(*client_);
  Recorder rec;
  informer.AddHandlers(rec.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(5)));
  // Make the informer's resourceVersion stale by restarting the server with
  // changes made while it is away, then letting compaction pass them.
  uint16_t port = server_->port();
  server_.reset();
  {
    server::ServerOptions opts;
    opts.data_dir = dir_;
    opts.listen = "127.0.0.1:0";
    opts.metrics_listen = "";
    opts.compaction_interval = std::chrono::milliseconds(100);
    auto side = server::Server::Start(opts);
    ASSERT_TRUE(side.ok());
    auto side_client = api::ConnectFromFile((*side)->admin_config_path());
    ASSERT_TRUE(side_client.ok());
    ASSERT_TRUE(DeleteObject<ConfigMap>(**side_client, "default", "goes").ok());
    ASSERT_TRUE(CreateObject(**side_client, Cm("new", "n2")).ok());
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(CreateObject(**side_client, Cm("filler" + std::to_string(i), "x")).ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
  }
  server::ServerOptions opts;
  opts.data_dir = dir_;
  opts.listen = "127.0.0.1:" + std::to_string(port);
  opts.metrics_listen = "";
  opts.compaction_interval = std::chrono::milliseconds(100);
  auto restarted = server::Server::Start(opts);
  ASSERT_TRUE(restarted.ok()) << restarted.status().ToString();
  server_ = std::move(*restarted);
  EXPECT_TRUE(Eventually([&] { return rec.Has("delete goes") && rec.Has("add new"); },
                         std::chrono::seconds(20)));
  EXPECT_NE(informer.Get("default", "stays"), nullptr);
  EXPECT_EQ(informer.Get("default", "goes"), nullptr);
}

}  // namespace
}  // namespace skiff::api
