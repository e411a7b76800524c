// The Kubernetes DNS schema 1.1.0: which records a Service, its
// EndpointSlices and (verified mode) a Pod produce, and the apexes the
// server is authoritative for. Pure functions over the cluster_state structs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "dns/cluster_state.h"
#include "dns/zone.h"

namespace skiff::dns {

inline constexpr const char* kSchemaVersion = "1.1.0";

// Records of one Service given its slices (any order). Headless Services
// list ready endpoints (all endpoints with publishNotReadyAddresses); one
// with none gets no records at all, so its name is NXDOMAIN (spec 2.4.1).
std::vector<RecordSpec> CompileService(const Service& s,
                                       const std::vector<const EndpointSlice*>& slices,
                                       const std::string& zone_wire);
// Verified pod records: <dashed-ip>.<ns>.pod.<zone> for each pod IP.
std::vector<RecordSpec> CompilePod(const Pod& p, const std::string& zone_wire);
// Zone-wide records: dns-version TXT and the apex NS.
std::vector<RecordSpec> CompileZoneRecords(const std::string& zone_wire);

// The cluster zone (index 0), the authoritative reverse zones of the
// configured CIDRs (split on octet/nibble boundaries) and the
// non-authoritative in-addr.arpa/ip6.arpa catch-alls. INVALID_ARGUMENT names
// a bad zone or CIDR.
Result<std::vector<ApexSpec>> MakeApexes(const ClusterConfig& cfg);

// Parses an IPv4/IPv6 literal into 4 or 16 bytes; returns the length or 0.
size_t ParseIp(const std::string& text, uint8_t* out);
// Reverse-lookup wire name (in-addr.arpa / ip6.arpa nibbles) of an address.
std::string ReverseName(const uint8_t* ip, size_t len);
// "10-1-2-3" / "fd00--1": the label used for derived hostnames and pod names.
std::string DashedIp(const std::string& ip_text);

}  // namespace skiff::dns
