#include "dataplane/dpdk/runtime.h"

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <chrono>
#include <cstring>

#include "common/log.h"
#include "dataplane/dpdk/eal.h"
#include "dataplane/dpdk/replies.h"
#include "dataplane/dpdk/runtime_impl.h"

namespace skiff::dataplane::dpdk {
namespace {

constexpr uint16_t kBurst = 32;
static_assert(sizeof(Learned) % 4 == 0, "rte_ring elements are multiples of 4 bytes");

auto Logger() {
  return log::Get("dpdk");
}

uint64_t NowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// Transmits pkts on (port, queue); what the queue refuses after a few
// tries is freed and counted.
void Send(uint16_t port_id, uint16_t queue, rte_mbuf** pkts, uint16_t n, uint64_t* sent_counter,
          WorkerCounters& wc, Drop reason) {
  uint16_t sent = 0;
  for (int tries = 0; tries < 4 && sent < n; ++tries)
    sent += rte_eth_tx_burst(port_id, queue, pkts + sent, static_cast<uint16_t>(n - sent));
  if (sent) Bump(*sent_counter, sent);
  if (sent < n) {
    Bump(wc.drops[static_cast<int>(reason)], n - sent);
    rte_pktmbuf_free_bulk(pkts + sent, n - sent);
  }
}

void Flush(RuntimeWorker& w) {
  Runtime::Impl& rt = *w.rt;
  PipelineOutput& out = *w.out;
  WorkerCounters& wc = rt.counters->worker(w.index).worker();
  for (size_t p = 0; p < rt.infos.size(); ++p)
    if (out.n_tx[p])
      Send(rt.infos[p].port_id, w.index, out.tx[p], out.n_tx[p], &wc.tx_packets[p], wc,
           Drop::kTxFull);
  if (out.n_exception) {
    if (rt.exception_port >= 0) {
      Send(static_cast<uint16_t>(rt.exception_port), w.index, out.exception, out.n_exception,
           &wc.tx_packets[kMaxPorts], wc, Drop::kExceptionFull);
    } else {
      Bump(wc.drops[static_cast<int>(Drop::kExceptionFull)], out.n_exception);
      rte_pktmbuf_free_bulk(out.exception, out.n_exception);
    }
  }
  for (uint16_t i = 0; i < out.n_handoff; ++i) {
    uint16_t to = out.handoff_to[i];
    if (to >= rt.workers.size() ||
        rte_ring_mp_enqueue(rt.workers[to]->handoff, out.handoff[i]) != 0) {
      Bump(wc.drops[static_cast<int>(Drop::kHandoffFull)]);
      rte_pktmbuf_free(out.handoff[i]);
    }
  }
  if (out.n_learned)
    rte_ring_mp_enqueue_burst_elem(rt.learn, out.learned, sizeof(Learned), out.n_learned, nullptr);
}

int WorkerMain(void* arg) {
  RuntimeWorker& w = *static_cast<RuntimeWorker*>(arg);
  Runtime::Impl& rt = *w.rt;
  WorkerCounters& wc = rt.counters->worker(w.index).worker();
  rte_rcu_qsbr_thread_register(rt.qs, w.index);
  rte_rcu_qsbr_thread_online(rt.qs, w.index);
  w.running = true;
  const uint64_t tsc_per_ms = std::max<uint64_t>(1, rte_get_tsc_hz() / 1000);
  rte_mbuf* pkts[kBurst];
  uint32_t idle = 0, last_house = 0;
  const uint16_t first_port = rt.infos.empty() ? 0 : rt.infos[0].port_id;
  auto run = [&](const Snapshot& snap, uint16_t n, uint32_t now) {
    w.out->Clear();
    w.pipeline->Process(snap, pkts, n, now, w.out.get());
    Flush(w);
  };
  while (!rt.stop.load(std::memory_order_relaxed)) {
    const Snapshot* snap = rt.publisher->Current();
    const uint32_t now = static_cast<uint32_t>(rte_rdtsc() / tsc_per_ms);
    uint32_t got = 0;
    for (const PortInfo& p : rt.infos) {
      uint16_t n = rte_eth_rx_burst(p.port_id, w.index, pkts, kBurst);
      if (n) {
        got += n;
        run(*snap, n, now);
      }
    }
    uint16_t n = static_cast<uint16_t>(
        rte_ring_sc_dequeue_burst(w.handoff, reinterpret_cast<void**>(pkts), kBurst, nullptr));
    if (n) {
      got += n;
      Bump(wc.handoff_in, n);
      run(*snap, n, now);
    }
    if (w.index == 0) {
      n = static_cast<uint16_t>(
          rte_ring_sc_dequeue_burst(rt.ctrl_tx, reinterpret_cast<void**>(pkts), kBurst, nullptr));
      for (uint16_t i = 0; i < n; ++i) {
        int idx = snap->net->PortIndex(pkts[i]->port);
        if (idx < 0) {
          rte_pktmbuf_free(pkts[i]);
          continue;
        }
        Send(pkts[i]->port, 0, &pkts[i], 1, &wc.tx_packets[idx], wc, Drop::kTxFull);
      }
      if (rt.exception_port >= 0) {
        n = rte_eth_rx_burst(static_cast<uint16_t>(rt.exception_port), 0, pkts, kBurst);
        if (n) {
          got += n;
          Send(first_port, 0, pkts, n, &wc.tx_packets[0], wc, Drop::kTxFull);
        }
      }
    }
    if (now != last_house) {
      w.pipeline->Housekeeping(now, 256);
      last_house = now;
    }
    rte_rcu_qsbr_quiescent(rt.qs, w.index);
    Bump(wc.loops);
    if (got) {
      Bump(wc.busy_loops);
      idle = 0;
    } else if (++idle > 1000 && rt.idle_sleep_us) {
      rte_delay_us_sleep(rt.idle_sleep_us);
    }
  }
  rte_rcu_qsbr_thread_offline(rt.qs, w.index);
  rte_rcu_qsbr_thread_unregister(rt.qs, w.index);
  w.running = false;
  return 0;
}

void DrainRing(rte_ring* r) {
  void* objs[kBurst];
  unsigned n;
  while ((n = rte_ring_dequeue_burst(r, objs, kBurst, nullptr)) > 0)
    for (unsigned i = 0; i < n; ++i)
      rte_pktmbuf_free(static_cast<rte_mbuf*>(objs[i]));
}

}  // namespace

Runtime::Impl::~Impl() {
  stop = true;
  if (launched) {
    for (auto& w : workers)
      rte_eal_wait_lcore(w->lcore);
  }
  if (control.joinable()) control.join();
  neighbors.reset();
  for (auto& w : workers) {
    if (w->handoff) {
      DrainRing(w->handoff);
      rte_ring_free(w->handoff);
    }
  }
  if (ctrl_tx) {
    DrainRing(ctrl_tx);
    rte_ring_free(ctrl_tx);
  }
  if (learn) rte_ring_free(learn);
  for (const auto& p : ports)
    ClosePort(p.info.port_id);
  if (exception_port >= 0) ClosePort(static_cast<uint16_t>(exception_port));
  workers.clear();
  engine.reset();
  publisher.reset();
  if (qs) rte_free(qs);
  if (pool) rte_mempool_free(pool);
}

void Runtime::Impl::ControlLoop() {
  Learned buf[256];
  while (!stop.load()) {
    uint64_t now = NowMs();
    unsigned n;
    {
      std::lock_guard<std::mutex> l(neighbors_mu);
      while ((n = rte_ring_sc_dequeue_burst_elem(learn, buf, sizeof(Learned), 256, nullptr)) > 0)
        neighbors->Learn(buf, n, now);
      neighbors->Tick(now);
    }
    publisher->Reclaim();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Runtime::~Runtime() = default;

DpdkEngine& Runtime::engine() {
  return *impl_->engine;
}
const CounterSet& Runtime::counters() const {
  return *impl_->counters;
}
const std::vector<std::string>& Runtime::warnings() const {
  return impl_->warnings;
}
size_t Runtime::workers() const {
  return impl_->workers.size();
}

bool Runtime::WaitNeighbors(uint32_t timeout_ms) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    {
      std::lock_guard<std::mutex> l(impl_->neighbors_mu);
      if (impl_->neighbors->wanted_unresolved() == 0) return true;
    }
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string Runtime::HealthText() const {
  std::string s;
  for (const auto& p : impl_->ports) {
    rte_eth_link link;
    std::memset(&link, 0, sizeof(link));
    rte_eth_link_get_nowait(p.info.port_id, &link);
    s += "port " + p.name + ": link " + (link.link_status ? "up" : "down") + "\n";
  }
  for (const auto& w : impl_->workers)
    s += "lcore " + std::to_string(w->lcore) + ": " + (w->running ? "running" : "stopped") + "\n";
  return s;
}

Result<std::unique_ptr<Runtime>> Runtime::Start(const DpdkOptions& options, EngineLimits limits) {
  SKIFF_RETURN_IF_ERROR(Validate(options));
  auto impl = std::make_unique<Impl>();
  Impl& rt = *impl;
  rt.opt = options;
  rt.limits = limits;
  rt.limits.maglev_size = options.maglev_size;
  rt.idle_sleep_us = options.idle_sleep_us;
  auto logger = Logger();

  size_t want_workers = options.worker_cpus.empty() ? 1 : options.worker_cpus.size();
  if (!EalInitialized()) {
    auto plan = PlanEal(options, ReadHugepages(), AllowedCpus());
    if (!plan.ok()) return plan.status();
    for (const auto& w : plan->warnings) {
      logger->warn("msg=\"{}\"", w);
      rt.warnings.push_back(w);
    }
    SKIFF_RETURN_IF_ERROR(InitEalArgs(plan->args));
    RemoveRuntimeDir();
    logger->info("msg=\"EAL initialised\" hugepages={} workers={}", plan->no_huge ? "no" : "yes",
                 plan->worker_cpus.size());
  } else {
    // EAL is up already (tests): probe the vdevs this configuration names.
    auto probe = [&](const std::string& devargs) -> skiff::Status {
      uint16_t id;
      std::string name = devargs.substr(0, devargs.find(','));
      if (rte_eth_dev_get_port_by_name(name.c_str(), &id) == 0) return skiff::Status::Ok();
      if (rte_dev_probe(devargs.c_str()) != 0)
        return FailedPrecondition("--dpdk-port " + devargs + ": probing the device failed");
      return skiff::Status::Ok();
    };
    for (const auto& p : options.ports)
      SKIFF_RETURN_IF_ERROR(probe(p.devargs));
    if (!options.exception_port.empty()) SKIFF_RETURN_IF_ERROR(probe(options.exception_port));
  }
  std::vector<unsigned> lcores;
  unsigned lc;
  RTE_LCORE_FOREACH_WORKER(lc) {
    if (lcores.size() < want_workers && rte_eal_get_lcore_state(lc) == WAIT) lcores.push_back(lc);
  }
  if (lcores.size() < want_workers)
    return FailedPrecondition("--dpdk-lcores: " + std::to_string(want_workers) +
                              " worker lcores wanted, " + std::to_string(lcores.size()) +
                              " available");
  const uint16_t n = static_cast<uint16_t>(lcores.size());

  uint64_t need = uint64_t{options.ports.size()} * n * (options.rx_desc + options.tx_desc) +
                  uint64_t{n} * (4 * kBurst + 512) + 2048;
  if (!options.exception_port.empty()) need += uint64_t{options.rx_desc} + n * options.tx_desc;
  if (options.mbufs < need)
    return InvalidArgument("--dpdk-mbufs " + std::to_string(options.mbufs) + ": at least " +
                           std::to_string(need) + " needed for " +
                           std::to_string(options.ports.size()) + " ports x " + std::to_string(n) +
                           " lcores x (--dpdk-rx-desc + --dpdk-tx-desc)");
  rt.pool = rte_pktmbuf_pool_create("skiff_mbufs", options.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                    static_cast<int>(rte_socket_id()));
  if (!rt.pool)
    return Status(StatusCode::kResourceExhausted, std::string("mbuf pool of --dpdk-mbufs ") +
                                                      std::to_string(options.mbufs) + ": " +
                                                      rte_strerror(rte_errno) +
                                                      "; raise --dpdk-memory-mb or lower "
                                                      "--dpdk-mbufs");

  PortSetup setup{n, n, options.rx_desc, options.tx_desc, rt.pool, true};
  for (const auto& po : options.ports) {
    auto op = OpenPort(po.devargs, "--dpdk-port", setup);
    if (!op.ok()) return op.status();
    op->info.addresses = po.addresses;
    if (po.gateway4) op->info.gateway4 = RawAddr::From(*po.gateway4);
    if (po.gateway6) op->info.gateway6 = RawAddr::From(*po.gateway6);
    for (const auto& w : op->warnings) {
      logger->warn("msg=\"{}\"", w);
      rt.warnings.push_back(w);
    }
    logger->info(
        "msg=\"port started\" port={} driver={} id={} mtu={} rss={} tx_ip_csum={} tx_l4_csum={}",
        op->name, op->driver, op->info.port_id, op->info.mtu, op->rss, op->info.tx_ipv4_cksum,
        op->info.tx_l4_cksum);
    rt.ports.push_back(*op);
    rt.infos.push_back(op->info);
  }
  if (!options.exception_port.empty()) {
    PortSetup ex{1, n, options.rx_desc, options.tx_desc, rt.pool, false};
    auto op = OpenPort(options.exception_port, "--dpdk-exception-port", ex);
    if (!op.ok()) return op.status();
    rt.exception_port = op->info.port_id;
    // The kernel behind the TAP answers for its own addresses with the TAP's
    // MAC; frames for that MAC must reach this port and pass its filter.
    rte_ether_addr mac;
    std::memcpy(mac.addr_bytes, rt.infos[0].mac, 6);
    if (rte_eth_dev_default_mac_addr_set(op->info.port_id, &mac) != 0) {
      std::string w = "--dpdk-exception-port: could not give the TAP the MAC of " +
                      rt.ports[0].name + "; the kernel's answers will carry another MAC";
      logger->warn("msg=\"{}\"", w);
      rt.warnings.push_back(w);
    }
  }

  size_t qs_size = rte_rcu_qsbr_get_memsize(n);
  rt.qs = static_cast<rte_rcu_qsbr*>(rte_zmalloc("skiff_qsbr", qs_size, RTE_CACHE_LINE_SIZE));
  if (!rt.qs || rte_rcu_qsbr_init(rt.qs, n) != 0)
    return Status(StatusCode::kResourceExhausted, "RCU state: raise --dpdk-memory-mb");
  rt.publisher = std::make_unique<Publisher>(rt.qs);
  rt.counters = std::make_unique<CounterSet>(n, limits.max_services, limits.max_backends);
  rt.engine = std::make_unique<DpdkEngine>(rt.publisher.get(), rt.counters.get(), rt.limits);
  rt.engine->SetNet(std::make_shared<NetTables>(rt.infos, std::map<NeighborKey, Mac>{}));
  rt.affinity = std::make_unique<AffinityTable>(options.affinity_entries);

  int socket = static_cast<int>(rte_socket_id());
  rt.learn = rte_ring_create_elem("skiff_learn", sizeof(Learned), 4096, socket, RING_F_SC_DEQ);
  rt.ctrl_tx = rte_ring_create("skiff_ctrl_tx", 1024, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (!rt.learn || !rt.ctrl_tx)
    return Status(StatusCode::kResourceExhausted,
                  std::string("control rings: ") + rte_strerror(rte_errno));

  uint32_t pass_mask = 0;
  for (BadClass c : options.pass)
    pass_mask |= 1u << static_cast<int>(c);
  for (uint16_t i = 0; i < n; ++i) {
    auto w = std::make_unique<RuntimeWorker>();
    w->rt = &rt;
    w->index = i;
    w->lcore = lcores[i];
    int wsock = static_cast<int>(rte_lcore_to_socket_id(lcores[i]));
    auto f4 = FlowTable::Create("skiff_ft4_" + std::to_string(i), kFamily4, options.flows_per_lcore,
                                wsock);
    if (!f4.ok()) return f4.status();
    auto f6 = FlowTable::Create("skiff_ft6_" + std::to_string(i), kFamily6, options.flows_per_lcore,
                                wsock);
    if (!f6.ok()) return f6.status();
    w->flows4 = std::move(f4).value();
    w->flows6 = std::move(f6).value();
    w->handoff =
        rte_ring_create(("skiff_hand_" + std::to_string(i)).c_str(), 4096, wsock, RING_F_SC_DEQ);
    if (!w->handoff)
      return Status(StatusCode::kResourceExhausted,
                    std::string("handoff ring: ") + rte_strerror(rte_errno));
    PipelineConfig pc;
    pc.mode = options.mode;
    pc.worker = i;
    pc.workers = n;
    pc.snat_lo = options.snat_ports.first;
    pc.snat_hi = options.snat_ports.second;
    pc.timeouts.tcp_ms = options.tcp_timeout_s * 1000;
    pc.timeouts.closing_ms = options.tcp_closing_timeout_s * 1000;
    pc.timeouts.udp_ms = options.udp_timeout_s * 1000;
    pc.pass_mask = pass_mask;
    pc.icmp_rate = options.icmp_rate;
    w->pipeline = std::make_unique<Pipeline>(pc, w->flows4.get(), w->flows6.get(),
                                             rt.affinity.get(), &rt.counters->worker(i));
    w->out = std::make_unique<PipelineOutput>();
    rt.workers.push_back(std::move(w));
  }

  Impl* self = &rt;
  rt.neighbors = std::make_unique<NeighborManager>(
      rt.infos, [self] { return self->publisher->Latest().services; },
      [self](std::shared_ptr<const NetTables> net) { self->engine->SetNet(std::move(net)); },
      [self](uint16_t port, uint8_t family, const RawAddr& src, const RawAddr& target) {
        rte_mbuf* m = rte_pktmbuf_alloc(self->pool);
        if (!m) return false;
        if (!rte_pktmbuf_append(m, 128)) {
          rte_pktmbuf_free(m);
          return false;
        }
        const PortInfo& p = self->infos[port];
        if (family == kFamily4)
          BuildArpRequest(m, p.mac, src.b, target.b);
        else
          BuildNeighborSolicit(m, p.mac, src.b, target.b);
        m->port = p.port_id;
        if (rte_ring_sp_enqueue(self->ctrl_tx, m) != 0) {
          rte_pktmbuf_free(m);
          return false;
        }
        return true;
      });

  for (auto& w : rt.workers) {
    int rc = rte_eal_remote_launch(WorkerMain, w.get(), w->lcore);
    if (rc != 0) {
      rt.stop = true;
      rt.launched = true;
      return Internal("launching lcore " + std::to_string(w->lcore) + ": " + rte_strerror(-rc));
    }
  }
  rt.launched = true;
  rt.control = std::thread([self] { self->ControlLoop(); });
  logger->info("msg=\"DPDK engine running\" mode={} workers={} ports={}",
               ForwardingModeName(options.mode), n, rt.ports.size());
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

}  // namespace skiff::dataplane::dpdk
