#include "cni/ipam/config.h"

#include "cni/spec/fields.h"

namespace skiff::cni::ipam {
namespace {

std::string Idx(const std::string& base, size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

Expected<Range> ParseRange(const json::Value& v, const std::string& path) {
  Fields f(v, path, kInvalidConfig);
  CNI_RETURN_IF_ERROR(f.RequireObject());
  IpPrefix subnet;
  CNI_RETURN_IF_ERROR(f.Prefix("subnet", &subnet, /*required=*/true));
  std::optional<IpAddr> start, end, gateway;
  IpAddr ip;
  if (f.Get("rangeStart")) {
    CNI_RETURN_IF_ERROR(f.Ip("rangeStart", &ip));
    start = ip;
  }
  if (f.Get("rangeEnd")) {
    CNI_RETURN_IF_ERROR(f.Ip("rangeEnd", &ip));
    end = ip;
  }
  if (f.Get("gateway")) {
    CNI_RETURN_IF_ERROR(f.Ip("gateway", &ip));
    gateway = ip;
  }
  return CanonicalRange(subnet, start, end, gateway, path);
}

// Reads [[range, ...], ...] at `path`.
Expected<std::vector<RangeSet>> ParseRangeSets(const json::Value& v, const std::string& path) {
  if (!v.is_array()) {
    return Error(kInvalidConfig, path + " must be an array of range sets, got " +
                                     std::string(json::TypeName(v.type())));
  }
  std::vector<RangeSet> sets;
  for (size_t i = 0; i < v.as_array().size(); ++i) {
    const json::Value& set = v.as_array()[i];
    std::string set_path = Idx(path, i);
    if (!set.is_array() || set.as_array().empty()) {
      return Error(kInvalidConfig, set_path + " must be a non-empty array of ranges");
    }
    RangeSet rs;
    for (size_t j = 0; j < set.as_array().size(); ++j) {
      auto r = ParseRange(set.as_array()[j], Idx(set_path, j));
      if (!r.ok()) return r.error();
      if (!rs.empty() && rs.front().subnet.addr.family != r->subnet.addr.family) {
        return Error(kInvalidConfig, Idx(set_path, j) + ".subnet: " + r->subnet.ToString() +
                                         " mixes address families within one range set");
      }
      rs.push_back(*r);
    }
    sets.push_back(std::move(rs));
  }
  return sets;
}

// Every range must be disjoint from every other (in any set).
Error CheckOverlaps(const std::vector<RangeSet>& sets, const std::string& path) {
  for (size_t a = 0; a < sets.size(); ++a) {
    for (size_t b = 0; b < sets[a].size(); ++b) {
      for (size_t c = a; c < sets.size(); ++c) {
        for (size_t d = (c == a ? b + 1 : 0); d < sets[c].size(); ++d) {
          const Range& x = sets[a][b];
          const Range& y = sets[c][d];
          if (x.start.family == y.start.family && !(x.end < y.start || y.end < x.start)) {
            return Error(kInvalidConfig, path + ": range " + x.start.ToString() + "-" +
                                             x.end.ToString() + " overlaps range " +
                                             y.start.ToString() + "-" + y.end.ToString());
          }
        }
      }
    }
  }
  for (size_t a = 0; a < sets.size(); ++a) {
    for (size_t c = a + 1; c < sets.size(); ++c) {
      if (sets[a].front().subnet.addr.family == sets[c].front().subnet.addr.family) {
        return Error(kInvalidConfig,
                     path + ": two range sets of the same address family (IPv" +
                         std::to_string(sets[a].front().subnet.addr.family) +
                         "); a range set already allocates one address of its family");
      }
    }
  }
  return OkError();
}

Error AddRequested(std::string_view text, const std::string& source, std::vector<IpAddr>* out) {
  std::string_view t = text;
  if (size_t slash = t.find('/'); slash != t.npos) t = t.substr(0, slash);
  auto ip = ParseIp(t);
  if (!ip.ok()) {
    return Error(kInvalidConfig, source + ": " + ip.status().message());
  }
  for (const IpAddr& existing : *out) {
    if (existing.family == ip->family) {
      return Error(kInvalidConfig, source + ": more than one IPv" + std::to_string(ip->family) +
                                       " address requested");
    }
  }
  out->push_back(*ip);
  return OkError();
}

Error ReadRequestedList(const json::Value* list, const std::string& path,
                        std::vector<IpAddr>* out) {
  if (list == nullptr || list->is_null()) return OkError();
  if (!list->is_array()) return Error(kInvalidConfig, path + " must be an array of strings");
  for (size_t i = 0; i < list->as_array().size(); ++i) {
    const json::Value& item = list->as_array()[i];
    if (!item.is_string()) return Error(kInvalidConfig, Idx(path, i) + " must be a string");
    CNI_RETURN_IF_ERROR(AddRequested(item.as_string(), Idx(path, i), out));
  }
  return OkError();
}

}  // namespace

Expected<Range> CanonicalRange(const IpPrefix& subnet_in, std::optional<IpAddr> start,
                               std::optional<IpAddr> end, std::optional<IpAddr> gateway,
                               const std::string& path) {
  IpPrefix subnet{subnet_in.Network(), subnet_in.len};
  int bits = subnet.addr.bit_len();
  // Room for network, gateway and at least one address (IPv4 also broadcast).
  if (subnet.len > bits - 2) {
    return Error(kInvalidConfig,
                 path + ".subnet: " + subnet_in.ToString() + " is too small to allocate from");
  }
  Range r;
  r.subnet = subnet;
  IpAddr first = AddOffset(subnet.addr, 1);
  IpAddr last = subnet.addr.is_v4() ? AddOffset(subnet.Last(), -1) : subnet.Last();
  r.gateway = gateway.value_or(first);
  r.start = start.value_or(first);
  r.end = end.value_or(last);
  for (auto [name, ip] : {std::pair<const char*, IpAddr*>{"gateway", &r.gateway},
                          std::pair<const char*, IpAddr*>{"rangeStart", &r.start},
                          std::pair<const char*, IpAddr*>{"rangeEnd", &r.end}}) {
    if (!subnet.Contains(*ip)) {
      return Error(kInvalidConfig, path + "." + name + ": " + ip->ToString() +
                                       " is outside subnet " + subnet.ToString());
    }
  }
  if (r.start < first || last < r.end) {
    return Error(kInvalidConfig, path + ": range " + r.start.ToString() + "-" + r.end.ToString() +
                                     " includes the network or broadcast address of " +
                                     subnet.ToString());
  }
  if (r.end < r.start) {
    return Error(kInvalidConfig, path + ".rangeEnd: " + r.end.ToString() +
                                     " is before rangeStart " + r.start.ToString());
  }
  return r;
}

Expected<Config> ParseConfig(const json::Value& ipam, const json::Value* runtime_config,
                             const json::Value* args, const CniArgs& cni_args,
                             bool require_ranges) {
  Fields f(ipam, "ipam", kInvalidConfig);
  CNI_RETURN_IF_ERROR(f.RequireObject());
  Config cfg;
  CNI_RETURN_IF_ERROR(f.String("type", &cfg.type));
  if (!cfg.built_in()) return cfg;  // the delegated plugin reads the rest itself

  CNI_RETURN_IF_ERROR(f.String("dataDir", &cfg.data_dir));
  if (cfg.data_dir.empty() || cfg.data_dir.front() != '/') {
    return f.Invalid("dataDir", "\"" + cfg.data_dir + "\" must be an absolute path");
  }

  // Ranges: runtime-provided ipRanges win over the static configuration.
  const json::Value* runtime_ranges = nullptr;
  std::string runtime_path;
  if (runtime_config && runtime_config->is_object()) {
    runtime_ranges = runtime_config->Find("ipRanges");
    runtime_path = "runtimeConfig.ipRanges";
  }
  if ((runtime_ranges == nullptr || runtime_ranges->is_null()) && args && args->is_object()) {
    if (const json::Value* c = args->Find("cni")) {
      runtime_ranges = c->Find("ipRanges");
      runtime_path = "args.cni.ipRanges";
    }
  }
  if (runtime_ranges && !runtime_ranges->is_null() &&
      !(runtime_ranges->is_array() && runtime_ranges->as_array().empty())) {
    auto sets = ParseRangeSets(*runtime_ranges, runtime_path);
    if (!sets.ok()) return sets.error();
    cfg.range_sets = std::move(*sets);
    CNI_RETURN_IF_ERROR(CheckOverlaps(cfg.range_sets, runtime_path));
  } else if (const json::Value* ranges = f.Get("ranges")) {
    auto sets = ParseRangeSets(*ranges, "ipam.ranges");
    if (!sets.ok()) return sets.error();
    cfg.range_sets = std::move(*sets);
    CNI_RETURN_IF_ERROR(CheckOverlaps(cfg.range_sets, "ipam.ranges"));
  } else if (f.Get("subnet")) {
    IpPrefix subnet;
    CNI_RETURN_IF_ERROR(f.Prefix("subnet", &subnet));
    std::optional<IpAddr> start, end, gateway;
    IpAddr ip;
    if (f.Get("rangeStart")) {
      CNI_RETURN_IF_ERROR(f.Ip("rangeStart", &ip));
      start = ip;
    }
    if (f.Get("rangeEnd")) {
      CNI_RETURN_IF_ERROR(f.Ip("rangeEnd", &ip));
      end = ip;
    }
    if (f.Get("gateway")) {
      CNI_RETURN_IF_ERROR(f.Ip("gateway", &ip));
      gateway = ip;
    }
    auto r = CanonicalRange(subnet, start, end, gateway, "ipam");
    if (!r.ok()) return r.error();
    cfg.range_sets.push_back({*r});
  }
  if (cfg.range_sets.empty() && require_ranges) {
    return Error(kInvalidConfig,
                 "ipam.ranges: no address ranges: set ipam.ranges (or ipam.subnet) or let the "
                 "runtime pass the node's pod CIDR as runtimeConfig.ipRanges");
  }

  if (const json::Value* routes = f.Get("routes")) {
    if (!routes->is_array()) return f.Invalid("routes", "must be an array");
    for (size_t i = 0; i < routes->as_array().size(); ++i) {
      std::string path = Idx("ipam.routes", i);
      Fields rf(routes->as_array()[i], path, kInvalidConfig);
      CNI_RETURN_IF_ERROR(rf.RequireObject());
      Route r;
      CNI_RETURN_IF_ERROR(rf.Prefix("dst", &r.dst, /*required=*/true));
      if (rf.Get("gw")) {
        IpAddr gw;
        CNI_RETURN_IF_ERROR(rf.Ip("gw", &gw));
        if (gw.family != r.dst.addr.family) {
          return rf.Invalid("gw",
                            gw.ToString() + " is not of the family of dst " + r.dst.ToString());
        }
        r.gw = gw;
      }
      cfg.routes.push_back(r);
    }
  }

  // Static addresses: runtimeConfig.ips, then args.cni.ips, then CNI_ARGS IP.
  if (runtime_config && runtime_config->is_object()) {
    CNI_RETURN_IF_ERROR(
        ReadRequestedList(runtime_config->Find("ips"), "runtimeConfig.ips", &cfg.requested));
  }
  if (cfg.requested.empty() && args && args->is_object()) {
    if (const json::Value* c = args->Find("cni")) {
      CNI_RETURN_IF_ERROR(ReadRequestedList(c->Find("ips"), "args.cni.ips", &cfg.requested));
    }
  }
  if (cfg.requested.empty()) {
    if (const std::string* ip_arg = cni_args.Find("IP")) {
      std::string_view rest = *ip_arg;
      while (!rest.empty()) {
        size_t comma = rest.find(',');
        std::string_view one = rest.substr(0, comma);
        if (!one.empty()) {
          Error e = AddRequested(one, "CNI_ARGS IP", &cfg.requested);
          if (!e.ok()) return Error(kInvalidEnvironment, e.msg());
        }
        rest = comma == rest.npos ? std::string_view() : rest.substr(comma + 1);
      }
    }
  }
  for (const IpAddr& ip : cfg.requested) {
    bool covered = false;
    for (const RangeSet& rs : cfg.range_sets) {
      covered = covered || rs.front().subnet.addr.family == ip.family;
    }
    if (!covered) {
      return Error(kInvalidConfig,
                   "requested IP " + ip.ToString() + " has no range set of its address family");
    }
  }
  return cfg;
}

}  // namespace skiff::cni::ipam
