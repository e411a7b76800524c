// DPDK EAL start-up: turns DpdkOptions into EAL arguments (lcore map,
// memory, hugepages or --no-huge, vdevs / allowed PCI devices) and
// initialises EAL once per process. Errors name the option to change.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "dataplane/dpdk/options.h"

namespace skiff::dataplane::dpdk {

// CPUs this process may run on (sched_getaffinity), ascending.
std::vector<int> AllowedCpus();
// "0@(a,b,...)": EAL lcore 0 (the main lcore: control threads) floating
// over every allowed CPU, so EAL does not pin the calling thread.
std::string MainLcoreMapping();

struct HugepageInfo {
  uint64_t total = 0, free = 0;  // 2 MiB pages (HugePages_* of /proc/meminfo)
  uint64_t page_kb = 2048;
};
HugepageInfo ReadHugepages();

struct EalPlan {
  std::vector<std::string> args;
  bool no_huge = false;
  std::vector<std::string> warnings;  // e.g. "no hugepages reserved: running with --no-huge"
  std::vector<int> worker_cpus;       // lcore i + 1 runs on worker_cpus[i]
};
// The EAL arguments for `o`. FAILED_PRECONDITION naming --dpdk-hugepages
// when hugepages are required but not reserved; INVALID_ARGUMENT naming
// --dpdk-lcores for CPUs this process may not use.
Result<EalPlan> PlanEal(const DpdkOptions& o, const HugepageInfo& huge,
                        const std::vector<int>& allowed);

// rte_eal_init with `args` (args[0] is the program name). Once per process:
// a second call returns FAILED_PRECONDITION. UNAVAILABLE with DPDK's reason.
Status InitEalArgs(const std::vector<std::string>& args);
bool EalInitialized();
// rte_eal_cleanup() and removal of this process's /var/run/dpdk/<prefix>
// directory (from --file-prefix). Call once at exit, after every DPDK
// object is released.
void CleanupEal();
void RemoveRuntimeDir();

}  // namespace skiff::dataplane::dpdk
