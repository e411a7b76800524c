#include "cni/plugin/names.h"

#include <cstdint>
#include <cstdio>

namespace skiff::cni::plugin {
namespace {

uint64_t Fnv1a(std::string_view a, std::string_view b) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
  };
  mix(a);
  mix("/");
  mix(b);
  return h;
}

}  // namespace

std::string HostVethName(std::string_view container_id, std::string_view ifname) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "skf%016llx",
                static_cast<unsigned long long>(Fnv1a(container_id, ifname)));
  return std::string(buf, 14);
}

std::string NetworkTag(std::string_view network) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(Fnv1a(network, "skiff-cni")));
  return std::string(buf, 8);
}

}  // namespace skiff::cni::plugin
