// kill -9 of skiff-server in the middle of a burst of creates: after a
// restart every acknowledged object is there, and no write is half-applied
// (every Service holds exactly one cluster-IP reservation, and no
// reservation is held by a Service that does not exist).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "api/client/remote_client.h"
#include "api/client/typed.h"
#include "common/net.h"
#include "controlplane/store/store.h"
#include "skiff/api/core.pb.h"

namespace skiff {
namespace {

pid_t StartServer(const std::string& dir, uint16_t port) {
  std::string bin = std::string(std::getenv("SKIFF_BIN_DIR")) + "/skiff-server";
  pid_t pid = fork();
  if (pid == 0) {
    std::string log = dir + "/server.log";
    FILE* f = freopen(log.c_str(), "a", stderr);
    (void)f;
    std::string listen = "127.0.0.1:" + std::to_string(port);
    execl(bin.c_str(), bin.c_str(), "--data-dir", dir.c_str(), "--listen", listen.c_str(),
          "--metrics-listen", "", "--log-level", "warn", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

std::unique_ptr<api::ApiClient> WaitForServer(const std::string& dir) {
  for (int i = 0; i < 200; ++i) {
    auto c = api::ConnectFromFile(dir + "/admin.conf");
    if (c.ok() && (*c)->Version().ok()) return std::move(*c);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return nullptr;
}

TEST(ServerCrash, AcknowledgedObjectsSurviveKill9AndNothingIsHalfWritten) {
  char tmpl[] = "/tmp/skiff-server-crash-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  uint16_t port = net::FreeLoopbackPort();
  pid_t pid = StartServer(dir, port);
  auto client = WaitForServer(dir);
  ASSERT_NE(client, nullptr) << "server did not start; see " << dir << "/server.log";

  std::mutex mu;
  std::set<std::string> acked_cms, acked_svcs;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        std::string name = "w" + std::to_string(t) + "-" + std::to_string(i);
        if (t % 2 == 0) {
          api::ConfigMap cm;
          cm.mutable_metadata()->set_name(name);
          cm.mutable_metadata()->set_namespace_("default");
          (*cm.mutable_data())["n"] = name;
          if (api::CreateObject(*client, cm).ok()) {
            std::lock_guard lock(mu);
            acked_cms.insert(name);
          }
        } else {
          api::Service svc;
          svc.mutable_metadata()->set_name(name);
          svc.mutable_metadata()->set_namespace_("default");
          svc.mutable_spec()->add_ports()->set_port(80);
          if (api::CreateObject(*client, svc).ok()) {
            std::lock_guard lock(mu);
            acked_svcs.insert(name);
          }
        }
      }
    });
  }
  // Kill in the middle of the burst.
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard lock(mu);
    if (acked_cms.size() + acked_svcs.size() >= 400) break;
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  stop = true;
  for (auto& w : writers)
    w.join();
  client.reset();
  ASSERT_GE(acked_cms.size() + acked_svcs.size(), 100u);

  pid = StartServer(dir, port);
  client = WaitForServer(dir);
  ASSERT_NE(client, nullptr);
  auto cms = api::ListObjects<api::ConfigMap>(*client, "default");
  auto svcs = api::ListObjects<api::Service>(*client, "default");
  ASSERT_TRUE(cms.ok() && svcs.ok());
  std::set<std::string> have_cms, have_svcs, ips;
  for (const auto& c : *cms)
    have_cms.insert(c.metadata().name());
  for (const auto& s : *svcs) {
    have_svcs.insert(s.metadata().name());
    EXPECT_TRUE(ips.insert(s.spec().cluster_ip()).second)
        << "duplicate IP " << s.spec().cluster_ip();
  }
  for (const auto& n : acked_cms)
    EXPECT_TRUE(have_cms.count(n)) << "lost ConfigMap " << n;
  for (const auto& n : acked_svcs)
    EXPECT_TRUE(have_svcs.count(n)) << "lost Service " << n;
  client.reset();
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);

  // Reservations match Services one to one.
  auto store = store::OpenStore("sqlite:" + dir);
  ASSERT_TRUE(store.ok());
  store::RangeRequest r;
  r.key = "/registry/ranges/serviceips/";
  r.range_end = store::PrefixEnd(r.key);
  auto reserved = (*store)->Range(r);
  ASSERT_TRUE(reserved.ok());
  std::set<std::string> reserved_ips;
  for (const auto& kv : reserved->kvs)
    reserved_ips.insert(kv.key.substr(r.key.size()));
  EXPECT_EQ(reserved_ips, ips);
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace skiff
