#include "dataplane/core/maglev.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "skiff_hash.h"

namespace skiff::dataplane {
namespace {

// FNV-1a over the backend identity, finished with a 64-bit mixer; two seeds
// give the independent offset and skip hashes the paper asks for.
uint64_t IdentityHash(const MaglevBackend& b, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ull ^ seed;
  auto feed = [&h](uint8_t byte) {
    h ^= byte;
    h *= 0x100000001b3ull;
  };
  feed(static_cast<uint8_t>(b.addr.family));
  for (uint8_t byte : b.addr.bytes)
    feed(byte);
  feed(static_cast<uint8_t>(b.port >> 8));
  feed(static_cast<uint8_t>(b.port));
  feed(static_cast<uint8_t>(b.proto));
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

bool IdentityLess(const MaglevBackend& a, const MaglevBackend& b) {
  return std::tie(a.addr, a.port, a.proto) < std::tie(b.addr, b.port, b.proto);
}

}  // namespace

bool IsPrime(uint32_t n) {
  if (n < 2) return false;
  if (n % 2 == 0) return n == 2;
  for (uint32_t d = 3; static_cast<uint64_t>(d) * d <= n; d += 2)
    if (n % d == 0) return false;
  return true;
}

std::vector<uint32_t> BuildMaglevTable(std::span<const MaglevBackend> backends, uint32_t size) {
  std::vector<uint32_t> table(size, 0);
  std::vector<MaglevBackend> bs;
  for (const auto& b : backends)
    if (b.weight > 0 && b.id != 0) bs.push_back(b);
  if (bs.empty() || size < 2) return table;
  std::sort(bs.begin(), bs.end(), IdentityLess);

  const size_t n = bs.size();
  std::vector<uint64_t> offset(n), skip(n), next(n, 0), credit(n, 0);
  uint32_t max_weight = 0;
  for (size_t i = 0; i < n; ++i) {
    offset[i] = IdentityHash(bs[i], 0x6d61676c65763031ull) % size;
    skip[i] = IdentityHash(bs[i], 0x736b69707365656dull) % (size - 1) + 1;
    max_weight = std::max<uint32_t>(max_weight, bs[i].weight);
  }
  // Weighted turns: per round every backend earns its weight in credit and
  // places one entry per max_weight of credit, so shares follow the weights.
  uint32_t filled = 0;
  while (true) {
    for (size_t i = 0; i < n; ++i) {
      credit[i] += bs[i].weight;
      if (credit[i] < max_weight) continue;
      credit[i] -= max_weight;
      uint64_t c;
      do {
        c = (offset[i] + next[i] * skip[i]) % size;
        ++next[i];
      } while (table[c] != 0);
      table[c] = bs[i].id;
      if (++filled == size) return table;
    }
  }
}

uint32_t FlowHash(const FlowTuple& t) {
  __u32 s[4], d[4];
  std::memcpy(s, t.saddr.bytes.data(), 16);
  std::memcpy(d, t.daddr.bytes.data(), 16);
  return skiff_flow_hash(s, d, t.sport_be, t.dport_be, static_cast<__u8>(t.proto));
}

}  // namespace skiff::dataplane
