// The API as a client sees it, over TLS gRPC against a running server:
// authentication, optimistic concurrency, watches (resume, compaction,
// selectors), validation errors, allocation, cascading deletion.
#include <arpa/inet.h>
#include <google/protobuf/util/message_differencer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

#include "api/client/config.h"
#include "api/client/remote_client.h"
#include "controlplane/server/api_test_fixture.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/core.pb.h"

namespace skiff::server {
namespace {

using testing::ApiServerTest;

api::ConfigMap MakeConfigMap(const std::string& name, const std::string& value,
                             std::map<std::string, std::string> labels = {}) {
  api::ConfigMap cm;
  cm.mutable_metadata()->set_name(name);
  cm.mutable_metadata()->set_namespace_("default");
  for (const auto& [k, v] : labels)
    (*cm.mutable_metadata()->mutable_labels())[k] = v;
  (*cm.mutable_data())["key"] = value;
  return cm;
}

api::Deployment MakeDeployment(const std::string& name, int replicas) {
  api::Deployment d;
  d.mutable_metadata()->set_name(name);
  d.mutable_metadata()->set_namespace_("default");
  d.mutable_spec()->set_replicas(replicas);
  (*d.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = name;
  auto* tmpl = d.mutable_spec()->mutable_template_();
  (*tmpl->mutable_metadata()->mutable_labels())["app"] = name;
  auto* c = tmpl->mutable_spec()->add_containers();
  c->set_name("web");
  c->set_image("busybox");
  return d;
}

std::vector<api::WatchEvent> ReadEvents(
    api::WatchStream& w, size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  std::vector<api::WatchEvent> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    api::WatchEvent ev;
    auto next = w.Read(&ev, std::chrono::milliseconds(100));
    if (next == api::WatchStream::Next::kEnd) break;
    if (next == api::WatchStream::Next::kEvent && ev.type() != "BOOKMARK") out.push_back(ev);
  }
  return out;
}

std::string NameOf(const api::WatchEvent& ev) {
  api::ConfigMap cm;
  cm.ParseFromString(ev.object());
  return cm.metadata().name();
}

TEST_F(ApiServerTest, RejectsMissingOrWrongToken) {
  auto cfg = api::LoadClientConfig(server_->admin_config_path());
  ASSERT_TRUE(cfg.ok());
  cfg->token = "";
  auto anonymous = api::NewRemoteClient(*cfg);
  auto r = anonymous->Version();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  cfg->token = "not-the-token";
  auto wrong = api::NewRemoteClient(*cfg);
  auto list = wrong->List([] {
    api::ListRequest l;
    l.set_kind("Pod");
    return l;
  }());
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(client_->Version().ok());
}

TEST_F(ApiServerTest, CreateSetsSystemFields) {
  api::ConfigMap cm = MakeConfigMap("", "v");
  cm.mutable_metadata()->set_generate_name("gen-");
  auto created = api::CreateObject(*client_, cm);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const auto& meta = created->metadata();
  EXPECT_EQ(meta.name().size(), 9u);
  EXPECT_EQ(meta.name().rfind("gen-", 0), 0u);
  EXPECT_EQ(meta.uid().size(), 36u);
  EXPECT_FALSE(meta.resource_version().empty());
  EXPECT_GT(meta.creation_timestamp().seconds(), 0);
  EXPECT_EQ(meta.generation(), 1);
  EXPECT_EQ(created->api_version(), "v1");
  EXPECT_EQ(created->kind(), "ConfigMap");

  auto again = api::CreateObject(*client_, *created);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(ApiServerTest, StaleUpdateConflicts) {
  auto v1 = api::CreateObject(*client_, MakeConfigMap("cm", "1"));
  ASSERT_TRUE(v1.ok());
  api::ConfigMap edit = *v1;
  (*edit.mutable_data())["key"] = "2";
  auto v2 = api::UpdateObject(*client_, edit);
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_NE(v2->metadata().resource_version(), v1->metadata().resource_version());

  // Writing with v1's resourceVersion again is stale.
  (*edit.mutable_data())["key"] = "3";
  auto stale = api::UpdateObject(*client_, edit);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted);
  EXPECT_NE(stale.status().message().find("the object has been modified"), std::string::npos);
  EXPECT_EQ((*api::GetObject<api::ConfigMap>(*client_, "default", "cm")).data().at("key"), "2");

  // Without a resourceVersion the update is unconditional.
  edit.mutable_metadata()->clear_resource_version();
  EXPECT_TRUE(api::UpdateObject(*client_, edit).ok());
}

TEST_F(ApiServerTest, GenerationFollowsSpecChanges) {
  auto d = api::CreateObject(*client_, MakeDeployment("gen", 1));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->metadata().generation(), 1);
  // The Deployment controller writes annotations and status meanwhile;
  // Mutate retries those conflicts.
  auto l = Mutate<api::Deployment>("default", "gen", [](api::Deployment& x) {
    (*x.mutable_metadata()->mutable_labels())["x"] = "y";
  });
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->metadata().generation(), 1);
  auto s = Mutate<api::Deployment>("default", "gen",
                                   [](api::Deployment& x) { x.mutable_spec()->set_replicas(3); });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->metadata().generation(), 2);
  // A status write keeps the spec and generation.
  auto st = Mutate<api::Deployment>(
      "default", "gen",
      [](api::Deployment& x) {
        x.mutable_status()->set_collision_count(7);
        x.mutable_spec()->set_replicas(99);
      },
      /*status=*/true);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->status().collision_count(), 7);
  EXPECT_EQ(st->spec().replicas(), 3);
  EXPECT_EQ(st->metadata().generation(), 2);
}

TEST_F(ApiServerTest, ValidationReportsEveryFieldErrorWithItsPath) {
  api::Deployment d = MakeDeployment("Bad_Name", -1);
  d.mutable_spec()->mutable_template_()->mutable_metadata()->mutable_labels()->clear();
  auto r = api::CreateObject(*client_, d);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find("metadata.name"), std::string::npos) << msg;
  EXPECT_NE(msg.find("spec.replicas"), std::string::npos) << msg;
  EXPECT_NE(msg.find("spec.template.metadata.labels"), std::string::npos) << msg;
  auto list = api::ListObjects<api::Deployment>(*client_, "default");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

TEST_F(ApiServerTest, UnknownNamespaceIsRejected) {
  api::ConfigMap cm = MakeConfigMap("x", "v");
  cm.mutable_metadata()->set_namespace_("nowhere");
  auto r = api::CreateObject(*client_, cm);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("namespaces \"nowhere\" not found"), std::string::npos);
}

TEST_F(ApiServerTest, ListFiltersBySelectorsAndPaginates) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(api::CreateObject(*client_, MakeConfigMap("cm" + std::to_string(i), "v",
                                                          {{"tier", i % 2 ? "odd" : "even"}}))
                    .ok());
  }
  auto even = api::ListObjects<api::ConfigMap>(*client_, "default", "tier=even");
  ASSERT_TRUE(even.ok());
  EXPECT_EQ(even->size(), 4u);
  auto set_based = api::ListObjects<api::ConfigMap>(*client_, "default", "tier in (odd,none)");
  ASSERT_TRUE(set_based.ok());
  EXPECT_EQ(set_based->size(), 3u);
  auto by_name = api::ListObjects<api::ConfigMap>(*client_, "", "", "metadata.name=cm3");
  ASSERT_TRUE(by_name.ok());
  ASSERT_EQ(by_name->size(), 1u);
  EXPECT_EQ((*by_name)[0].metadata().name(), "cm3");
  auto bad = api::ListObjects<api::ConfigMap>(*client_, "default", "tier in odd");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);

  std::set<std::string> seen;
  api::ListRequest page;
  page.set_kind("ConfigMap");
  page.set_namespace_("default");
  page.set_limit(3);
  int pages = 0;
  for (;;) {
    auto r = client_->List(page);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ++pages;
    for (const auto& item : r->items()) {
      api::ConfigMap cm;
      cm.ParseFromString(item);
      EXPECT_TRUE(seen.insert(cm.metadata().name()).second);
    }
    if (r->continue_().empty()) break;
    page.set_continue_(r->continue_());
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(pages, 3);
}

TEST_F(ApiServerTest, WatchResumesFromResourceVersion) {
  auto a = api::CreateObject(*client_, MakeConfigMap("a", "1"));
  ASSERT_TRUE(a.ok());
  auto b = api::CreateObject(*client_, MakeConfigMap("b", "1"));
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(api::DeleteObject<api::ConfigMap>(*client_, "default", "a").ok());

  // From a's version: b's creation and a's deletion, in order.
  api::WatchRequest req;
  req.set_kind("ConfigMap");
  req.set_namespace_("default");
  req.set_resource_version(a->metadata().resource_version());
  auto w = client_->Watch(req);
  ASSERT_TRUE(w.ok());
  auto events = ReadEvents(**w, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type(), "ADDED");
  EXPECT_EQ(NameOf(events[0]), "b");
  EXPECT_EQ(events[1].type(), "DELETED");
  EXPECT_EQ(NameOf(events[1]), "a");
  // Then live changes.
  api::ConfigMap edit = *b;
  (*edit.mutable_data())["key"] = "2";
  ASSERT_TRUE(api::UpdateObject(*client_, edit).ok());
  auto live = ReadEvents(**w, 1);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].type(), "MODIFIED");
}

TEST_F(ApiServerTest, WatchFromZeroStartsWithCurrentObjects) {
  ASSERT_TRUE(api::CreateObject(*client_, MakeConfigMap("x", "1")).ok());
  api::WatchRequest req;
  req.set_kind("ConfigMap");
  req.set_resource_version("0");
  auto w = client_->Watch(req);
  ASSERT_TRUE(w.ok());
  auto events = ReadEvents(**w, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), "ADDED");
  EXPECT_EQ(NameOf(events[0]), "x");
}

TEST_F(ApiServerTest, WatchWithSelectorSeesObjectsEnterAndLeave) {
  api::WatchRequest req;
  req.set_kind("ConfigMap");
  req.set_label_selector("app=web");
  auto list = client_->List([] {
    api::ListRequest l;
    l.set_kind("ConfigMap");
    return l;
  }());
  ASSERT_TRUE(list.ok());
  req.set_resource_version(list->resource_version());
  auto w = client_->Watch(req);
  ASSERT_TRUE(w.ok());
  auto cm = api::CreateObject(*client_, MakeConfigMap("m", "1", {{"app", "db"}}));
  ASSERT_TRUE(cm.ok());
  api::ConfigMap joined = *cm;
  (*joined.mutable_metadata()->mutable_labels())["app"] = "web";
  auto j = api::UpdateObject(*client_, joined);
  ASSERT_TRUE(j.ok());
  api::ConfigMap left = *j;
  (*left.mutable_metadata()->mutable_labels())["app"] = "other";
  ASSERT_TRUE(api::UpdateObject(*client_, left).ok());
  auto events = ReadEvents(**w, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type(), "ADDED");    // started matching
  EXPECT_EQ(events[1].type(), "DELETED");  // stopped matching
}

class CompactingApiServerTest : public ApiServerTest {
  void Customize(ServerOptions& opts) override {
    opts.compaction_interval = std::chrono::milliseconds(200);
  }
};

TEST_F(CompactingApiServerTest, WatchFromCompactedVersionIsOutOfRange) {
  auto first = api::CreateObject(*client_, MakeConfigMap("c", "1"));
  ASSERT_TRUE(first.ok());
  api::ConfigMap edit = *first;
  edit.mutable_metadata()->clear_resource_version();
  (*edit.mutable_data())["key"] = "2";
  ASSERT_TRUE(api::UpdateObject(*client_, edit).ok());
  // The server compacts every 200 ms to the revision it saw one period before;
  // wait until the first version is gone.
  api::WatchRequest req;
  req.set_kind("ConfigMap");
  req.set_resource_version(first->metadata().resource_version());
  ASSERT_TRUE(Eventually([&] {
    (*edit.mutable_data())["key"] = std::to_string(rand());
    (void)api::UpdateObject(*client_, edit);
    auto w = client_->Watch(req);
    if (!w.ok()) return false;
    api::WatchEvent ev;
    for (;;) {
      auto next = (*w)->Read(&ev, std::chrono::seconds(2));
      if (next != api::WatchStream::Next::kEvent) {
        return next == api::WatchStream::Next::kEnd &&
               (*w)->status().code() == StatusCode::kOutOfRange;
      }
    }
  }));
  // The informer's answer to OUT_OF_RANGE is a fresh list and a watch from it.
  auto list = client_->List([] {
    api::ListRequest l;
    l.set_kind("ConfigMap");
    return l;
  }());
  ASSERT_TRUE(list.ok());
  req.set_resource_version(list->resource_version());
  auto ok = client_->Watch(req);
  ASSERT_TRUE(ok.ok());
  api::WatchEvent ev;
  EXPECT_NE((*ok)->Read(&ev, std::chrono::milliseconds(300)), api::WatchStream::Next::kEnd);
}

TEST_F(ApiServerTest, ServicesGetClusterIpsAndNodePorts) {
  api::Service svc;
  svc.mutable_metadata()->set_name("web");
  svc.mutable_metadata()->set_namespace_("default");
  svc.mutable_spec()->set_type("NodePort");
  (*svc.mutable_spec()->mutable_selector())["app"] = "web";
  auto* port = svc.mutable_spec()->add_ports();
  port->set_port(80);
  auto created = api::CreateObject(*client_, svc);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const auto& spec = created->spec();
  ASSERT_FALSE(spec.cluster_ip().empty());
  EXPECT_EQ(spec.cluster_ip().rfind("10.", 0), 0u);
  ASSERT_EQ(spec.cluster_ips_size(), 1);
  EXPECT_EQ(spec.ip_families(0), "IPv4");
  EXPECT_GE(spec.ports(0).node_port(), 30000);
  EXPECT_LE(spec.ports(0).node_port(), 32767);
  EXPECT_EQ(spec.ports(0).protocol(), "TCP");

  // A second service asking for the same IP is refused.
  api::Service dup = svc;
  dup.mutable_metadata()->set_name("dup");
  dup.mutable_spec()->set_cluster_ip(spec.cluster_ip());
  dup.mutable_spec()->set_type("ClusterIP");
  auto r = api::CreateObject(*client_, dup);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("already allocated"), std::string::npos);

  // Deleting releases the address for reuse.
  ASSERT_TRUE(api::DeleteObject<api::Service>(*client_, "default", "web").ok());
  auto reused = api::CreateObject(*client_, dup);
  ASSERT_TRUE(reused.ok()) << reused.status().ToString();
  EXPECT_EQ(reused->spec().cluster_ip(), spec.cluster_ip());

  // Headless stays headless.
  api::Service headless = svc;
  headless.mutable_metadata()->set_name("headless");
  headless.mutable_spec()->set_type("ClusterIP");
  headless.mutable_spec()->set_cluster_ip("None");
  auto h = api::CreateObject(*client_, headless);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->spec().cluster_ip(), "None");
}

TEST_F(ApiServerTest, NodesGetPodCidrs) {
  std::set<std::string> cidrs;
  for (int i = 0; i < 3; ++i) {
    api::Node node;
    node.mutable_metadata()->set_name("n" + std::to_string(i));
    auto r = api::CreateObject(*client_, node);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(cidrs.insert(r->spec().pod_cidr()).second);
    EXPECT_EQ(r->spec().pod_cidr().rfind("10.244.", 0), 0u);
  }
}

TEST_F(ApiServerTest, BackgroundCascadeDeletesDependents) {
  auto owner = api::CreateObject(*client_, MakeConfigMap("owner", "v"));
  ASSERT_TRUE(owner.ok());
  for (int i = 0; i < 3; ++i) {
    api::ConfigMap dep = MakeConfigMap("dep" + std::to_string(i), "v");
    auto* ref = dep.mutable_metadata()->add_owner_references();
    ref->set_api_version("v1");
    ref->set_kind("ConfigMap");
    ref->set_name("owner");
    ref->set_uid(owner->metadata().uid());
    ASSERT_TRUE(api::CreateObject(*client_, dep).ok());
  }
  ASSERT_TRUE(api::DeleteObject<api::ConfigMap>(*client_, "default", "owner").ok());
  EXPECT_TRUE(Eventually([&] {
    auto l = api::ListObjects<api::ConfigMap>(*client_, "default");
    return l.ok() && l->empty();
  }));
}

TEST_F(ApiServerTest, ForegroundCascadeDeletesDependentsFirst) {
  auto owner = api::CreateObject(*client_, MakeConfigMap("owner", "v"));
  ASSERT_TRUE(owner.ok());
  api::ConfigMap dep = MakeConfigMap("dep", "v");
  auto* ref = dep.mutable_metadata()->add_owner_references();
  ref->set_api_version("v1");
  ref->set_kind("ConfigMap");
  ref->set_name("owner");
  ref->set_uid(owner->metadata().uid());
  ref->set_block_owner_deletion(true);
  dep.mutable_metadata()->add_finalizers("example.com/hold");
  ASSERT_TRUE(api::CreateObject(*client_, dep).ok());

  ASSERT_TRUE(api::DeleteObject<api::ConfigMap>(*client_, "default", "owner", "Foreground").ok());
  // The owner waits, terminating, while its dependent is held by a finalizer.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  auto waiting = api::GetObject<api::ConfigMap>(*client_, "default", "owner");
  ASSERT_TRUE(waiting.ok());
  EXPECT_TRUE(waiting->metadata().has_deletion_timestamp());
  auto held = api::GetObject<api::ConfigMap>(*client_, "default", "dep");
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(held->metadata().has_deletion_timestamp());
  // Releasing the dependent lets both go.
  api::ConfigMap release = *held;
  release.mutable_metadata()->clear_finalizers();
  ASSERT_TRUE(api::UpdateObject(*client_, release).ok());
  EXPECT_TRUE(Eventually([&] {
    return api::GetObject<api::ConfigMap>(*client_, "default", "owner").status().code() ==
           StatusCode::kNotFound;
  }));
}

TEST_F(ApiServerTest, OrphanDeletionKeepsDependents) {
  auto owner = api::CreateObject(*client_, MakeConfigMap("owner", "v"));
  ASSERT_TRUE(owner.ok());
  api::ConfigMap dep = MakeConfigMap("dep", "v");
  auto* ref = dep.mutable_metadata()->add_owner_references();
  ref->set_api_version("v1");
  ref->set_kind("ConfigMap");
  ref->set_name("owner");
  ref->set_uid(owner->metadata().uid());
  ASSERT_TRUE(api::CreateObject(*client_, dep).ok());
  ASSERT_TRUE(api::DeleteObject<api::ConfigMap>(*client_, "default", "owner", "Orphan").ok());
  EXPECT_TRUE(Eventually([&] {
    return api::GetObject<api::ConfigMap>(*client_, "default", "owner").status().code() ==
           StatusCode::kNotFound;
  }));
  auto kept = api::GetObject<api::ConfigMap>(*client_, "default", "dep");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->metadata().owner_references_size(), 0);
}

TEST_F(ApiServerTest, NamespaceDeletionEmptiesItFirst) {
  api::Namespace ns;
  ns.mutable_metadata()->set_name("team");
  ASSERT_TRUE(api::CreateObject(*client_, ns).ok());
  api::ConfigMap cm = MakeConfigMap("inside", "v");
  cm.mutable_metadata()->set_namespace_("team");
  ASSERT_TRUE(api::CreateObject(*client_, cm).ok());
  ASSERT_TRUE(api::DeleteObject<api::Namespace>(*client_, "", "team").ok());
  // Terminating: no new content.
  cm.mutable_metadata()->set_name("late");
  auto late = api::CreateObject(*client_, cm);
  EXPECT_FALSE(late.ok());
  EXPECT_TRUE(Eventually([&] {
    return api::GetObject<api::Namespace>(*client_, "", "team").status().code() ==
           StatusCode::kNotFound;
  }));
  auto left = api::ListObjects<api::ConfigMap>(*client_, "team");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
}

TEST_F(ApiServerTest, FinalizersHoldDeletionUntilRemoved) {
  api::ConfigMap cm = MakeConfigMap("held", "v");
  cm.mutable_metadata()->add_finalizers("example.com/x");
  ASSERT_TRUE(api::CreateObject(*client_, cm).ok());
  ASSERT_TRUE(api::DeleteObject<api::ConfigMap>(*client_, "default", "held").ok());
  auto still = api::GetObject<api::ConfigMap>(*client_, "default", "held");
  ASSERT_TRUE(still.ok());
  EXPECT_TRUE(still->metadata().has_deletion_timestamp());
  api::ConfigMap done = *still;
  done.mutable_metadata()->clear_finalizers();
  ASSERT_TRUE(api::UpdateObject(*client_, done).ok());
  EXPECT_EQ(api::GetObject<api::ConfigMap>(*client_, "default", "held").status().code(),
            StatusCode::kNotFound);
}

TEST_F(ApiServerTest, BoundPodsTerminateGracefully) {
  api::Pod pod;
  pod.mutable_metadata()->set_name("p");
  pod.mutable_metadata()->set_namespace_("default");
  pod.mutable_spec()->set_node_name("node-1");
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("c");
  c->set_image("busybox");
  auto created = api::CreateObject(*client_, pod);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->status().phase(), "Pending");
  ASSERT_TRUE(api::DeleteObject<api::Pod>(*client_, "default", "p").ok());
  auto terminating = api::GetObject<api::Pod>(*client_, "default", "p");
  ASSERT_TRUE(terminating.ok());
  EXPECT_TRUE(terminating->metadata().has_deletion_timestamp());
  EXPECT_EQ(terminating->metadata().deletion_grace_period_seconds(), 30);
  // The node agent finishes with grace 0.
  api::DeleteRequest now;
  now.set_kind("Pod");
  now.set_namespace_("default");
  now.set_name("p");
  now.set_grace_period_seconds(0);
  ASSERT_TRUE(client_->Delete(now).ok());
  EXPECT_EQ(api::GetObject<api::Pod>(*client_, "default", "p").status().code(),
            StatusCode::kNotFound);
}

TEST_F(ApiServerTest, PodsBindingSubresourceAssignsTheNodeOnce) {
  api::Pod pod;
  pod.mutable_metadata()->set_name("bind-me");
  pod.mutable_metadata()->set_namespace_("default");
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("c");
  c->set_image("busybox");
  auto created = api::CreateObject(*client_, pod);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  api::Pod binding;
  binding.mutable_metadata()->set_name("bind-me");
  binding.mutable_metadata()->set_namespace_("default");
  binding.mutable_metadata()->set_uid(created->metadata().uid());
  binding.mutable_spec()->set_node_name("node-7");
  api::UpdateRequest req;
  req.set_kind("Pod");
  req.set_subresource("binding");
  req.set_object(binding.SerializeAsString());
  auto r = client_->Update(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto got = api::GetObject<api::Pod>(*client_, "default", "bind-me");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->spec().node_name(), "node-7");
  binding.mutable_spec()->set_node_name("node-8");
  req.set_object(binding.SerializeAsString());
  EXPECT_EQ(client_->Update(req).status().code(), StatusCode::kAborted);
}

TEST_F(ApiServerTest, MetricsCountRequests) {
  ASSERT_TRUE(client_->Version().ok());
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(server_->metrics_port());
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
  std::string req = "GET /metrics HTTP/1.1\r\n\r\n";
  send(fd, req.data(), req.size(), 0);
  std::string body;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
    body.append(buf, n);
  close(fd);
  EXPECT_NE(body.find("skiff_apiserver_requests_total{verb=\"Version\""), std::string::npos);
  EXPECT_NE(body.find("skiff_apiserver_request_duration_seconds_bucket"), std::string::npos);
}

}  // namespace
}  // namespace skiff::server
