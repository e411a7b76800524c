#include "common/random.h"

#include <atomic>
#include <random>

namespace skiff {
namespace {

uint64_t Seed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace

uint64_t RandomU64() {
  static std::atomic<uint64_t> counter{Seed()};
  uint64_t z = counter.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t RandomBelow(uint64_t n) { return n ? RandomU64() % n : 0; }

}  // namespace skiff
