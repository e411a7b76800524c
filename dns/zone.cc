#include "dns/zone.h"

#include <algorithm>
#include <bit>
#include <unordered_set>

namespace skiff::dns {
namespace {

void Append16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v >> 8));
  s.push_back(static_cast<char>(v));
}
void Append32(std::string& s, uint32_t v) {
  Append16(s, static_cast<uint16_t>(v >> 16));
  Append16(s, static_cast<uint16_t>(v));
}
// Appends type, class IN, ttl, rdlength and rdata.
void AppendRRBody(std::string& s, uint16_t type, uint32_t ttl, std::string_view rdata) {
  Append16(s, type);
  Append16(s, cls::kIN);
  Append32(s, ttl);
  Append16(s, static_cast<uint16_t>(rdata.size()));
  s.append(rdata);
}
// Names are short (~40 bytes): compare in 8-byte words without a libc call.
inline bool NameEquals(const char* a, const uint8_t* b, size_t n) {
  while (n >= 8) {
    uint64_t x, y;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) return false;
    a += 8;
    b += 8;
    n -= 8;
  }
  while (n > 0) {
    if (static_cast<uint8_t>(*a++) != *b++) return false;
    --n;
  }
  return true;
}

}  // namespace

std::string SrvRdata(uint16_t priority, uint16_t weight, uint16_t port, std::string_view target) {
  std::string s;
  Append16(s, priority);
  Append16(s, weight);
  Append16(s, port);
  s.append(target);
  return s;
}

std::string SoaRdata(const ApexSpec& a) {
  std::string s = a.mname + a.rname;
  Append32(s, a.serial);
  Append32(s, 7200);   // refresh
  Append32(s, 1800);   // retry
  Append32(s, 86400);  // expire
  Append32(s, a.negative_ttl);
  return s;
}

std::string TxtRdata(std::string_view text) {
  std::string s;
  s.push_back(static_cast<char>(std::min<size_t>(text.size(), 255)));
  s.append(text.substr(0, 255));
  return s;
}

const Zone::Node* Zone::Find(const uint8_t* lower, size_t len, uint64_t hash) const {
  if (slots_.empty()) return nullptr;
  const uint32_t tag = static_cast<uint32_t>(hash >> 32);
  for (uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot s = slots_[i];
    if (s.node == 0) return nullptr;
    if (s.tag != tag) continue;
    const Node& n = nodes_[s.node - 1];
    if (n.name_len == len && NameEquals(blob_.data() + n.name_off, lower, len)) return &n;
  }
}

void Zone::Prefetch(uint64_t hash, int stage) const {
  const uint32_t tag = static_cast<uint32_t>(hash >> 32);
  for (const Zone* z = this; z != nullptr; z = z->base_.get()) {
    if (z->slots_.empty()) continue;
    const Slot* slot = &z->slots_[hash & z->mask_];
    if (stage == 0) {
      __builtin_prefetch(slot);
      continue;
    }
    if (slot->node == 0 || slot->tag != tag) continue;  // a probe chain: leave it to Find
    const Node& n = z->nodes_[slot->node - 1];
    if (stage == 1) {
      __builtin_prefetch(&n);
      continue;
    }
    __builtin_prefetch(z->blob_.data() + n.name_off);
    if (n.rrset_count > 0) __builtin_prefetch(&z->rrsets_[n.rrset_begin]);
  }
}

int Zone::FindApex(const uint8_t* lower, size_t len, const uint64_t* label_starts) const {
  int best = -1;
  size_t best_len = 0;
  for (size_t i = 0; i < apexes_.size(); ++i) {
    const std::string& a = apexes_[i].name;
    if (a.size() > len || a.size() <= best_len) continue;
    size_t start = len - a.size();
    if ((label_starts[start >> 6] >> (start & 63) & 1) &&
        std::memcmp(lower + start, a.data(), a.size()) == 0) {
      best = static_cast<int>(i);
      best_len = a.size();
    }
  }
  return best;
}

int Zone::FindApexOf(const uint8_t* lower, size_t len) const {
  uint64_t starts[4] = {};
  for (size_t off = 0; off < len && off < kMaxNameLen; off += size_t{lower[off]} + 1) {
    starts[off >> 6] |= uint64_t{1} << (off & 63);
    if (lower[off] == 0) break;
  }
  return FindApex(lower, len, starts);
}

const Zone::RRSet* Zone::FindRRSet(const Node& n, uint16_t type) const {
  for (uint32_t i = 0; i < n.rrset_count; ++i) {
    const RRSet& r = rrsets_[n.rrset_begin + i];
    if (r.type == type) return &r;
  }
  return nullptr;
}

void ZoneBuilder::AddApex(const ApexSpec& apex) {
  apexes_.push_back(apex);
  Add(apex.name, 0, 0, {});
  if (apex.authoritative) Add(apex.name, type::kSOA, apex.ttl, SoaRdata(apex));
}

size_t ZoneBuilder::ArenaHash::operator()(uint64_t k) const {
  return HashName(reinterpret_cast<const uint8_t*>(arena->data()) + (k >> 16), k & 0xFFFF);
}

bool ZoneBuilder::ArenaEq::operator()(uint64_t x, uint64_t y) const {
  return (x & 0xFFFF) == (y & 0xFFFF) &&
         std::memcmp(arena->data() + (x >> 16), arena->data() + (y >> 16), x & 0xFFFF) == 0;
}

int ZoneBuilder::ApexOf(std::string_view name) const {
  // Walk suffixes from the longest: the first one that is an apex is the
  // deepest apex containing the name.
  for (size_t off = 0; off < name.size(); off += static_cast<uint8_t>(name[off]) + 1) {
    std::string_view suffix = name.substr(off);
    for (size_t i = 0; i < apexes_.size(); ++i) {
      if (apexes_[i].name.size() == suffix.size() && apexes_[i].name == suffix) {
        return static_cast<int>(i);
      }
    }
    if (name[off] == 0) break;
  }
  return -1;
}

bool ZoneBuilder::Add(std::string_view owner, uint16_t type, uint32_t ttl, std::string_view rdata) {
  if (owner.empty() || owner.size() > kMaxNameLen || rdata.size() > 65535) return false;
  int apex = ApexOf(owner);
  if (apex < 0) return false;
  const uint32_t name_off = static_cast<uint32_t>(arena_.size());
  arena_.append(owner);
  // Empty non-terminals: every ancestor up to the apex exists (NODATA, not
  // NXDOMAIN, for e.g. "<ns>.svc.<zone>"). They share the owner's bytes.
  // An ancestor seen before has all of its own ancestors recorded already,
  // so the walk stops there: one lookup per record in the common case.
  const size_t apex_len = apexes_[apex].name.size();
  for (size_t off = static_cast<uint8_t>(owner[0]) + 1;
       off < owner.size() && owner.size() - off >= apex_len;
       off += static_cast<uint8_t>(owner[off]) + 1) {
    if (!ents_.insert(uint64_t{name_off + off} << 16 | (owner.size() - off)).second) break;
    recs_.push_back({static_cast<uint32_t>(name_off + off),
                     static_cast<uint16_t>(owner.size() - off), 0, 0, 0, 0});
    if (owner.size() - off == apex_len) break;
  }
  const uint32_t rdata_off = static_cast<uint32_t>(arena_.size());
  arena_.append(rdata);
  recs_.push_back({name_off, static_cast<uint16_t>(owner.size()), type, ttl, rdata_off,
                   static_cast<uint16_t>(rdata.size())});
  return true;
}

void ZoneBuilder::MarkAbsent(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLen) return;
  const uint32_t off = static_cast<uint32_t>(arena_.size());
  arena_.append(name);
  recs_.push_back({off, static_cast<uint16_t>(name.size()), kAbsentType, 0, 0, 0});
}

void ZoneBuilder::WriteRRSet(Zone& z, std::string_view owner, const Group& g,
                             const std::vector<uint32_t>& group_recs,
                             const std::vector<uint32_t>& node_groups,
                             const std::vector<Group>& groups) {
  Zone::RRSet r;
  r.type = g.type;
  r.count = static_cast<uint16_t>(std::min<uint32_t>(g.count, 65535));
  r.rotate = (g.type == type::kA || g.type == type::kAAAA) && r.count > 1;
  r.data_off = static_cast<uint32_t>(z.blob_.size());
  r.ends_off = static_cast<uint32_t>(z.rr_ends_.size());
  // Answer offsets are absolute in the response: header + question precede.
  const size_t answer_base = kHeaderSize + owner.size() + 4;
  std::vector<uint32_t> target_offsets;
  for (size_t i = 0; i < r.count; ++i) {
    z.blob_.push_back(static_cast<char>(0xC0));
    z.blob_.push_back(static_cast<char>(kHeaderSize));
    if (g.type == type::kSRV) {
      target_offsets.push_back(
          static_cast<uint32_t>(answer_base + z.blob_.size() - r.data_off + 10 + 6));
    }
    AppendRRBody(z.blob_, g.type, g.ttl, Rdata(recs_[group_recs[g.begin + i]]));
    z.rr_ends_.push_back(static_cast<uint32_t>(z.blob_.size() - r.data_off));
  }
  r.data_len = static_cast<uint32_t>(z.blob_.size() - r.data_off);
  r.add_off = static_cast<uint32_t>(z.blob_.size());
  r.add_ends_off = static_cast<uint32_t>(z.rr_ends_.size());
  if (g.type == type::kSRV) {
    // Glue: addresses of in-zone targets, owner compressed to the SRV target.
    for (size_t i = 0; i < r.count && r.add_count < 65535; ++i) {
      std::string_view target = Rdata(recs_[group_recs[g.begin + i]]).substr(6);
      const Zone::Node* t =
          z.Find(reinterpret_cast<const uint8_t*>(target.data()), target.size(),
                 HashName(reinterpret_cast<const uint8_t*>(target.data()), target.size()));
      if (t == nullptr || target_offsets[i] > 0x3FFF) continue;
      const uint32_t node = static_cast<uint32_t>(t - z.nodes_.data());
      for (uint32_t k = node_groups[node]; k < node_groups[node + 1]; ++k) {
        const Group& ag = groups[k];
        if (ag.type != type::kA && ag.type != type::kAAAA) continue;
        for (uint32_t j = 0; j < ag.count; ++j) {
          z.blob_.push_back(static_cast<char>(0xC0 | target_offsets[i] >> 8));
          z.blob_.push_back(static_cast<char>(target_offsets[i] & 0xFF));
          AppendRRBody(z.blob_, ag.type, ag.ttl, Rdata(recs_[group_recs[ag.begin + j]]));
          z.rr_ends_.push_back(static_cast<uint32_t>(z.blob_.size() - r.add_off));
          ++r.add_count;
        }
      }
    }
  }
  r.add_len = static_cast<uint32_t>(z.blob_.size() - r.add_off);
  z.rrsets_.push_back(r);
  z.record_count_ += r.count;
}

std::unique_ptr<const Zone> ZoneBuilder::Build() {
  auto z = std::make_unique<Zone>();
  z->base_ = base_;
  for (const ApexSpec& a : apexes_) {
    Zone::Apex ap;
    ap.name = a.name;
    ap.authoritative = a.authoritative;
    if (a.authoritative) AppendRRBody(ap.soa_tail, type::kSOA, a.negative_ttl, SoaRdata(a));
    z->apexes_.push_back(std::move(ap));
  }
  const size_t n = recs_.size();

  // 1. Distinct names: an open-addressing table that becomes the zone's.
  size_t cap = std::bit_ceil(std::max<size_t>(16, n * 2));
  z->slots_.assign(cap, Zone::Slot{});
  z->mask_ = cap - 1;
  std::vector<uint32_t> rec_node(n);
  std::string names;  // node names, in node order (copied into the blob below)
  std::vector<uint32_t> name_offs;
  for (size_t i = 0; i < n; ++i) {
    std::string_view name = Name(recs_[i]);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(name.data());
    uint64_t h = HashName(p, name.size());
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    uint64_t j = h & z->mask_;
    for (;; j = (j + 1) & z->mask_) {
      Zone::Slot& s = z->slots_[j];
      if (s.node == 0) {
        s = {static_cast<uint32_t>(z->nodes_.size() + 1), tag};
        Zone::Node node;
        node.name_len = static_cast<uint16_t>(name.size());
        name_offs.push_back(static_cast<uint32_t>(names.size()));
        names.append(name);
        z->nodes_.push_back(node);
        rec_node[i] = static_cast<uint32_t>(z->nodes_.size() - 1);
        break;
      }
      const Zone::Node& nd = z->nodes_[s.node - 1];
      if (s.tag == tag && nd.name_len == name.size() &&
          std::memcmp(names.data() + name_offs[s.node - 1], p, name.size()) == 0) {
        rec_node[i] = s.node - 1;
        break;
      }
    }
  }
  const size_t nodes = z->nodes_.size();
  z->blob_.reserve(names.size() + arena_.size() * 2 + n * 16);
  z->blob_.append(names);
  for (size_t i = 0; i < nodes; ++i)
    z->nodes_[i].name_off = name_offs[i];

  // 2. Records grouped by node (counting sort keeps insertion order), then
  // by type, deduplicated.
  std::vector<uint32_t> start(nodes + 1, 0);
  for (size_t i = 0; i < n; ++i)
    ++start[rec_node[i] + 1];
  for (size_t i = 0; i < nodes; ++i)
    start[i + 1] += start[i];
  std::vector<uint32_t> order(n), fill(start.begin(), start.end() - 1);
  for (size_t i = 0; i < n; ++i)
    order[fill[rec_node[i]]++] = static_cast<uint32_t>(i);

  std::vector<Group> groups;
  std::vector<uint32_t> group_recs;
  std::vector<uint32_t> node_groups(nodes + 1, 0);
  group_recs.reserve(n);
  std::vector<uint32_t> of_type;
  for (size_t nd = 0; nd < nodes; ++nd) {
    node_groups[nd] = static_cast<uint32_t>(groups.size());
    const uint32_t* b = order.data() + start[nd];
    const uint32_t* e = order.data() + start[nd + 1];
    std::vector<uint16_t> types;
    bool absent = true;  // only absent markers: the name is gone
    for (const uint32_t* it = b; it != e; ++it) {
      uint16_t t = recs_[*it].type;
      if (t != kAbsentType) absent = false;
      if (t != 0 && t != kAbsentType && std::find(types.begin(), types.end(), t) == types.end()) {
        types.push_back(t);
      }
    }
    z->nodes_[nd].absent = absent;
    std::sort(types.begin(), types.end());
    for (uint16_t t : types) {
      Group g{t, 0, static_cast<uint32_t>(group_recs.size()), 0};
      of_type.clear();
      for (const uint32_t* it = b; it != e; ++it) {
        if (recs_[*it].type == t) of_type.push_back(*it);
      }
      if (of_type.size() <= 16) {
        for (uint32_t r : of_type) {
          bool dup = false;
          for (uint32_t k = g.begin; k < group_recs.size() && !dup; ++k) {
            dup = Rdata(recs_[group_recs[k]]) == Rdata(recs_[r]);
          }
          if (!dup) group_recs.push_back(r);
          g.ttl = recs_[r].ttl;
        }
      } else {
        std::unordered_set<std::string_view> seen;
        seen.reserve(of_type.size() * 2);
        for (uint32_t r : of_type) {
          if (seen.insert(Rdata(recs_[r])).second) group_recs.push_back(r);
          g.ttl = recs_[r].ttl;
        }
      }
      g.count = static_cast<uint32_t>(group_recs.size()) - g.begin;
      groups.push_back(g);
    }
  }
  node_groups[nodes] = static_cast<uint32_t>(groups.size());

  // 3. Prebuilt answer bytes per RRset.
  for (size_t nd = 0; nd < nodes; ++nd) {
    Zone::Node& node = z->nodes_[nd];
    node.rrset_begin = static_cast<uint32_t>(z->rrsets_.size());
    std::string owner(z->blob_.data() + node.name_off, node.name_len);
    for (uint32_t k = node_groups[nd]; k < node_groups[nd + 1]; ++k) {
      WriteRRSet(*z, owner, groups[k], group_recs, node_groups, groups);
    }
    node.rrset_count = static_cast<uint16_t>(z->rrsets_.size() - node.rrset_begin);
  }
  return z;
}

}  // namespace skiff::dns
