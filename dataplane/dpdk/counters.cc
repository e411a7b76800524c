#include "dataplane/dpdk/counters.h"

namespace skiff::dataplane::dpdk {

std::string_view DropName(Drop d) {
  static constexpr std::string_view kNames[kDropCount] = {
      "bad_packet",     "other_host",  "no_route",          "flow_table_full", "snat_exhausted",
      "too_big",        "rejected",    "icmp_rate_limited", "tx_full",         "handoff_full",
      "exception_full", "hw_checksum", "arp_ignored"};
  int i = static_cast<int>(d);
  return i >= 0 && i < kDropCount ? kNames[i] : "unknown";
}

CounterBlock::CounterBlock(uint32_t max_services, uint32_t max_backends)
    : max_services_(max_services),
      max_backends_(max_backends),
      worker_(std::make_unique<WorkerCounters>()),
      services_(std::make_unique<IdCounters[]>(max_services)),
      backends_(std::make_unique<IdCounters[]>(max_backends)) {}

CounterSet::CounterSet(size_t workers, uint32_t max_services, uint32_t max_backends)
    : max_services_(max_services), max_backends_(max_backends) {
  for (size_t i = 0; i < workers; ++i)
    blocks_.push_back(std::make_unique<CounterBlock>(max_services, max_backends));
}

IdCounters CounterSet::Sum(bool service, uint32_t id) const {
  IdCounters t;
  for (const auto& b : blocks_) {
    const IdCounters* c = service ? b->service(id) : b->backend(id);
    if (!c) continue;
    t.packets += Read(c->packets);
    t.bytes += Read(c->bytes);
    t.new_flows += Read(c->new_flows);
    t.rejects += Read(c->rejects);
  }
  return t;
}

namespace {
IdCounters Minus(IdCounters a, const IdCounters& b) {
  a.packets -= b.packets;
  a.bytes -= b.bytes;
  a.new_flows -= b.new_flows;
  a.rejects -= b.rejects;
  return a;
}
}  // namespace

IdCounters CounterSet::Service(uint32_t id) const {
  IdCounters t = Sum(true, id);
  std::lock_guard<std::mutex> l(mu_);
  auto it = svc_base_.find(id);
  return it == svc_base_.end() ? t : Minus(t, it->second);
}

IdCounters CounterSet::Backend(uint32_t id) const {
  IdCounters t = Sum(false, id);
  std::lock_guard<std::mutex> l(mu_);
  auto it = be_base_.find(id);
  return it == be_base_.end() ? t : Minus(t, it->second);
}

void CounterSet::ResetService(uint32_t id) {
  IdCounters t = Sum(true, id);
  std::lock_guard<std::mutex> l(mu_);
  svc_base_[id] = t;
}

void CounterSet::ResetBackend(uint32_t id) {
  IdCounters t = Sum(false, id);
  std::lock_guard<std::mutex> l(mu_);
  be_base_[id] = t;
}

}  // namespace skiff::dataplane::dpdk
