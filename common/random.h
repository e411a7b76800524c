// Fast, thread-safe, non-cryptographic random numbers for identifiers and
// allocation probes: splitmix64 over a process-wide atomic counter seeded
// once from the OS. Values never repeat within a process (splitmix64 is a
// bijection of the counter). Not for secrets: use OpenSSL's RAND_bytes.
#pragma once

#include <cstdint>

namespace skiff {

uint64_t RandomU64();
// Uniform in [0, n); 0 when n == 0.
uint64_t RandomBelow(uint64_t n);

}  // namespace skiff
