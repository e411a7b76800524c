#include "dataplane/proxy/proxy.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "common/log.h"
#include "common/metrics.h"
#include "dataplane/ebpf/maps.h"
#include "ebpf/skiff_lb.skel.h"

namespace skiff::dataplane {
namespace {

auto Logger() {
  return log::Get("proxy");
}

metrics::Histogram& SyncLatency() {
  static auto& h = metrics::Registry::Default().GetHistogram(
      "skiff_proxy_sync_duration_seconds",
      "Time to plan and apply the change of one Service to the data plane.",
      metrics::LatencyBuckets());
  return h;
}

metrics::Counter& ErrorCounter(const std::string& reason) {
  return metrics::Registry::Default().GetCounter(
      "skiff_proxy_errors_total", "Rejected input and failed data-plane updates, by reason.",
      {{"reason", reason}});
}

uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + ts.tv_nsec;
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

Proxy::Proxy(ProxyOptions options) : opt_(std::move(options)) {}

Result<std::unique_ptr<Proxy>> Proxy::Start(ProxyOptions options,
                                            std::unique_ptr<ServiceSource> source) {
  std::unique_ptr<Proxy> p(new Proxy(std::move(options)));
  p->source_ = std::move(source);
  SKIFF_RETURN_IF_ERROR(p->Init());
  return p;
}

Status Proxy::Init() {
  auto logger = Logger();
  opt_.load.load_socket_programs = opt_.socket_lb;
  auto lb = ebpf::Load(opt_.load);
  if (!lb.ok()) return lb.status();
  lb_ = std::move(lb).value();
  engine_ = std::make_unique<ebpf::EbpfEngine>(lb_->maps(), opt_.load.maglev_size,
                                               opt_.load.tables_per_pool);
  CoreLimits limits{opt_.load.max_services, opt_.load.max_sets, opt_.load.max_backends};
  core_ = std::make_unique<Core>(NodeInfo{opt_.node_name}, limits);
  auto installed = engine_->ReadInstalled();
  if (!installed.ok()) return installed.status().WithContext("reading pinned state");
  core_->Adopt(*installed);
  logger->info("msg=\"loaded\" pin_root={} maglev_size={} pinned_frontends={} pinned_services={}",
               opt_.load.pin_root, opt_.load.maglev_size, installed->frontends.size(),
               installed->services.size());

  if (opt_.socket_lb) {
    std::string cg = opt_.cgroup;
    if (cg.empty()) {
      auto root = ebpf::CgroupV2Root();
      if (!root.ok()) return root.status();
      cg = *root;
    }
    SKIFF_RETURN_IF_ERROR(ebpf::AttachCgroup(lb_->skel(), cg, opt_.load.pin_root + "/links"));
    logger->info("msg=\"socket LB attached\" cgroup={}", cg);
  }
  ReconcileDevices();
  auto w = ebpf::DeviceWatcher::Start([this] {
    std::lock_guard<std::mutex> l(q_mu_);
    devices_dirty_ = true;
    q_cv_.notify_all();
  });
  if (!w.ok()) return w.status();
  watcher_ = std::move(w).value();

  metrics::Registry::Default().AddCollector([this](std::string& out) { CollectMetrics(out); });
  auto srv = http::Server::Start(opt_.listen,
                                 {{"/healthz", [this](const http::Request&) { return Healthz(); }},
                                  {"/metrics", http::MetricsHandler()}});
  if (!srv.ok()) return srv.status().WithContext("--listen " + opt_.listen);
  http_ = std::move(srv).value();

  worker_ = std::thread([this] { WorkLoop(); });
  gc_ = std::thread([this] { CtGcLoop(); });
  if (source_) {
    Status s = source_->Start([this](ServiceEvent ev) { OnEvent(std::move(ev)); });
    if (!s.ok()) logger->error("msg=\"service source failed to start\" error=\"{}\"", s.message());
  }
  return Status::Ok();
}

Proxy::~Proxy() {
  if (source_) source_->Stop();
  {
    std::lock_guard<std::mutex> l(q_mu_);
    stop_ = true;
  }
  q_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  if (gc_.joinable()) gc_.join();
  watcher_.reset();
  http_.reset();
}

void Proxy::OnEvent(ServiceEvent ev) {
  std::lock_guard<std::mutex> l(q_mu_);
  queue_.push_back(std::move(ev));
  q_cv_.notify_all();
}

void Proxy::WorkLoop() {
  std::unique_lock<std::mutex> l(q_mu_);
  while (true) {
    q_cv_.wait(l, [this] { return stop_ || !queue_.empty() || devices_dirty_; });
    if (stop_) return;
    std::deque<ServiceEvent> batch;
    batch.swap(queue_);
    bool devices = devices_dirty_;
    devices_dirty_ = false;
    l.unlock();
    if (devices) ReconcileDevices();
    {
      std::lock_guard<std::mutex> g(mu_);
      std::vector<std::string> dirty;
      bool synced_now = false;
      for (auto& ev : batch) {
        std::vector<std::string> keys;
        switch (ev.kind) {
          case ServiceEvent::Kind::kUpsertService:
            keys = core_->SetService(std::move(ev.service));
            break;
          case ServiceEvent::Kind::kDeleteService:
            keys = core_->RemoveService(ev.key);
            break;
          case ServiceEvent::Kind::kUpsertSlice:
            keys = core_->SetSlice(std::move(ev.slice));
            break;
          case ServiceEvent::Kind::kDeleteSlice:
            keys = core_->RemoveSlice(ev.key);
            break;
          case ServiceEvent::Kind::kSynced:
            synced_now = true;
            break;
        }
        dirty.insert(dirty.end(), keys.begin(), keys.end());
      }
      std::sort(dirty.begin(), dirty.end());
      dirty.erase(std::unique(dirty.begin(), dirty.end()), dirty.end());
      auto t0 = std::chrono::steady_clock::now();
      for (const auto& k : dirty)
        SyncService(k);
      for (int round = 0; round < 8; ++round) {
        auto retries = core_->TakeRetries();
        if (retries.empty()) break;
        for (const auto& k : retries)
          SyncService(k);
      }
      if (synced_now) {
        if (!synced_) FinishFirstSync();
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        metrics::Registry::Default()
            .GetGauge("skiff_proxy_full_sync_duration_seconds",
                      "Duration of the last complete listing's sync (all dirty Services).")
            .Set(secs);
        auto orphans = core_->OrphanSlices();
        metrics::Registry::Default()
            .GetGauge("skiff_proxy_orphan_endpointslices",
                      "EndpointSlices whose Service does not exist.")
            .Set(static_cast<double>(orphans.size()));
        for (const auto& o : orphans)
          Logger()->warn(
              "msg=\"EndpointSlice points at a missing Service; ignored until it "
              "exists\" slice={}",
              o);
        Logger()->info("msg=\"synced\" services={} frontends={} seconds={:.3f}",
                       core_->installed_services(), engine_->installed().frontends.size(), secs);
      }
    }
    l.lock();
  }
}

void Proxy::SyncService(const std::string& key) {
  auto t0 = std::chrono::steady_clock::now();
  auto plan = core_->PlanService(key);
  for (const auto& issue : plan.issues) {
    if (issue.severity == Issue::Severity::kError) {
      ErrorCounter(issue.reason).Inc();
      Logger()->error("msg=\"service rejected\" service={} reason={} error=\"{}\"", key,
                      issue.reason, issue.message);
    } else {
      Logger()->warn("msg=\"{}\" service={}", issue.message, key);
    }
  }
  if (!plan.ok) {
    core_->Commit(std::move(plan));  // no-op: last good entries stay
    return;
  }
  Status s = engine_->Apply(plan.changes);
  if (!s.ok()) {
    std::string reason = s.code() == StatusCode::kResourceExhausted ? "map_full" : "apply_failed";
    ErrorCounter(reason).Inc();
    Logger()->error(
        "msg=\"service not applied; its previous entries stay\" service={} "
        "reason={} error=\"{}\"",
        key, reason, s.message());
    core_->Abort(std::move(plan));
    return;
  }
  size_t ops = plan.changes.size();
  core_->Commit(std::move(plan));
  if (ops)
    SyncLatency().Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

void Proxy::FinishFirstSync() {
  // Entries pinned by a previous run that no Service claims any more.
  ChangeSet stale = Diff(engine_->installed(), core_->Snapshot());
  stale.add_backends.clear();
  stale.add_sets.clear();
  stale.upsert_services.clear();
  stale.upsert_frontends.clear();
  size_t n = stale.size();
  Status s = engine_->Apply(stale);
  if (!s.ok()) Logger()->error("msg=\"stale sweep failed\" error=\"{}\"", s.message());
  core_->ReleaseAdopted();
  synced_ = true;
  Logger()->info("msg=\"first sync complete; stale entries removed\" removed={}", n);
}

void Proxy::ReconcileDevices() {
  auto devs = ebpf::ListDevices();
  if (!devs.ok()) {
    Logger()->error("msg=\"listing devices failed\" error=\"{}\"", devs.status().message());
    return;
  }
  std::lock_guard<std::mutex> g(mu_);
  auto wanted = [&](const ebpf::Device& d, const std::vector<std::string>& names, bool dflt) {
    if (names.empty()) return dflt && !d.loopback && !d.addrs.empty();
    return std::find(names.begin(), names.end(), d.name) != names.end();
  };
  auto prog_id = [](int fd) -> uint32_t {
    bpf_prog_info info;
    std::memset(&info, 0, sizeof(info));
    __u32 len = sizeof(info);
    return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
  };
  const uint32_t tc_id = prog_id(lb_->tc_prog_fd());
  const uint32_t tc_egress_id = prog_id(lb_->tc_egress_prog_fd());
  std::set<int> tc_now, xdp_now;
  const ebpf::Device* snat_dev = nullptr;
  std::vector<skiff_nodeip_key> node_ips;
  for (const auto& d : *devs) {
    for (const auto& a : d.addrs) {
      skiff_nodeip_key k;
      std::memset(&k, 0, sizeof(k));
      k.addr = ebpf::AddrToBpf(a);
      k.family = a.is_v4() ? SKIFF_AF_INET : SKIFF_AF_INET6;
      node_ips.push_back(k);
    }
    bool xdp = wanted(d, opt_.xdp_devices, false);
    bool tc = xdp || wanted(d, opt_.devices, true);
    if (tc) {
      if (!snat_dev || d.ifindex < snat_dev->ifindex) snat_dev = &d;
      if (ebpf::TcProgramId(d.ifindex) != tc_id ||
          ebpf::TcProgramId(d.ifindex, ebpf::TcHook::kEgress) != tc_egress_id) {
        Status s = ebpf::AttachTc(d.ifindex, lb_->tc_prog_fd());
        if (s.ok()) s = ebpf::AttachTc(d.ifindex, lb_->tc_egress_prog_fd(), ebpf::TcHook::kEgress);
        if (!s.ok()) {
          Logger()->error("msg=\"TC attach failed\" device={} error=\"{}\"", d.name, s.message());
          continue;
        }
        Logger()->info("msg=\"TC program attached\" device={}", d.name);
      }
      tc_now.insert(d.ifindex);
    } else if (ebpf::TcProgramId(d.ifindex) != 0 ||
               ebpf::TcProgramId(d.ifindex, ebpf::TcHook::kEgress) != 0) {
      // Ours (fixed handle/priority): no longer selected.
      ebpf::DetachTc(d.ifindex).ok();
      ebpf::DetachTc(d.ifindex, ebpf::TcHook::kEgress).ok();
      Logger()->info("msg=\"TC program detached\" device={}", d.name);
    }
    if (xdp) {
      if (!xdp_attached_.count(d.ifindex)) {
        Status s = ebpf::AttachXdp(d.ifindex, lb_->xdp_prog_fd(), opt_.xdp_mode);
        if (!s.ok()) {
          Logger()->error("msg=\"XDP attach failed\" device={} error=\"{}\"", d.name, s.message());
          continue;
        }
        Logger()->info("msg=\"XDP program attached\" device={}", d.name);
      }
      xdp_now.insert(d.ifindex);
    }
  }
  tc_attached_ = tc_now;
  xdp_attached_ = xdp_now;

  // Node addresses: replace the map content with the current set.
  const auto& maps = lb_->maps();
  std::vector<skiff_nodeip_key> old;
  ebpf::ForEach(
      maps.nodeip, sizeof(skiff_nodeip_key), sizeof(__u32),
      [&](const void* k, const void*) { old.push_back(*static_cast<const skiff_nodeip_key*>(k)); })
      .ok();
  __u32 one = 1;
  for (const auto& k : node_ips)
    bpf_map_update_elem(maps.nodeip, &k, &one, BPF_ANY);
  for (const auto& k : old) {
    bool keep = std::any_of(node_ips.begin(), node_ips.end(), [&](const skiff_nodeip_key& n) {
      return std::memcmp(&n, &k, sizeof(k)) == 0;
    });
    if (!keep) bpf_map_delete_elem(maps.nodeip, &k);
  }
  // SNAT sources.
  std::optional<IpAddr> s4 = opt_.snat4, s6 = opt_.snat6;
  if (snat_dev) {
    for (const auto& a : snat_dev->addrs) {
      if (a.is_v4() && !s4) s4 = a;
      if (!a.is_v4() && !s6) s6 = a;
    }
  }
  ebpf::SetSnatAddresses(maps, s4 ? &*s4 : nullptr, s6 ? &*s6 : nullptr).ok();
}

void Proxy::CtGcLoop() {
  constexpr uint64_t kSec = 1000000000ull;
  const uint64_t tcp_timeout = 6 * 3600 * kSec, closing_timeout = 10 * kSec,
                 udp_timeout = 300 * kSec;
  std::unique_lock<std::mutex> l(q_mu_);
  while (!stop_) {
    q_cv_.wait_for(l, std::chrono::seconds(opt_.ct_gc_interval_s), [this] { return stop_; });
    if (stop_) return;
    l.unlock();
    const auto& maps = lb_->maps();
    uint64_t now = MonotonicNs();
    auto sweep = [&](int fd, size_t key_size, int idx) {
      std::vector<std::vector<uint8_t>> expired;
      uint64_t count = 0;
      ebpf::ForEach(fd, key_size, sizeof(skiff_ct_value), [&](const void* k, const void* v) {
        ++count;
        auto* ct = static_cast<const skiff_ct_value*>(v);
        // proto is the byte right before the 3 padding bytes at the key's end.
        uint8_t proto = static_cast<const uint8_t*>(k)[key_size - 4];
        uint64_t limit = proto == SKIFF_PROTO_UDP         ? udp_timeout
                         : (ct->flags & SKIFF_CT_CLOSING) ? closing_timeout
                                                          : tcp_timeout;
        if (now > ct->last_seen_ns && now - ct->last_seen_ns > limit) {
          auto* kb = static_cast<const uint8_t*>(k);
          expired.emplace_back(kb, kb + key_size);
        }
      }).ok();
      for (const auto& k : expired)
        bpf_map_delete_elem(fd, k.data());
      ct_entries_[idx] = count - expired.size();
    };
    sweep(maps.ct4, sizeof(skiff_ct4_key), 0);
    sweep(maps.ct6, sizeof(skiff_ct6_key), 1);
    l.lock();
  }
}

void Proxy::CollectMetrics(std::string& out) {
  std::lock_guard<std::mutex> g(mu_);
  const State& st = engine_->installed();
  out += "# HELP skiff_proxy_map_entries Entries in the LB maps.\n";
  out += "# TYPE skiff_proxy_map_entries gauge\n";
  size_t fe4 = 0, fe6 = 0;
  for (const auto& [k, _] : st.frontends)
    (k.addr.is_v4() ? fe4 : fe6)++;
  size_t members = 0;
  for (const auto& [_, s] : st.sets)
    members += s.members.size();
  auto line = [&](const char* map, uint64_t v) {
    out += "skiff_proxy_map_entries{map=\"" + std::string(map) + "\"} " + std::to_string(v) + "\n";
  };
  line(SKIFF_MAP_SVC4, fe4);
  line(SKIFF_MAP_SVC6, fe6);
  line(SKIFF_MAP_SVC_INFO, st.services.size());
  line(SKIFF_MAP_BACKENDS, st.backends.size());
  line(SKIFF_MAP_MAGLEV, st.sets.size());
  line(SKIFF_MAP_MEMBERS, members);
  line(SKIFF_MAP_CT4, ct_entries_[0]);
  line(SKIFF_MAP_CT6, ct_entries_[1]);

  const char* names[] = {"packets", "bytes", "new_flows", "rejects"};
  const char* helps[] = {"Packets balanced at TC/XDP (both directions).",
                         "Bytes balanced at TC/XDP (both directions).",
                         "New flows: TC/XDP conntrack misses and socket-LB connects/sends.",
                         "Packets or connects rejected because no backend was ready."};
  std::vector<std::pair<std::string, skiff_stats>> rows;
  for (const auto& [id, info] : st.services) {
    auto s = ebpf::ReadStats(lb_->maps().svc_stats, id);
    if (s.ok()) rows.emplace_back(info.DisplayName(), *s);
  }
  for (int i = 0; i < 4; ++i) {
    std::string metric = std::string("skiff_proxy_service_") + names[i] + "_total";
    out += "# HELP " + metric + " " + helps[i] + "\n# TYPE " + metric + " counter\n";
    for (const auto& [name, s] : rows) {
      uint64_t v = i == 0 ? s.packets : i == 1 ? s.bytes : i == 2 ? s.new_flows : s.rejects;
      out += metric + "{service=\"" + Escape(name) + "\"} " + std::to_string(v) + "\n";
    }
  }
  out += "# HELP skiff_proxy_backend_new_flows_total New flows sent to a backend.\n";
  out += "# TYPE skiff_proxy_backend_new_flows_total counter\n";
  for (const auto& [id, b] : st.backends) {
    auto s = ebpf::ReadStats(lb_->maps().be_stats, id);
    if (s.ok())
      out += "skiff_proxy_backend_new_flows_total{backend=\"" + Escape(b.ToString()) + "\"} " +
             std::to_string(s->new_flows) + "\n";
  }
}

http::Response Proxy::Healthz() {
  http::Response r;
  bool source_ok = !source_ || source_->Healthy();
  r.body = std::string("dataplane: ok\nsynced: ") + (synced_ ? "yes" : "no") +
           "\nsource: " + (source_ok ? "ok" : "unavailable (serving the last state)") + "\n";
  r.status = 200;  // the data plane serves from the last state either way
  return r;
}

Status Proxy::Cleanup(const std::string& pin_root) {
  ebpf::RouteLibbpfLogs();
  auto devs = ebpf::ListDevices();
  if (devs.ok()) {
    for (const auto& d : *devs) {
      if (ebpf::TcProgramId(d.ifindex)) ebpf::DetachTc(d.ifindex).ok();
      if (ebpf::TcProgramId(d.ifindex, ebpf::TcHook::kEgress))
        ebpf::DetachTc(d.ifindex, ebpf::TcHook::kEgress).ok();
      __u32 prog_id = 0;
      if (bpf_xdp_query_id(d.ifindex, 0, &prog_id) == 0 && prog_id) {
        int fd = bpf_prog_get_fd_by_id(prog_id);
        bpf_prog_info info;
        std::memset(&info, 0, sizeof(info));
        __u32 len = sizeof(info);
        if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
            std::strncmp(info.name, "skiff_xdp", sizeof(info.name)) == 0)
          ebpf::DetachXdp(d.ifindex).ok();
        if (fd >= 0) close(fd);
      }
    }
  }
  ebpf::DetachCgroup(pin_root + "/links").ok();
  return ebpf::Unpin(pin_root);
}

}  // namespace skiff::dataplane
