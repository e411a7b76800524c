#include "bench/api/bench_cluster.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "api/client/config.h"
#include "api/client/remote_client.h"
#include "common/net.h"

namespace skiff::bench {
namespace {

pid_t Spawn(std::vector<std::string> argv, const std::vector<std::string>& extra,
            const std::string& log) {
  argv.insert(argv.end(), extra.begin(), extra.end());
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = freopen(log.c_str(), "w", stderr);
    (void)f;
    f = freopen("/dev/null", "w", stdout);
    (void)f;
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

void Kill(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

}  // namespace

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t idx = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  return v[idx];
}

double Median(std::vector<double> v) {
  return Percentile(std::move(v), 0.5);
}

Cluster::Cluster(const std::string& admin_conf) : admin_conf_(admin_conf) {
  auto c = api::ConnectFromFile(admin_conf_);
  if (c.ok() && (*c)->Version().ok()) client_ = std::move(*c);
}
Cluster::Cluster(const ClusterSpec& o) {
  const std::string& backend = o.backend;
  char tmpl[] = "/tmp/skiff-api-bench-XXXXXX";
  dir_ = mkdtemp(tmpl);
  std::string store = "sqlite:" + dir_ + "/db";
  if (backend == "etcd") {
    uint16_t cport = net::FreeLoopbackPort(), pport = net::FreeLoopbackPort();
    std::string c = "http://127.0.0.1:" + std::to_string(cport);
    std::string p = "http://127.0.0.1:" + std::to_string(pport);
    etcd_ = Spawn(
        {"taskset", "-c", "1", o.etcd_bin, "--name=bench", "--data-dir=" + dir_ + "/etcd",
         "--listen-client-urls=" + c, "--advertise-client-urls=" + c, "--listen-peer-urls=" + p,
         "--initial-advertise-peer-urls=" + p, "--initial-cluster=bench=" + p},
        {}, dir_ + "/etcd.log");
    store = "etcd://127.0.0.1:" + std::to_string(cport);
  }
  // The server waits for etcd itself (it retries its store at start).
  uint16_t port = net::FreeLoopbackPort();
  admin_conf_ = dir_ + "/admin.conf";
  server_ = Spawn({"taskset", "-c", "1", o.server_bin, "--data-dir", dir_, "--store", store,
                   "--listen", "127.0.0.1:" + std::to_string(port), "--metrics-listen", "",
                   "--compaction-interval", "0", "--log-level", "warn"},
                  o.extra_args, dir_ + "/server.log");
  for (int i = 0; i < 300 && !client_; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto c = api::ConnectFromFile(admin_conf_);
    if (c.ok() && (*c)->Version().ok()) client_ = std::move(*c);
  }
}
Cluster::~Cluster() {
  client_.reset();
  Kill(server_);
  Kill(etcd_);
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}
std::unique_ptr<api::ApiClient> Cluster::NewClient() {
  auto c = api::ConnectFromFile(admin_conf_);
  return c.ok() ? std::move(*c) : nullptr;
}

std::unique_ptr<api::ApiClient> Cluster::NewClientWithToken(const std::string& token) {
  auto config = api::LoadClientConfig(admin_conf_);
  if (!config.ok()) return nullptr;
  config->token = token;
  return api::NewRemoteClient(*config);
}

}  // namespace skiff::bench
