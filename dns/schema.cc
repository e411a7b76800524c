#include "dns/schema.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <set>

namespace skiff::dns {
namespace {

std::string Label(std::string_view s) {
  std::string out(1, static_cast<char>(s.size()));
  for (char c : s)
    out.push_back(static_cast<char>(ToLowerAscii(static_cast<uint8_t>(c))));
  return out;
}

std::string LowerProto(const std::string& p) {
  std::string out = "_";
  for (char c : p)
    out.push_back(static_cast<char>(ToLowerAscii(static_cast<uint8_t>(c))));
  return out;
}

void AddAddress(std::vector<RecordSpec>& out, const std::string& owner, const uint8_t* ip,
                size_t n) {
  out.push_back(
      {owner, n == 4 ? type::kA : type::kAAAA, std::string(reinterpret_cast<const char*>(ip), n)});
}

void AddSrv(std::vector<RecordSpec>& out, const std::vector<ServicePort>& ports,
            const std::string& svc_name, const std::string& target) {
  for (const ServicePort& p : ports) {
    if (p.name.empty()) continue;
    out.push_back({Label("_" + p.name) + Label(LowerProto(p.protocol)) + svc_name, type::kSRV,
                   SrvRdata(0, 100, p.port, target)});
  }
}

Status BadCidr(const std::string& cidr, const std::string& why) {
  return InvalidArgument("reverse_cidrs: \"" + cidr + "\": " + why);
}

}  // namespace

size_t ParseIp(const std::string& text, uint8_t* out) {
  if (text.find(':') != std::string::npos)
    return inet_pton(AF_INET6, text.c_str(), out) == 1 ? 16 : 0;
  return inet_pton(AF_INET, text.c_str(), out) == 1 ? 4 : 0;
}

std::string ReverseName(const uint8_t* ip, size_t len) {
  std::string out;
  if (len == 4) {
    for (int i = 3; i >= 0; --i)
      out += Label(std::to_string(ip[i]));
    return out + DottedToWire("in-addr.arpa");
  }
  static const char kHex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    out += Label(std::string(1, kHex[ip[i] & 0xF]));
    out += Label(std::string(1, kHex[ip[i] >> 4]));
  }
  return out + DottedToWire("ip6.arpa");
}

std::string DashedIp(const std::string& ip_text) {
  std::string out = ip_text;
  std::replace(out.begin(), out.end(), '.', '-');
  std::replace(out.begin(), out.end(), ':', '-');
  return out;
}

std::vector<RecordSpec> CompileService(const Service& s,
                                       const std::vector<const EndpointSlice*>& slices,
                                       const std::string& zone_wire) {
  std::vector<RecordSpec> out;
  const std::string svc_name = Label(s.name) + Label(s.ns) + Label("svc") + zone_wire;
  uint8_t ip[16];
  if (s.type == ServiceType::kExternalName) {
    std::string target = DottedToWire(s.external_name);
    if (!target.empty()) out.push_back({svc_name, type::kCNAME, target});
    return out;
  }
  if (!s.headless()) {
    for (const std::string& text : s.cluster_ips) {
      size_t n = ParseIp(text, ip);
      if (n == 0) continue;
      AddAddress(out, svc_name, ip, n);
      out.push_back({ReverseName(ip, n), type::kPTR, svc_name});
    }
    AddSrv(out, s.ports, svc_name, svc_name);
    if (out.empty()) out.push_back({svc_name, 0, ""});  // not allocated yet: name exists
    return out;
  }
  // Headless: one address record per ready endpoint address, a hostname
  // record per endpoint (explicit or derived from the address), SRV per
  // (endpoint hostname, named port) and PTR to the hostname.
  std::vector<const EndpointSlice*> sorted = slices;
  std::sort(sorted.begin(), sorted.end(),
            [](const EndpointSlice* a, const EndpointSlice* b) { return a->name < b->name; });
  for (const EndpointSlice* slice : sorted) {
    if (slice->address_type == AddressType::kFQDN) continue;
    for (const Endpoint& ep : slice->endpoints) {
      if (!ep.ready && !s.publish_not_ready_addresses) continue;
      for (const std::string& text : ep.addresses) {
        size_t n = ParseIp(text, ip);
        if (n == 0 || (n == 4) != (slice->address_type == AddressType::kIPv4)) continue;
        std::string host = Label(ep.hostname.empty() ? DashedIp(text) : ep.hostname) + svc_name;
        AddAddress(out, svc_name, ip, n);
        AddAddress(out, host, ip, n);
        out.push_back({ReverseName(ip, n), type::kPTR, host});
        AddSrv(out, slice->ports, svc_name, host);
      }
    }
  }
  return out;
}

std::vector<RecordSpec> CompilePod(const Pod& p, const std::string& zone_wire) {
  std::vector<RecordSpec> out;
  uint8_t ip[16];
  for (const std::string& text : p.ips) {
    size_t n = ParseIp(text, ip);
    if (n == 0) continue;
    AddAddress(out, Label(DashedIp(text)) + Label(p.ns) + Label("pod") + zone_wire, ip, n);
  }
  return out;
}

std::vector<RecordSpec> CompileZoneRecords(const std::string& zone_wire) {
  return {
      {Label("dns-version") + zone_wire, type::kTXT, TxtRdata(kSchemaVersion)},
      {zone_wire, type::kNS, Label("ns") + Label("dns") + zone_wire},
  };
}

Result<std::vector<ApexSpec>> MakeApexes(const ClusterConfig& cfg) {
  std::vector<ApexSpec> out;
  ApexSpec zone;
  zone.name = DottedToWire(cfg.zone);
  if (zone.name.size() <= 1) {
    return InvalidArgument("zone: \"" + cfg.zone + "\" is not a valid domain name");
  }
  zone.mname = Label("ns") + Label("dns") + zone.name;
  zone.rname = Label("hostmaster") + zone.name;
  zone.ttl = cfg.ttl;
  zone.negative_ttl = cfg.negative_ttl;
  out.push_back(zone);

  for (const std::string& cidr : cfg.reverse_cidrs) {
    size_t slash = cidr.find('/');
    if (slash == std::string::npos) return BadCidr(cidr, "missing /prefix-length");
    uint8_t ip[16];
    size_t n = ParseIp(cidr.substr(0, slash), ip);
    if (n == 0) return BadCidr(cidr, "not an IPv4 or IPv6 network");
    int bits = -1;
    try {
      size_t used = 0;
      bits = std::stoi(cidr.substr(slash + 1), &used);
      if (used != cidr.size() - slash - 1) bits = -1;
    } catch (...) {
      bits = -1;
    }
    const int max_bits = static_cast<int>(n * 8);
    if (bits < 0 || bits > max_bits) return BadCidr(cidr, "prefix length out of range");
    // Reverse zones sit on label boundaries: 8 bits (IPv4) or 4 (IPv6).
    const int step = n == 4 ? 8 : 4;
    const int rounded = (bits + step - 1) / step * step;
    const int extra = rounded - bits;  // < step, so at most 128 zones
    for (uint32_t v = 0; v < (1u << extra); ++v) {
      uint8_t net[16];
      std::memcpy(net, ip, n);
      // Clear host bits beyond `bits`, then set the enumerated ones.
      for (int b = bits; b < max_bits; ++b)
        net[b / 8] &= static_cast<uint8_t>(~(0x80 >> (b % 8)));
      for (int e = 0; e < extra; ++e) {
        if (v >> (extra - 1 - e) & 1) {
          int b = bits + e;
          net[b / 8] |= static_cast<uint8_t>(0x80 >> (b % 8));
        }
      }
      std::string full = ReverseName(net, n);
      // Drop the labels below the rounded prefix length.
      int drop = (max_bits - rounded) / step;
      size_t off = 0;
      for (int i = 0; i < drop; ++i)
        off += static_cast<uint8_t>(full[off]) + 1;
      ApexSpec r = zone;
      r.name = full.substr(off);
      if (std::none_of(out.begin(), out.end(),
                       [&](const ApexSpec& a) { return a.name == r.name; })) {
        out.push_back(r);
      }
    }
  }
  for (const char* catchall : {"in-addr.arpa", "ip6.arpa"}) {
    ApexSpec a;
    a.name = DottedToWire(catchall);
    a.authoritative = false;
    if (std::none_of(out.begin(), out.end(), [&](const ApexSpec& x) { return x.name == a.name; })) {
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace skiff::dns
