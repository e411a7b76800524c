#include "dataplane/dpdk/testing/harness.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <sched.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

#include "dataplane/core/maglev.h"
#include "dataplane/dpdk/eal.h"

namespace skiff::dataplane::dpdk::testing {

int Harness::instances_ = 0;

namespace {
rte_mempool* g_pool = nullptr;
Status g_eal_status = Status::Ok();
}  // namespace

Status InitEal() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::vector<std::string> args = {"skiff-dpdk-test",
                                     "--no-huge",
                                     "--no-shconf",
                                     "--no-pci",
                                     "-m",
                                     "256",
                                     "--log-level=*:error",
                                     "--no-telemetry",
                                     "--file-prefix=skiff-test-" + std::to_string(getpid()),
                                     "--lcores=" + MainLcoreMapping()};
    Status s = InitEalArgs(args);
    if (!s.ok()) {
      g_eal_status = s;
      return;
    }
    // The EAL runtime directory is not needed after start-up with
    // --no-shconf: remove it now so nothing is left behind on any exit.
    RemoveRuntimeDir();
    g_pool = rte_pktmbuf_pool_create("skiff_test_pool", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                     SOCKET_ID_ANY);
    if (!g_pool) g_eal_status = Unavailable(std::string("mbuf pool: ") + rte_strerror(rte_errno));
  });
  return g_eal_status;
}

rte_mempool* Pool() {
  return g_pool;
}

rte_mbuf* MakeMbuf(const std::vector<uint8_t>& frame, uint16_t port_id) {
  rte_mbuf* m = rte_pktmbuf_alloc(g_pool);
  if (!m) return nullptr;
  char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size()));
  if (!p) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memcpy(p, frame.data(), frame.size());
  m->port = port_id;
  return m;
}

std::vector<uint8_t> Bytes(const rte_mbuf* m) {
  std::vector<uint8_t> out(m->pkt_len);
  const void* p = rte_pktmbuf_read(m, 0, m->pkt_len, out.data());
  if (p != out.data()) std::memcpy(out.data(), p, m->pkt_len);
  return out;
}

Result<std::unique_ptr<Harness>> Harness::Create(Options o) {
  SKIFF_RETURN_IF_ERROR(InitEal());
  std::unique_ptr<Harness> h(new Harness());
  h->opt_ = o;
  int inst = instances_++;
  CoreLimits cl;
  cl.max_services = 65536;
  cl.set_quarantine_ms = 0;
  h->core_ = std::make_unique<Core>(NodeInfo{o.node_name}, cl);
  h->publisher_ = std::make_unique<Publisher>(nullptr);
  h->counters_ = std::make_unique<CounterSet>(1, cl.max_services, cl.max_backends);
  EngineLimits el;
  el.maglev_size = o.maglev_size;
  el.max_services = cl.max_services;
  el.max_backends = cl.max_backends;
  h->engine_ = std::make_unique<DpdkEngine>(h->publisher_.get(), h->counters_.get(), el);
  auto f4 = FlowTable::Create("hft4_" + std::to_string(inst), kFamily4, o.flows, SOCKET_ID_ANY);
  if (!f4.ok()) return f4.status();
  auto f6 = FlowTable::Create("hft6_" + std::to_string(inst), kFamily6, o.flows, SOCKET_ID_ANY);
  if (!f6.ok()) return f6.status();
  h->flows4_ = std::move(f4).value();
  h->flows6_ = std::move(f6).value();
  h->affinity_ = std::make_unique<AffinityTable>(1024);
  PipelineConfig pc;
  pc.mode = o.mode;
  pc.worker = o.worker;
  pc.workers = o.workers;
  pc.pass_mask = o.pass_mask;
  pc.icmp_rate = o.icmp_rate;
  h->pipeline_ = std::make_unique<Pipeline>(pc, h->flows4_.get(), h->flows6_.get(),
                                            h->affinity_.get(), &h->counters_->worker(0));
  for (size_t i = 0; i < o.ports.size(); ++i) {
    PortInfo pi;
    pi.port_id = static_cast<uint16_t>(i);
    const uint8_t mac[6] = {0x02, 0, 0, 0, 0, static_cast<uint8_t>(i + 1)};
    std::memcpy(pi.mac, mac, 6);
    pi.mtu = o.ports[i].mtu;
    pi.tx_ipv4_cksum = pi.tx_l4_cksum = o.ports[i].offload;
    std::string spec = "net_test" + std::to_string(i);
    for (const auto& a : o.ports[i].addrs)
      spec += ";addr=" + a;
    if (!o.ports[i].gw4.empty()) spec += ";gw=" + o.ports[i].gw4;
    if (!o.ports[i].gw6.empty()) spec += ";gw=" + o.ports[i].gw6;
    auto po = ParsePortSpec(spec, "harness port");
    if (!po.ok()) return po.status();
    pi.addresses = po->addresses;
    if (po->gateway4) pi.gateway4 = RawAddr::From(*po->gateway4);
    if (po->gateway6) pi.gateway6 = RawAddr::From(*po->gateway6);
    h->ports_.push_back(pi);
  }
  h->PublishNet();
  return h;
}

Harness::~Harness() = default;

void Harness::PublishNet() {
  engine_->SetNet(std::make_shared<NetTables>(ports_, neighbors_));
}

void Harness::SetNeighbor(uint16_t port, const std::string& ip, const uint8_t mac[6]) {
  IpAddr a = IpAddr::Parse(ip).value();
  NeighborKey k;
  k.port = port;
  k.family = a.is_v4() ? kFamily4 : kFamily6;
  k.addr = RawAddr::From(a);
  Mac m;
  std::memcpy(m.b, mac, 6);
  neighbors_[k] = m;
  PublishNet();
}

Status Harness::Sync(const std::vector<std::string>& keys) {
  std::vector<std::string> todo = keys;
  for (int round = 0; round < 8 && !todo.empty(); ++round) {
    for (const auto& k : todo) {
      auto plan = core_->PlanService(k);
      if (!plan.ok) {
        std::string msg = plan.issues.empty() ? "invalid" : plan.issues[0].message;
        core_->Commit(std::move(plan));
        return InvalidArgument(msg);
      }
      Status s = engine_->Apply(plan.changes);
      if (!s.ok()) {
        core_->Abort(std::move(plan));
        return s;
      }
      core_->Commit(std::move(plan));
    }
    todo = core_->TakeRetries();
  }
  return Status::Ok();
}

Status Harness::Upsert(const Service& s) {
  return Sync(core_->SetService(s));
}
Status Harness::Upsert(const EndpointSlice& s) {
  return Sync(core_->SetSlice(s));
}
Status Harness::Remove(const std::string& key) {
  return Sync(core_->RemoveService(key));
}

void Harness::ProcessRaw(rte_mbuf** pkts, uint16_t n, PipelineOutput* out) {
  pipeline_->Process(*publisher_->Current(), pkts, n, now_ms_, out);
}

std::vector<Outcome> Harness::RunBurst(const std::vector<std::vector<uint8_t>>& frames,
                                       uint16_t port) {
  std::vector<rte_mbuf*> in;
  for (const auto& f : frames)
    in.push_back(MakeMbuf(f, port));
  auto out = std::make_unique<PipelineOutput>();
  out->Clear();
  pipeline_->Process(*publisher_->Current(), in.data(), static_cast<uint16_t>(in.size()), now_ms_,
                     out.get());
  // Match outputs to inputs by mbuf identity (answers are built in place).
  std::vector<Outcome> res(frames.size());
  auto record = [&](rte_mbuf* m, Outcome::Where w, uint16_t p) {
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] != m) continue;
      res[i].where = w;
      res[i].port = p;
      res[i].frame = Bytes(m);
      res[i].ol_flags = m->ol_flags;
      res[i].l2_len = m->l2_len;
      res[i].l3_len = m->l3_len;
    }
    rte_pktmbuf_free(m);
  };
  for (uint16_t p = 0; p < kMaxPorts; ++p)
    for (uint16_t i = 0; i < out->n_tx[p]; ++i)
      record(out->tx[p][i], Outcome::Where::kTx, p);
  for (uint16_t i = 0; i < out->n_exception; ++i)
    record(out->exception[i], Outcome::Where::kException, 0);
  for (uint16_t i = 0; i < out->n_handoff; ++i)
    record(out->handoff[i], Outcome::Where::kHandoff, out->handoff_to[i]);
  for (uint16_t i = 0; i < out->n_learned; ++i) {
    const Learned& l = out->learned[i];
    neighbors_[l.key] = l.mac;
  }
  if (out->n_learned) PublishNet();
  return res;
}

Outcome Harness::Run(const std::vector<uint8_t>& frame, uint16_t port) {
  return RunBurst({frame}, port)[0];
}

Result<Backend> Harness::ExpectedBackend(const FrontendKey& fe, const FlowTuple& t) {
  const State& st = engine_->installed();
  auto f = st.frontends.find(fe);
  if (f == st.frontends.end()) return NotFound("frontend " + fe.ToString());
  auto set = st.sets.find(f->second.set_id);
  if (set == st.sets.end()) return NotFound("set");
  std::vector<MaglevBackend> mb;
  for (const auto& m : set->second.members) {
    const Backend& b = st.backends.at(m.backend_id);
    mb.push_back({m.backend_id, b.addr, b.port, b.proto, m.active() ? m.weight : uint16_t{0}});
  }
  auto table = BuildMaglevTable(mb, opt_.maglev_size);
  uint32_t id = table[MaglevSlot(t, opt_.maglev_size)];
  if (!id) return NotFound("empty slot");
  return st.backends.at(id);
}

}  // namespace skiff::dataplane::dpdk::testing
