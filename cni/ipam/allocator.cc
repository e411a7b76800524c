#include "cni/ipam/allocator.h"

#include <algorithm>
#include <set>

namespace skiff::cni::ipam {
namespace {

// Upper bound on candidates examined per range set: IPv6 ranges are
// effectively infinite; a full scan of more than this many would be a
// configuration problem (and far slower than any runtime timeout).
constexpr uint64_t kMaxProbes = uint64_t{1} << 22;

std::string Describe(const RangeSet& rs) {
  std::string out;
  for (const Range& r : rs) {
    if (!out.empty()) out += ", ";
    out += r.start.ToString() + "-" + r.end.ToString();
  }
  return out;
}

uint64_t Capacity(const RangeSet& rs) {
  uint64_t total = 0;
  for (const Range& r : rs) {
    uint64_t n = CountInclusive(r.start, r.end);
    if (r.Contains(r.gateway)) --n;
    total = std::min<uint64_t>(total + n, uint64_t{1} << 62);
  }
  return total;
}

// Reserves a specific address.
Expected<Allocation> ReserveRequested(Store& store, const RangeSet& rs, size_t set_index,
                                      const IpAddr& ip, std::string_view id,
                                      std::string_view ifname) {
  for (const Range& r : rs) {
    if (!r.Contains(ip)) continue;
    if (ip == r.gateway) {
      return Error(kInvalidConfig,
                   "requested IP " + ip.ToString() + " is the gateway of " + r.subnet.ToString());
    }
    auto ok = store.Reserve(ip, id, ifname);
    if (!ok.ok()) return ok.error();
    if (!*ok) {
      auto owner = store.Get(ip);
      std::string who = owner.ok() && owner->has_value() ? (*owner)->container_id : "another";
      return Error(kInvalidConfig,
                   "requested IP " + ip.ToString() + " is already reserved by container " + who);
    }
    return Allocation{IpPrefix{ip, r.subnet.len}, r.gateway, set_index};
  }
  return Error(kInvalidConfig,
               "requested IP " + ip.ToString() + " is outside the ranges " + Describe(rs));
}

// Round-robin search starting after the last reserved address.
Expected<Allocation> ReserveNext(Store& store, const RangeSet& rs, size_t set_index,
                                 std::string_view id, std::string_view ifname) {
  size_t ri = 0;
  IpAddr cur = rs[0].start;
  bool start_at_cur = true;
  if (auto last = store.LastReserved(set_index)) {
    for (size_t i = 0; i < rs.size(); ++i) {
      if (rs[i].Contains(*last)) {
        ri = i;
        cur = *last;
        start_at_cur = false;
        break;
      }
    }
  }
  uint64_t budget = std::min(Capacity(rs) + rs.size() + 1, kMaxProbes);
  for (uint64_t probe = 0; probe < budget; ++probe) {
    if (!start_at_cur) {
      if (cur == rs[ri].end) {
        ri = (ri + 1) % rs.size();
        cur = rs[ri].start;
      } else {
        cur = AddOffset(cur, 1);
      }
    }
    start_at_cur = false;
    if (cur == rs[ri].gateway) continue;
    auto ok = store.Reserve(cur, id, ifname);
    if (!ok.ok()) return ok.error();
    if (*ok) {
      CNI_RETURN_IF_ERROR(store.SetLastReserved(set_index, cur));
      return Allocation{IpPrefix{cur, rs[ri].subnet.len}, rs[ri].gateway, set_index};
    }
  }
  return Error(kTryAgainLater,
               "no free IPv" + std::to_string(rs[0].start.family) + " address in range " +
                   Describe(rs) + " (" + std::to_string(Capacity(rs)) + " addresses, all reserved)",
               "addresses become free when pods are deleted; widen the range otherwise");
}

}  // namespace

Expected<std::vector<Allocation>> Allocate(Store& store, const Config& config,
                                           std::string_view container_id, std::string_view ifname) {
  std::vector<Allocation> out;
  auto undo = [&]() {
    for (const Allocation& a : out)
      (void)store.Release(a.address.addr);
  };
  for (size_t i = 0; i < config.range_sets.size(); ++i) {
    const RangeSet& rs = config.range_sets[i];
    const IpAddr* requested = nullptr;
    for (const IpAddr& ip : config.requested) {
      if (ip.family == rs.front().subnet.addr.family) requested = &ip;
    }
    auto a = requested ? ReserveRequested(store, rs, i, *requested, container_id, ifname)
                       : ReserveNext(store, rs, i, container_id, ifname);
    if (!a.ok()) {
      undo();
      return a.error();
    }
    out.push_back(*a);
  }
  return out;
}

Expected<bool> HasFreeAddresses(Store& store, const Config& config) {
  auto all = store.List();
  if (!all.ok()) return all.error();
  for (const RangeSet& rs : config.range_sets) {
    uint64_t used = 0;
    for (const Reservation& r : *all) {
      for (const Range& range : rs) {
        if (range.Contains(r.ip) && r.ip != range.gateway) {
          ++used;
          break;
        }
      }
    }
    if (used >= Capacity(rs)) return false;
  }
  return true;
}

}  // namespace skiff::cni::ipam
