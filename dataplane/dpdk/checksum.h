// Internet checksum arithmetic (RFC 1071, incremental updates per RFC 1624)
// on 16-bit words as they sit in packets (network order in memory). All
// sums are one's-complement sums of native-endian 16-bit loads: the
// checksum algorithm is byte-order independent as long as the field is
// stored the same way it was summed. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <cstring>

namespace skiff::dataplane::dpdk::csum {

// One's-complement sum of `n` bytes added to `sum` (not folded).
inline uint64_t Add(const void* data, size_t n, uint64_t sum = 0) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    sum += v >> 32;
    sum += v & 0xffffffffu;
    p += 8;
    n -= 8;
  }
  while (n >= 2) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    sum += v;
    p += 2;
    n -= 2;
  }
  if (n) {
    uint16_t v = 0;
    std::memcpy(&v, p, 1);  // the odd byte is the high-order byte on the wire
    sum += v;
  }
  return sum;
}

// Folds a sum into 16 bits (not complemented).
inline uint16_t Fold(uint64_t sum) {
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The checksum field value for data summing to `sum`.
inline uint16_t Finish(uint64_t sum) {
  return static_cast<uint16_t>(~Fold(sum));
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for `n` bytes (even) changing
// from `from` to `to`. Returns the new field value.
inline uint16_t Update(uint16_t check, const void* from, const void* to, size_t n) {
  uint64_t sum = static_cast<uint16_t>(~check);
  const uint8_t* a = static_cast<const uint8_t*>(from);
  const uint8_t* b = static_cast<const uint8_t*>(to);
  for (size_t i = 0; i < n; i += 2) {
    uint16_t x, y;
    std::memcpy(&x, a + i, 2);
    std::memcpy(&y, b + i, 2);
    sum += static_cast<uint16_t>(~x);
    sum += y;
  }
  return static_cast<uint16_t>(~Fold(sum));
}

// Incremental updates from values already in registers (no re-reading of
// freshly written packet bytes, which would stall store forwarding). A
// delta accumulates ~old + new per replaced field; the values are the
// fields' native-endian loads, like everything else here.
inline uint64_t Delta32(uint32_t from, uint32_t to) {
  return uint64_t{static_cast<uint32_t>(~from)} + to;
}
inline uint64_t Delta16(uint16_t from, uint16_t to) {
  return uint64_t{static_cast<uint16_t>(~from)} + to;
}
// The field value after applying `delta` to checksum field `check`.
inline uint16_t Apply(uint16_t check, uint64_t delta) {
  return static_cast<uint16_t>(~Fold(uint64_t{static_cast<uint16_t>(~check)} + delta));
}

// Sum of the TCP/UDP pseudo header (addresses of `alen` bytes, protocol,
// L4 length), native-endian like Add().
inline uint64_t Pseudo(const uint8_t* src, const uint8_t* dst, size_t alen, uint8_t proto,
                       uint32_t l4_len) {
  uint64_t sum = Add(src, alen);
  sum = Add(dst, alen, sum);
  uint8_t tail[8] = {0,
                     0,
                     static_cast<uint8_t>(l4_len >> 24),
                     static_cast<uint8_t>(l4_len >> 16),
                     static_cast<uint8_t>(l4_len >> 8),
                     static_cast<uint8_t>(l4_len),
                     0,
                     proto};
  // {0, proto} as one word and the length as two words, byte-order neutral.
  uint16_t w;
  std::memcpy(&w, tail + 6, 2);
  sum += w;
  std::memcpy(&w, tail + 2, 2);
  sum += w;
  std::memcpy(&w, tail + 4, 2);
  sum += w;
  return sum;
}

}  // namespace skiff::dataplane::dpdk::csum
