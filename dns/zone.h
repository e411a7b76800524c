// Zone: an immutable, query-ready snapshot of every authoritative record.
//
// Records are stored as prebuilt answer-section bytes per (name, type) whose
// owner names are compression pointers to the question (offset 12), so that
// answering is a hash lookup plus memcpy: no allocation, no encoding. SRV
// RRsets also carry their additional-section A/AAAA records, whose owners
// point at the SRV targets inside the (never rotated) SRV answer bytes.
//
// Layering: a Zone may sit on a base Zone (a "delta"): its own names (with
// complete RRsets, or marked absent) shadow the base's, everything else is
// looked up in the base. Small changes thus publish a delta of the changed
// names instead of rebuilding the whole zone.
//
// Thread-safety: a built Zone is never modified; any number of threads may
// read it concurrently. ZoneBuilder is single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "dns/wire.h"

namespace skiff::dns {

// One authority: the cluster zone or a reverse zone.
struct ApexSpec {
  std::string name;           // lower wire name
  bool authoritative = true;  // false: answer hits only, forward everything else
  std::string mname, rname;   // SOA names (lower wire), authoritative apexes only
  uint32_t serial = 1;
  uint32_t ttl = 5;           // TTL of the SOA record when asked for
  uint32_t negative_ttl = 5;  // SOA minimum and TTL in negative answers (RFC 2308)
};

class Zone {
 public:
  struct RRSet {
    uint16_t type = 0;
    uint16_t count = 0;                   // answer RRs
    uint16_t add_count = 0;               // additional RRs (SRV targets' addresses)
    bool rotate = false;                  // A/AAAA sets rotate between responses
    uint32_t data_off = 0, data_len = 0;  // answer bytes in blob()
    uint32_t ends_off = 0;  // rr_ends()[ends_off + i]: end of RR i, relative to data_off
    uint32_t add_off = 0, add_len = 0, add_ends_off = 0;
  };
  struct Node {
    uint32_t name_off = 0;  // lower wire name in blob()
    uint16_t name_len = 0;
    uint16_t rrset_count = 0;  // 0 for an empty non-terminal
    uint32_t rrset_begin = 0;  // index into rrsets()
    bool absent = false;       // delta only: the name no longer exists
  };
  // A node and the zone whose blob/rrsets it refers to.
  struct NodeRef {
    const Zone* zone = nullptr;
    const Node* node = nullptr;
    explicit operator bool() const { return node != nullptr; }
  };
  struct Apex {
    std::string name;  // lower wire name
    bool authoritative = true;
    std::string soa_tail;  // SOA RR after its owner name, negative TTL (authority use)
  };

  // Exact-name lookup of a lower wire name through the layers; empty when
  // the name does not exist.
  NodeRef Lookup(const uint8_t* lower, size_t len, uint64_t hash) const {
    for (const Zone* z = this; z != nullptr; z = z->base_.get()) {
      if (const Node* n = z->Find(lower, len, hash)) return n->absent ? NodeRef{} : NodeRef{z, n};
    }
    return {};
  }
  // This layer only; nullptr when the name is not in it.
  const Node* Find(const uint8_t* lower, size_t len, uint64_t hash) const;
  // Cache prefetch for a later Lookup of `hash`, in stages called in order
  // over a batch of names: 0 the hash slot, 1 the node it names, 2 the
  // node's name bytes and RRsets. Reads only what earlier stages fetched;
  // never changes the answer.
  void Prefetch(uint64_t hash, int stage) const;
  // The deepest apex containing the name (label-aligned), or -1. `label_starts`
  // is a 256-bit bitmap of label start offsets (Query::label_starts).
  int FindApex(const uint8_t* lower, size_t len, const uint64_t* label_starts) const;
  int FindApex(const Query& q) const { return FindApex(q.lower, q.qname_len, q.label_starts); }
  // Same for a lower wire name given alone (computes the bitmap).
  int FindApexOf(const uint8_t* lower, size_t len) const;
  const RRSet* FindRRSet(const Node& n, uint16_t type) const;

  const std::vector<Apex>& apexes() const { return apexes_; }
  const uint8_t* blob() const { return reinterpret_cast<const uint8_t*>(blob_.data()); }
  const std::vector<RRSet>& rrsets() const { return rrsets_; }
  const uint32_t* rr_ends() const { return rr_ends_.data(); }
  size_t node_count() const { return nodes_.size(); }
  size_t record_count() const { return record_count_; }
  const Zone* base() const { return base_.get(); }

 private:
  friend class ZoneBuilder;
  std::string blob_;
  std::vector<Node> nodes_;
  // Open addressing, linear probing; size is a power of two. A slot holds
  // node index + 1 (0 = empty) and the hash's upper 32 bits, so probing
  // rarely touches a node that does not match.
  struct Slot {
    uint32_t node = 0;
    uint32_t tag = 0;
  };
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  std::vector<RRSet> rrsets_;
  std::vector<uint32_t> rr_ends_;
  std::vector<Apex> apexes_;
  size_t record_count_ = 0;
  std::shared_ptr<const Zone> base_;
};

class ZoneBuilder {
 public:
  ZoneBuilder() = default;
  ZoneBuilder(const ZoneBuilder&) = delete;  // ents_ refers to arena_
  ZoneBuilder& operator=(const ZoneBuilder&) = delete;

  void AddApex(const ApexSpec& apex);
  // Adds one record; rdata is uncompressed wire RDATA. Duplicate (name, type,
  // rdata) records are merged. Names outside every apex are ignored
  // (returns false). The TTL of an RRset is the last one given.
  // Type 0 only makes the name exist (NODATA for every type).
  bool Add(std::string_view owner, uint16_t type, uint32_t ttl, std::string_view rdata);
  // Delta builds: the built zone sits on `base`; MarkAbsent(name) shadows a
  // base name that no longer exists (ignored when the name gets records).
  void SetBase(std::shared_ptr<const Zone> base) { base_ = std::move(base); }
  void MarkAbsent(std::string_view name);
  // Builds the snapshot in O(records): a flat arena, no per-name containers,
  // so a 10,000-Service zone rebuilds in milliseconds.
  std::unique_ptr<const Zone> Build();

 private:
  struct Rec {
    uint32_t name_off;
    uint16_t name_len;
    uint16_t type;
    uint32_t ttl;
    uint32_t rdata_off;
    uint16_t rdata_len;
  };
  struct Group {  // the records of one (name, type), deduplicated
    uint16_t type;
    uint32_t ttl;
    uint32_t begin, count;  // into group_recs
  };
  int ApexOf(std::string_view name) const;
  std::string_view Name(const Rec& r) const { return {arena_.data() + r.name_off, r.name_len}; }
  std::string_view Rdata(const Rec& r) const { return {arena_.data() + r.rdata_off, r.rdata_len}; }
  void WriteRRSet(Zone& z, std::string_view owner, const Group& g,
                  const std::vector<uint32_t>& group_recs, const std::vector<uint32_t>& node_groups,
                  const std::vector<Group>& groups);

  // Names by (arena offset << 16 | length), hashed and compared in place.
  struct ArenaHash {
    const std::string* arena;
    size_t operator()(uint64_t k) const;
  };
  struct ArenaEq {
    const std::string* arena;
    bool operator()(uint64_t x, uint64_t y) const;
  };

  static constexpr uint16_t kAbsentType = 0xFFFF;  // marker, never a record

  std::vector<ApexSpec> apexes_;
  std::string arena_;
  std::vector<Rec> recs_;
  std::shared_ptr<const Zone> base_;
  // Ancestors already recorded as names (empty non-terminals).
  std::unordered_set<uint64_t, ArenaHash, ArenaEq> ents_{64, ArenaHash{&arena_}, ArenaEq{&arena_}};
};

// One record as compiled from cluster objects (input of ZoneBuilder::Add).
struct RecordSpec {
  std::string owner;  // lower wire name
  uint16_t type = 0;  // 0: the name only exists
  std::string rdata;  // uncompressed wire RDATA
};

// RDATA encoders (uncompressed wire form).
std::string SrvRdata(uint16_t priority, uint16_t weight, uint16_t port, std::string_view target);
std::string SoaRdata(const ApexSpec& a);
std::string TxtRdata(std::string_view text);  // one character-string, <= 255 bytes

}  // namespace skiff::dns
