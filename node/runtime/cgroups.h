// cgroups for pods and containers on cgroup v1, v2 and hybrid hosts.
//
// A cgroup is named by a path relative to each hierarchy's mount point
// ("skiff/pod<uid>/<container>"). On a v2-only host that is one directory
// under the cgroup2 mount, with cpu/memory/pids enabled in the parents'
// cgroup.subtree_control. On a v1 or hybrid host it is one directory in each
// of the cpu, cpuacct, memory and pids hierarchies that are mounted, plus one
// in the cgroup2 hierarchy when that is mounted too (hybrid): there it only
// tracks membership and gives an atomic cgroup.kill.
//
// Limits: cpu limit -> cfs quota/period (cpu.max), cpu request -> shares
// (cpu.weight), memory limit -> memory.limit_in_bytes (memory.max), pids.
// Thread-safety: the driver is immutable after Detect(); operations on
// different cgroups may run concurrently.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace skiff::node {

struct CgroupResources {
  // CFS bandwidth: quota per period, microseconds. Unset: unlimited.
  std::optional<int64_t> cpu_quota_us;
  int64_t cpu_period_us = 100000;
  // v1 shares (2..262144); converted to cpu.weight on v2. Unset: default.
  std::optional<uint64_t> cpu_shares;
  std::optional<int64_t> memory_limit_bytes;
  std::optional<int64_t> pids_limit;
};

// Kubernetes' mapping: shares = max(2, milli * 1024 / 1000); quota = milli *
// period / 1000 (at least 1 ms). 0 means "not set" for each argument.
CgroupResources ResourcesFromMilliCpu(int64_t cpu_request_milli, int64_t cpu_limit_milli,
                                      int64_t memory_limit_bytes);
// v1 shares to v2 weight (1..10000), as runc converts them.
uint64_t SharesToWeight(uint64_t shares);

struct CgroupStats {
  bool has_cpu = false;
  uint64_t cpu_usage_ns = 0;
  bool has_memory = false;
  uint64_t memory_usage_bytes = 0;
  uint64_t memory_working_set_bytes = 0;  // usage minus inactive file cache
  uint64_t memory_rss_bytes = 0;
  uint64_t oom_kills = 0;
  bool has_pids = false;
  uint64_t pids = 0;
};

class CgroupDriver {
 public:
  // Finds the cgroup mounts in /proc/self/mountinfo. FAILED_PRECONDITION when
  // neither a cgroup2 mount nor v1 cpu and memory hierarchies are mounted.
  static Result<CgroupDriver> Detect();
  // For tests: explicit mounts (controller -> mount point; "" -> cgroup2).
  static CgroupDriver FromMounts(std::map<std::string, std::string> v1, std::string unified);

  // True on a v2-only host (resource control through the cgroup2 mount).
  bool v2() const { return v1_.empty(); }
  std::string Describe() const;  // "cgroup v2 at /sys/fs/cgroup" / "cgroup v1 (...)"

  // Creates `rel` in every hierarchy (parents too). With `parent_of_leaves`,
  // v2 controllers are enabled for its children.
  Status Create(const std::string& rel, bool parent_of_leaves) const;
  Status Apply(const std::string& rel, const CgroupResources& r) const;
  // The cgroup.procs files a process writes "0" into to join `rel`.
  std::vector<std::string> ProcsFiles(const std::string& rel) const;
  std::vector<pid_t> Pids(const std::string& rel) const;
  bool Exists(const std::string& rel) const;
  // Kills every process in `rel` and its children (cgroup.kill where the
  // kernel has it, else SIGKILL until empty, up to about a second).
  Status KillAll(const std::string& rel) const;
  // Removes `rel` and its children (deepest first). A cgroup that still has
  // processes after KillAll is FAILED_PRECONDITION naming it.
  Status Remove(const std::string& rel) const;
  // Child cgroup names of `rel`.
  std::vector<std::string> Children(const std::string& rel) const;
  CgroupStats Stats(const std::string& rel) const;

 private:
  std::vector<std::string> Dirs(const std::string& rel) const;  // every hierarchy, deduplicated
  std::string Dir(const std::string& controller, const std::string& rel) const;

  std::map<std::string, std::string> v1_;  // controller -> mount point
  std::string unified_;                    // cgroup2 mount ("" when none)
};

}  // namespace skiff::node
