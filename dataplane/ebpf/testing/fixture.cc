#include "dataplane/ebpf/testing/fixture.h"

#include <bpf/bpf.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "dataplane/core/maglev.h"

namespace skiff::dataplane::testing {

Result<std::unique_ptr<LbFixture>> LbFixture::Create(uint32_t maglev_size, std::string node_name,
                                                     uint32_t capacity) {
  static std::atomic<int> seq{0};
  std::unique_ptr<LbFixture> f(new LbFixture());
  f->root_ =
      "/sys/fs/bpf/skiff-test-" + std::to_string(getpid()) + "-" + std::to_string(seq.fetch_add(1));
  ebpf::LoadOptions o;
  o.pin_root = f->root_;
  o.maglev_size = maglev_size;
  o.max_frontends = capacity + 64;
  o.max_services = capacity + 64;
  o.max_backends = capacity * 4 + 64;
  o.max_sets = capacity + 64;
  o.ct_entries = 1 << 16;
  auto lb = ebpf::Load(o);
  if (!lb.ok()) return lb.status();
  f->lb_ = std::move(lb).value();
  f->engine_ = std::make_unique<ebpf::EbpfEngine>(f->lb_->maps(), maglev_size, o.tables_per_pool);
  auto inst = f->engine_->ReadInstalled();
  if (!inst.ok()) return inst.status();
  f->core_ = std::make_unique<Core>(NodeInfo{std::move(node_name)},
                                    CoreLimits{o.max_services, o.max_sets, o.max_backends});
  return f;
}

LbFixture::~LbFixture() {
  lb_.reset();
  ebpf::Unpin(root_).ok();
}

Status LbFixture::Sync(const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    auto plan = core_->PlanService(k);
    Status s = engine_->Apply(plan.changes);
    if (!s.ok()) {
      core_->Abort(std::move(plan));
      return s;
    }
    core_->Commit(std::move(plan));
  }
  auto retries = core_->TakeRetries();
  if (!retries.empty()) return Sync(retries);
  return Status::Ok();
}

Status LbFixture::Upsert(const Service& s) {
  return Sync(core_->SetService(s));
}
Status LbFixture::Upsert(const EndpointSlice& s) {
  return Sync(core_->SetSlice(s));
}
Status LbFixture::RemoveService(const std::string& key) {
  return Sync(core_->RemoveService(key));
}

Status LbFixture::AddNodeIp(const std::string& ip) {
  auto a = IpAddr::Parse(ip);
  if (!a.ok()) return a.status();
  skiff_nodeip_key k;
  std::memset(&k, 0, sizeof(k));
  k.addr = ebpf::AddrToBpf(*a);
  k.family = a->is_v4() ? SKIFF_AF_INET : SKIFF_AF_INET6;
  __u32 v = 1;
  if (bpf_map_update_elem(lb_->maps().nodeip, &k, &v, BPF_ANY) != 0)
    return ebpf::MapError(SKIFF_MAP_NODE_IPS, "update", errno);
  return Status::Ok();
}

Status LbFixture::SetSnat(const std::string& v4, const std::string& v6) {
  auto a = IpAddr::Parse(v4);
  auto b = IpAddr::Parse(v6);
  if (!a.ok()) return a.status();
  if (!b.ok()) return b.status();
  return ebpf::SetSnatAddresses(lb_->maps(), &a.value(), &b.value());
}

Result<RunResult> LbFixture::Run(int prog_fd, const std::vector<uint8_t>& in, uint32_t repeat) {
  RunResult r;
  r.out.resize(in.size() + 256);
  DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data(), .data_out = r.out.data(),
                      .data_size_in = static_cast<__u32>(in.size()),
                      .data_size_out = static_cast<__u32>(r.out.size()),
                      .repeat = static_cast<int>(repeat));
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0)
    return Internal("BPF_PROG_TEST_RUN: " + std::string(std::strerror(errno)));
  r.retval = static_cast<int>(opts.retval);
  r.out.resize(opts.data_size_out);
  r.duration_ns = opts.duration;
  return r;
}

Result<RunResult> LbFixture::RunTc(const std::vector<uint8_t>& in, uint32_t repeat) {
  return Run(lb_->tc_prog_fd(), in, repeat);
}
Result<RunResult> LbFixture::RunTcEgress(const std::vector<uint8_t>& in, uint32_t repeat) {
  return Run(lb_->tc_egress_prog_fd(), in, repeat);
}
Result<RunResult> LbFixture::RunXdp(const std::vector<uint8_t>& in, uint32_t repeat) {
  return Run(lb_->xdp_prog_fd(), in, repeat);
}

Result<Backend> LbFixture::ExpectedBackend(const FrontendKey& fe, const FlowTuple& t) {
  const State& st = engine_->installed();
  auto f = st.frontends.find(fe);
  if (f == st.frontends.end()) return NotFound("frontend " + fe.ToString() + " not installed");
  auto set = st.sets.find(f->second.set_id);
  if (set == st.sets.end()) return NotFound("frontend " + fe.ToString() + " has no set");
  std::vector<MaglevBackend> mb;
  for (const auto& m : set->second.members) {
    const Backend& b = st.backends.at(m.backend_id);
    mb.push_back({m.backend_id, b.addr, b.port, b.proto, m.active() ? m.weight : uint16_t{0}});
  }
  auto table = BuildMaglevTable(mb, engine_->maglev_size());
  uint32_t id = table[MaglevSlot(t, engine_->maglev_size())];
  return st.backends.at(id);
}

}  // namespace skiff::dataplane::testing
