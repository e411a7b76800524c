#include "dataplane/dpdk/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>

#include <atomic>
#include <filesystem>

namespace skiff::dataplane::dpdk {
namespace {
std::atomic<bool> g_eal_done{false};
std::string g_runtime_dir;
}  // namespace

Status InitEalArgs(const std::vector<std::string>& args) {
  if (g_eal_done.exchange(true))
    return FailedPrecondition("DPDK EAL is already initialised in this process");
  for (const auto& a : args)
    if (a.rfind("--file-prefix=", 0) == 0) g_runtime_dir = "/var/run/dpdk/" + a.substr(14);
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = rte_eal_init(static_cast<int>(copy.size()), argv.data());
  if (rc < 0) {
    std::string all;
    for (const auto& a : args)
      all += " " + a;
    RemoveRuntimeDir();
    return Unavailable(std::string("DPDK EAL initialisation failed: ") + rte_strerror(rte_errno) +
                       " (arguments:" + all +
                       "); check --dpdk-port devices, --dpdk-lcores, --dpdk-memory-mb and "
                       "--dpdk-hugepages");
  }
  return Status::Ok();
}

void RemoveRuntimeDir() {
  if (g_runtime_dir.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(g_runtime_dir, ec);
}

void CleanupEal() {
  if (!g_eal_done.load()) return;
  rte_eal_cleanup();
  RemoveRuntimeDir();
}

bool EalInitialized() {
  return g_eal_done.load();
}

}  // namespace skiff::dataplane::dpdk
