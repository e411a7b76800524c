#include "controlplane/store/store_test_fixture.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "common/net.h"
#include "controlplane/store/sqlite_store.h"

namespace skiff::store::testing {
namespace {

std::filesystem::path MakeTempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  char* dir = mkdtemp(tmpl.data());
  return dir ? std::filesystem::path(dir) : std::filesystem::path();
}

class SqliteBackend : public StoreBackend {
 public:
  SqliteBackend() : dir_(MakeTempDir("skiff-store-test-")) {}
  ~SqliteBackend() override { std::filesystem::remove_all(dir_); }
  Result<std::unique_ptr<Store>> Open() override {
    SqliteStoreOptions options;
    options.path = (dir_ / "skiff.db").string();
    return OpenSqliteStore(options);
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace

std::unique_ptr<StoreBackend> NewSqliteBackend() {
  return std::make_unique<SqliteBackend>();
}

WatchHandler EventCollector::Handler() {
  return [this](WatchResponse resp) {
    std::lock_guard lock(mu_);
    if (!resp.status.ok()) {
      failed_ = true;
      error_ = resp.status;
    }
    for (auto& e : resp.events)
      events_.push_back(std::move(e));
    cv_.notify_all();
  };
}

std::vector<Event> EventCollector::WaitFor(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return events_.size() >= n || failed_; });
  return events_;
}

Status EventCollector::WaitError(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return failed_; });
  return error_;
}

std::vector<Event> EventCollector::events() {
  std::lock_guard lock(mu_);
  return events_;
}

}  // namespace skiff::store::testing

namespace skiff::store::testing {
namespace {

class EtcdBackend : public StoreBackend {
 public:
  EtcdBackend(pid_t pid, std::filesystem::path dir, std::string endpoint)
      : pid_(pid), dir_(std::move(dir)), endpoint_(std::move(endpoint)) {}
  ~EtcdBackend() override {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    std::filesystem::remove_all(dir_);
  }
  Result<std::unique_ptr<Store>> Open() override { return OpenStore("etcd://" + endpoint_); }

 private:
  pid_t pid_;
  std::filesystem::path dir_;
  std::string endpoint_;
};

}  // namespace

std::unique_ptr<StoreBackend> NewEtcdBackend(std::string* why) {
  const char* etcd = "/usr/bin/etcd";
  if (access(etcd, X_OK) != 0) {
    *why = "etcd is not installed (Debian package etcd-server)";
    return nullptr;
  }
  auto dir = MakeTempDir("skiff-etcd-test-");
  uint16_t client_port = net::FreeLoopbackPort();
  uint16_t peer_port = net::FreeLoopbackPort();
  std::string client = "http://127.0.0.1:" + std::to_string(client_port);
  std::string peer = "http://127.0.0.1:" + std::to_string(peer_port);
  pid_t pid = fork();
  if (pid == 0) {
    std::string log = (dir / "etcd.log").string();
    FILE* f = freopen(log.c_str(), "w", stderr);
    (void)f;
    std::string data = "--data-dir=" + (dir / "data").string();
    std::string lc = "--listen-client-urls=" + client, ac = "--advertise-client-urls=" + client;
    std::string lp = "--listen-peer-urls=" + peer, ap = "--initial-advertise-peer-urls=" + peer;
    std::string ic = "--initial-cluster=default=" + peer;
    execl(etcd, etcd, "--name=default", data.c_str(), lc.c_str(), ac.c_str(), lp.c_str(),
          ap.c_str(), ic.c_str(), "--unsafe-no-fsync", static_cast<char*>(nullptr));
    _exit(127);
  }
  auto backend =
      std::make_unique<EtcdBackend>(pid, dir, "127.0.0.1:" + std::to_string(client_port));
  // Ready when a store can read through it.
  for (int i = 0; i < 200; ++i) {
    auto s = backend->Open();
    if (s.ok() && (*s)->CurrentRevision().ok()) return backend;
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      *why = "etcd exited at start; see its log";
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *why = "etcd did not become ready within 10 s";
  return nullptr;
}

}  // namespace skiff::store::testing
