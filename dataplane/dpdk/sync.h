// Feeds ServiceSource events through dataplane/core into an Engine, one
// Service at a time: record objects, plan, apply, commit (or abort and keep
// the previous entries), retry Services waiting for a released frontend.
// Engine-agnostic; the DPDK engine has no state that survives a restart, so
// there is nothing to adopt or sweep after the first listing (the eBPF
// proxy does that in dataplane/proxy/proxy.cc).
//
// Events are queued by OnEvent (any thread) and applied on the sync
// thread. Metrics: skiff_proxy_sync_duration_seconds,
// skiff_proxy_errors_total{reason} (the names the eBPF proxy uses).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "dataplane/core/core.h"
#include "dataplane/core/engine.h"
#include "dataplane/core/source.h"

namespace skiff::dataplane::dpdk {

class ServiceSync {
 public:
  // `core` and `engine` must outlive this; only the sync thread uses them
  // while it runs.
  ServiceSync(Core* core, Engine* engine);
  ~ServiceSync();  // stops the sync thread (pending events are dropped)

  void OnEvent(ServiceEvent ev);
  bool synced() const { return synced_; }
  size_t services() const { return services_; }

 private:
  void Loop();
  void SyncService(const std::string& key);

  Core* core_;
  Engine* engine_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ServiceEvent> queue_;
  bool stop_ = false;
  std::atomic<bool> synced_{false};
  std::atomic<size_t> services_{0};
  std::thread thread_;
};

}  // namespace skiff::dataplane::dpdk
