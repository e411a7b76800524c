// Test fixtures for store implementations: a backend that opens fresh or
// reopened stores (SQLite in a temp dir; a real etcd started on free loopback
// ports), and a watch event collector.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controlplane/store/store.h"

namespace skiff::store::testing {

class StoreBackend {
 public:
  virtual ~StoreBackend() = default;
  // Opens a store on the backend's data; the same data on every call, so a
  // second Open() after destroying the first sees what it wrote.
  virtual Result<std::unique_ptr<Store>> Open() = 0;
};

// A store in a fresh temporary directory, removed by the destructor.
std::unique_ptr<StoreBackend> NewSqliteBackend();
// A real etcd process (Debian's etcd-server) on free loopback ports with a
// private data dir; killed and removed by the destructor. Null with `why` set
// when etcd is not installed.
std::unique_ptr<StoreBackend> NewEtcdBackend(std::string* why);

// Collects watch deliveries; thread-safe.
class EventCollector {
 public:
  WatchHandler Handler();
  // Waits until at least n events arrived (or a terminal error); returns them.
  std::vector<Event> WaitFor(size_t n,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits for a terminal status.
  Status WaitError(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::vector<Event> events();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  Status error_;
  bool failed_ = false;
};

}  // namespace skiff::store::testing
