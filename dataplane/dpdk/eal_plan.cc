#include "dataplane/dpdk/eal.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace skiff::dataplane::dpdk {
namespace {
std::string Join(const std::vector<int>& v) {
  std::string s;
  for (int c : v)
    s += (s.empty() ? "" : ",") + std::to_string(c);
  return s;
}
}  // namespace

std::vector<int> AllowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> out;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return {0};
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) out.push_back(c);
  return out;
}

std::string MainLcoreMapping() {
  return "0@(" + Join(AllowedCpus()) + ")";
}

HugepageInfo ReadHugepages() {
  HugepageInfo h;
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t value;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    if (!(ls >> key >> value)) continue;
    if (key == "HugePages_Total:") h.total = value;
    if (key == "HugePages_Free:") h.free = value;
    if (key == "Hugepagesize:") h.page_kb = value;
  }
  return h;
}

Result<EalPlan> PlanEal(const DpdkOptions& o, const HugepageInfo& huge,
                        const std::vector<int>& allowed) {
  EalPlan plan;
  plan.worker_cpus = o.worker_cpus;
  if (plan.worker_cpus.empty()) plan.worker_cpus = {allowed.empty() ? 0 : allowed.back()};
  for (int c : plan.worker_cpus)
    if (std::find(allowed.begin(), allowed.end(), c) == allowed.end())
      return InvalidArgument("--dpdk-lcores: CPU " + std::to_string(c) +
                             " is not in this process's CPU affinity (" + Join(allowed) + ")");
  std::string lcores = "0@(" + Join(allowed) + ")";
  for (size_t i = 0; i < plan.worker_cpus.size(); ++i)
    lcores += "," + std::to_string(i + 1) + "@" + std::to_string(plan.worker_cpus[i]);

  uint64_t need_pages = (uint64_t{o.memory_mb} * 1024 + huge.page_kb - 1) / huge.page_kb;
  bool have_huge = huge.free >= need_pages && huge.free > 0;
  switch (o.hugepages) {
    case HugepageMode::kOn:
      if (!have_huge)
        return FailedPrecondition("--dpdk-hugepages=on: " + std::to_string(need_pages) +
                                  " free hugepages of " + std::to_string(huge.page_kb) +
                                  " kB needed for --dpdk-memory-mb=" + std::to_string(o.memory_mb) +
                                  ", " + std::to_string(huge.free) +
                                  " free; reserve them (echo N > /proc/sys/vm/nr_hugepages), lower "
                                  "--dpdk-memory-mb, or use --dpdk-hugepages=auto|off");
      break;
    case HugepageMode::kOff:
      plan.no_huge = true;
      break;
    case HugepageMode::kAuto:
      if (!have_huge) {
        plan.no_huge = true;
        plan.warnings.push_back(
            "only " + std::to_string(huge.free) + " free hugepages (" + std::to_string(need_pages) +
            " needed): running with --no-huge (slower, no DMA for real NICs); reserve "
            "hugepages and pass --dpdk-hugepages=on for production");
      }
      break;
  }
  plan.args = {"skiff-proxy",
               "--lcores=" + lcores,
               "--main-lcore=0",
               "-m",
               std::to_string(o.memory_mb),
               "--log-level=*:warning",
               "--file-prefix=skiff-" + std::to_string(getpid())};
  // No files in hugetlbfs or /var/run/dpdk survive the process, even when
  // it is killed: --in-memory with hugepages (--no-huge allows only
  // --no-shconf), no telemetry socket, and the runtime directory EAL still
  // creates is removed right after start-up (nothing uses it then).
  if (plan.no_huge) {
    plan.args.push_back("--no-huge");
    plan.args.push_back("--no-shconf");
  } else {
    plan.args.push_back("--in-memory");
  }
  bool any_pci = false;
  for (const auto& port : o.ports) {
    const PortOptions* p = &port;
    if (p->devargs.rfind("net_", 0) == 0) {
      plan.args.push_back("--vdev=" + p->devargs);
    } else {
      plan.args.push_back("--allow=" + p->devargs);
      any_pci = true;
    }
  }
  if (!o.exception_port.empty()) plan.args.push_back("--vdev=" + o.exception_port);
  if (!any_pci) plan.args.push_back("--no-pci");
  for (const auto& a : o.extra_eal_args)
    plan.args.push_back(a);
  return plan;
}

}  // namespace skiff::dataplane::dpdk
