// Responder: turns one request into a response from a Zone snapshot, or
// tells the caller to forward it. This is the per-query hot path: it never
// allocates and touches only the request, the snapshot and `out`.
//
// Thread-safety: a Responder is immutable after construction and may be
// shared by all workers; each call uses only its arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "dns/wire.h"
#include "dns/zone.h"

namespace skiff::dns {

enum class PodMode { kDisabled, kInsecure, kVerified };

struct ResponderConfig {
  std::string zone;              // lower wire name of the cluster zone
  uint16_t max_udp_size = 1232;  // our EDNS payload size (advertised and used)
  PodMode pod_mode = PodMode::kInsecure;
  uint32_t ttl = 5;  // TTL of synthesized (insecure pod) records
};

struct Outcome {
  enum Kind : uint8_t { kReply, kForward, kDrop } kind = kDrop;
  uint16_t rcode = 0;          // of the reply (extended rcodes included)
  bool truncated = false;      // TC was set
  bool authoritative = false;  // answered from the cluster snapshot
  size_t len = 0;              // reply length in `out` (kReply)
  // kForward of an in-zone CNAME whose target is outside our zones: ask
  // upstream for `chase_name` (lower wire, points into the snapshot, valid
  // while it is held) and prepend the `prefix_count` answer RRs already
  // written at out[prefix_off, prefix_off + prefix_len).
  const uint8_t* chase_name = nullptr;
  uint16_t chase_len = 0;
  uint16_t prefix_count = 0;
  size_t prefix_off = 0, prefix_len = 0;
};

class Responder {
 public:
  explicit Responder(ResponderConfig cfg);

  // Answers `req` (len bytes, one DNS message). `out` must hold
  // kMaxTcpMessage bytes for TCP, config().max_udp_size for UDP. `tcp` selects the size limit
  // (65535 vs the UDP payload from EDNS, at least 512). `synced` false makes every name under an
  // authoritative apex SERVFAIL. `rotation` picks the first RR of rotating A/AAAA sets. `q`
  // receives the parsed query (for metrics and forwarding). Malformed input yields FORMERR/NOTIMP
  // replies or kDrop.
  Outcome Handle(const uint8_t* req, size_t len, bool tcp, const Zone& zone, bool synced,
                 uint32_t rotation, Query* q, uint8_t* out) const;
  // The same for a request already parsed into `q` by ParseQuery (which
  // returned `parsed`); a batch parses ahead to prefetch (Zone::Prefetch).
  Outcome HandleParsed(const uint8_t* req, bool tcp, const Zone& zone, bool synced,
                       uint32_t rotation, ParseStatus parsed, Query* q, uint8_t* out) const;

  // Appends an OPT RR advertising our payload size (DO copied from the
  // query, extended rcode bits from `rc`); returns bytes written (11).
  size_t WriteOpt(const Query& q, uint16_t rc, uint8_t* p) const;

  // Largest UDP reply for `q`: 512 without EDNS, else the client's payload
  // size clamped to [512, max_udp_size].
  size_t UdpLimit(const Query& q) const;

  const ResponderConfig& config() const { return cfg_; }

 private:
  struct Writer;
  bool AnswerPod(const Query& q, Writer& w) const;

  ResponderConfig cfg_;
  std::string pod_suffix_;  // "\3pod" + zone
  uint8_t zone_labels_ = 0;
};

// Parses a dashed pod-name label ("10-1-2-3", "fd00--1") into 4 or 16
// address bytes; returns the address length or 0.
size_t ParseDashedIp(const uint8_t* label, size_t len, uint8_t* out);

}  // namespace skiff::dns
