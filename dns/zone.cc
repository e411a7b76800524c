#include "dns/zone.h"

#include <algorithm>
#include <bit>

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
bool IsSuffixAt(std::string_view name, std::string_view apex, size_t* at) {
  if (apex.size() > name.size()) return false;
  size_t start = name.size() - apex.size();
  if (name.compare(start, apex.size(), apex) != 0) return false;
  // The suffix must begin on a label boundary.
  for (size_t off = 0; off <= start; off += static_cast<uint8_t>(name[off]) + 1) {
    if (off == start) {
      *at = start;
      return true;
    }
    if (name[off] == 0) break;
  }
  return false;
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
  for (uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    uint32_t s = slots_[i];
    if (s == 0) return nullptr;
    const Node& n = nodes_[s - 1];
    if (node_hash_[s - 1] == hash && n.name_len == len &&
        std::memcmp(blob_.data() + n.name_off, lower, len) == 0) {
      return &n;
    }
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
  names_.try_emplace(apex.name);
  if (apex.authoritative) {
    Add(apex.name, type::kSOA, apex.ttl, SoaRdata(apex));
  }
}

int ZoneBuilder::ApexOf(std::string_view name) const {
  int best = -1;
  size_t best_len = 0, at = 0;
  for (size_t i = 0; i < apexes_.size(); ++i) {
    const std::string& a = apexes_[i].name;
    if (a.size() >= best_len && IsSuffixAt(name, a, &at)) {
      best = static_cast<int>(i);
      best_len = a.size();
    }
  }
  return best;
}

bool ZoneBuilder::Add(std::string_view owner, uint16_t type, uint32_t ttl, std::string_view rdata) {
  int apex = ApexOf(owner);
  if (apex < 0 || rdata.size() > 65535) return false;
  // Empty non-terminals: every ancestor up to the apex exists (NODATA, not
  // NXDOMAIN, for e.g. "<ns>.svc.<zone>").
  const size_t apex_len = apexes_[apex].name.size();
  for (size_t off = 0; owner.size() - off > apex_len; off += static_cast<uint8_t>(owner[off]) + 1) {
    names_.try_emplace(std::string(owner.substr(off)));
  }
  if (type == 0) {  // the name exists without records
    names_.try_emplace(std::string(owner));
    return true;
  }
  Set& s = names_[std::string(owner)].sets[type];
  s.ttl = ttl;
  auto [it, inserted] = s.seen.try_emplace(std::string(rdata), s.rdatas.size());
  if (inserted) s.rdatas.emplace_back(rdata);
  return true;
}

void ZoneBuilder::WriteRRSet(Zone& z, std::string_view owner, uint16_t type, const Set& s) {
  Zone::RRSet r;
  r.type = type;
  r.count = static_cast<uint16_t>(std::min<size_t>(s.rdatas.size(), 65535));
  r.rotate = (type == type::kA || type == type::kAAAA) && r.count > 1;
  r.data_off = static_cast<uint32_t>(z.blob_.size());
  r.ends_off = static_cast<uint32_t>(z.rr_ends_.size());
  // Answer offsets are absolute in the response: header + question precede.
  const size_t answer_base = kHeaderSize + owner.size() + 4;
  std::vector<uint32_t> target_offsets;
  for (size_t i = 0; i < r.count; ++i) {
    z.blob_.push_back(static_cast<char>(0xC0));
    z.blob_.push_back(static_cast<char>(kHeaderSize));
    if (type == type::kSRV) {
      target_offsets.push_back(
          static_cast<uint32_t>(answer_base + z.blob_.size() - r.data_off + 10 + 6));
    }
    AppendRRBody(z.blob_, type, s.ttl, s.rdatas[i]);
    z.rr_ends_.push_back(static_cast<uint32_t>(z.blob_.size() - r.data_off));
  }
  r.data_len = static_cast<uint32_t>(z.blob_.size() - r.data_off);
  r.add_off = static_cast<uint32_t>(z.blob_.size());
  r.add_ends_off = static_cast<uint32_t>(z.rr_ends_.size());
  if (type == type::kSRV) {
    // Glue: addresses of in-zone targets, owner compressed to the SRV target.
    for (size_t i = 0; i < r.count && r.add_count < 65535; ++i) {
      std::string target = s.rdatas[i].substr(6);
      auto it = names_.find(target);
      if (it == names_.end() || target_offsets[i] > 0x3FFF) continue;
      for (uint16_t t : {type::kA, type::kAAAA}) {
        auto st = it->second.sets.find(t);
        if (st == it->second.sets.end()) continue;
        for (const std::string& rd : st->second.rdatas) {
          z.blob_.push_back(static_cast<char>(0xC0 | target_offsets[i] >> 8));
          z.blob_.push_back(static_cast<char>(target_offsets[i] & 0xFF));
          AppendRRBody(z.blob_, t, st->second.ttl, rd);
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
  for (const ApexSpec& a : apexes_) {
    Zone::Apex ap;
    ap.name = a.name;
    ap.authoritative = a.authoritative;
    if (a.authoritative) AppendRRBody(ap.soa_tail, type::kSOA, a.negative_ttl, SoaRdata(a));
    z->apexes_.push_back(std::move(ap));
  }
  // Deterministic layout: sorted names.
  std::vector<const std::pair<const std::string, NameData>*> sorted;
  sorted.reserve(names_.size());
  for (const auto& kv : names_)
    sorted.push_back(&kv);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });

  z->nodes_.reserve(sorted.size());
  z->node_hash_.reserve(sorted.size());
  for (const auto* kv : sorted) {
    Zone::Node n;
    n.name_off = static_cast<uint32_t>(z->blob_.size());
    n.name_len = static_cast<uint16_t>(kv->first.size());
    z->blob_.append(kv->first);
    n.rrset_begin = static_cast<uint32_t>(z->rrsets_.size());
    for (const auto& [t, set] : kv->second.sets) {
      if (set.rdatas.empty()) continue;
      WriteRRSet(*z, kv->first, t, set);
    }
    n.rrset_count = static_cast<uint16_t>(z->rrsets_.size() - n.rrset_begin);
    z->nodes_.push_back(n);
    z->node_hash_.push_back(
        HashName(reinterpret_cast<const uint8_t*>(kv->first.data()), kv->first.size()));
  }
  size_t cap = std::bit_ceil(std::max<size_t>(16, z->nodes_.size() * 2));
  z->slots_.assign(cap, 0);
  z->mask_ = cap - 1;
  for (size_t i = 0; i < z->nodes_.size(); ++i) {
    uint64_t j = z->node_hash_[i] & z->mask_;
    while (z->slots_[j] != 0)
      j = (j + 1) & z->mask_;
    z->slots_[j] = static_cast<uint32_t>(i + 1);
  }
  return z;
}

}  // namespace skiff::dns
