// skiff-proxy's runtime: loads the LB programs (reusing pinned state),
// attaches them (cgroup socket LB, TC on node devices, XDP on chosen
// uplinks, following devices that come and go), feeds ServiceSource events
// through dataplane/core into the eBPF engine one Service at a time, sweeps
// stale entries after the first complete listing, garbage-collects
// conntrack, and serves /healthz and /metrics.
//
// Stopping the Proxy (or killing the process) leaves the data plane in
// place: established and new connections keep being balanced from the last
// state. Cleanup() removes everything.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/http_server.h"
#include "common/status.h"
#include "dataplane/core/core.h"
#include "dataplane/core/source.h"
#include "dataplane/ebpf/attach.h"
#include "dataplane/ebpf/devices.h"
#include "dataplane/ebpf/engine.h"
#include "dataplane/ebpf/loader.h"

namespace skiff::dataplane {

struct ProxyOptions {
  ebpf::LoadOptions load;
  std::string node_name;
  std::vector<std::string> devices;      // TC devices; empty = every device with an address
  std::vector<std::string> xdp_devices;  // XDP uplinks (TC is attached there too)
  ebpf::XdpMode xdp_mode = ebpf::XdpMode::kNative;
  bool socket_lb = true;
  std::string cgroup;  // cgroup v2 directory; empty = the hierarchy's root
  std::string listen = "127.0.0.1:10249";
  std::optional<IpAddr> snat4, snat6;  // default: first address of the first device
  int ct_gc_interval_s = 30;
};

class Proxy {
 public:
  static Result<std::unique_ptr<Proxy>> Start(ProxyOptions options,
                                              std::unique_ptr<ServiceSource> source);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  ServiceSource* source() { return source_.get(); }
  uint16_t http_port() const { return http_ ? http_->port() : 0; }
  bool synced() const { return synced_; }

  // Detaches every Skiff program in this netns and cgroup links under the
  // pin root, then removes the pins.
  static Status Cleanup(const std::string& pin_root);

 private:
  explicit Proxy(ProxyOptions options);
  Status Init();
  void OnEvent(ServiceEvent ev);
  void WorkLoop();
  void SyncService(const std::string& key);
  void FinishFirstSync();
  void ReconcileDevices();
  void CtGcLoop();
  void CollectMetrics(std::string& out);
  http::Response Healthz();

  ProxyOptions opt_;
  std::unique_ptr<ebpf::LoadedLb> lb_;
  std::unique_ptr<ebpf::EbpfEngine> engine_;
  std::unique_ptr<Core> core_;
  std::unique_ptr<ServiceSource> source_;
  std::unique_ptr<ebpf::DeviceWatcher> watcher_;
  std::unique_ptr<http::Server> http_;

  std::mutex mu_;  // guards core_, engine_, devices; held while syncing
  std::set<int> tc_attached_;
  std::set<int> xdp_attached_;

  std::mutex q_mu_;
  std::condition_variable q_cv_;
  std::deque<ServiceEvent> queue_;
  bool devices_dirty_ = false;
  bool stop_ = false;
  std::thread worker_;
  std::thread gc_;
  std::atomic<bool> synced_{false};
  std::atomic<uint64_t> ct_entries_[2] = {0, 0};
};

}  // namespace skiff::dataplane
