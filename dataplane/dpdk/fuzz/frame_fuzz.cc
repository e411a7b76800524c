// libFuzzer target: arbitrary frames through the DPDK pipeline (parse,
// ARP/NDP/ICMP answers, flow lookup and creation, NAT and DSR rewriting,
// bad-input classes) on synthetic mbufs. The first byte picks the mode and
// the port the frame arrives on; the harness installs a dual-stack Service.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dataplane/dpdk/testing/harness.h"

namespace {

using skiff::dataplane::dpdk::ForwardingMode;
using skiff::dataplane::dpdk::testing::Harness;

std::unique_ptr<Harness> Make(ForwardingMode mode) {
  Harness::Options o;
  o.mode = mode;
  skiff::dataplane::dpdk::testing::HarnessPort p;
  p.addrs = {"10.0.0.1/24", "fd00::1/64"};
  p.mtu = 1280;
  o.ports = {p, p};
  o.pass_mask = 0x15;
  auto h = Harness::Create(o);
  if (!h.ok()) __builtin_trap();
  skiff::dataplane::Service s;
  s.ns = "default";
  s.name = "web";
  s.cluster_ips = {"10.96.0.10", "fd00:96::10"};
  s.ports = {{"http", skiff::dataplane::Protocol::kTCP, 80, 30080, {8080, ""}},
             {"dns", skiff::dataplane::Protocol::kUDP, 53, 0, {53, ""}}};
  s.type = skiff::dataplane::ServiceType::kNodePort;
  (*h)->Upsert(s).ok();
  for (auto fam : {skiff::dataplane::AddressType::kIPv4, skiff::dataplane::AddressType::kIPv6}) {
    skiff::dataplane::EndpointSlice sl;
    sl.ns = "default";
    sl.name = fam == skiff::dataplane::AddressType::kIPv4 ? "v4" : "v6";
    sl.service_name = "web";
    sl.address_type = fam;
    for (const char* a : fam == skiff::dataplane::AddressType::kIPv4
                             ? std::vector<const char*>{"10.0.0.11", "10.0.0.12"}
                             : std::vector<const char*>{"fd00::11", "fd00::12"}) {
      skiff::dataplane::Endpoint e;
      e.addresses = {a};
      sl.endpoints.push_back(e);
      const uint8_t mac[6] = {2, 0, 0, 0, 0, 9};
      (*h)->SetNeighbor(0, a, mac);
    }
    sl.ports = {{"http", skiff::dataplane::Protocol::kTCP, 8080},
                {"dns", skiff::dataplane::Protocol::kUDP, 53}};
    (*h)->Upsert(sl).ok();
  }
  return std::move(h).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<Harness> nat = Make(ForwardingMode::kNat);
  static std::unique_ptr<Harness> dsr = Make(ForwardingMode::kDsr);
  if (size < 1) return 0;
  Harness& h = (data[0] & 1) ? *dsr : *nat;
  std::vector<uint8_t> frame(data + 1, data + size);
  if (frame.size() > 2000) frame.resize(2000);
  h.Run(frame, (data[0] >> 1) & 1);
  h.Advance(data[0] >> 2);
  h.Housekeeping(64);
  return 0;
}
