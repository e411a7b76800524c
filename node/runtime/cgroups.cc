#include "node/runtime/cgroups.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>
#include <thread>

#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

const char* const kControllers[] = {"cpu", "cpuacct", "memory", "pids"};

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep))
    out.push_back(cur);
  return out;
}

// "key value" lines (memory.stat, cpu.stat, memory.events): the value of `key`.
std::optional<uint64_t> KeyedValue(const std::string& text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ') {
      return std::strtoull(std::string(line.substr(key.size() + 1)).c_str(), nullptr, 10);
    }
    pos = eol + 1;
  }
  return std::nullopt;
}

// WriteKnob for a knob that may not exist: true when written, false when
// absent (no stat first: on cgroupfs the lookup is the expensive part).
Result<bool> WriteKnobIfPresent(const std::string& path, std::string_view value) {
  Status st = WriteKnob(path, value);
  if (st.ok()) return true;
  if (st.code() == StatusCode::kNotFound) return false;
  return st;
}

std::optional<uint64_t> ReadNumber(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return std::nullopt;
  return std::strtoull(text->c_str(), nullptr, 10);
}

}  // namespace

CgroupResources ResourcesFromMilliCpu(int64_t cpu_request_milli, int64_t cpu_limit_milli,
                                      int64_t memory_limit_bytes) {
  CgroupResources r;
  if (cpu_request_milli > 0) {
    r.cpu_shares = std::max<uint64_t>(2, static_cast<uint64_t>(cpu_request_milli) * 1024 / 1000);
    r.cpu_shares = std::min<uint64_t>(*r.cpu_shares, 262144);
  }
  if (cpu_limit_milli > 0) {
    r.cpu_quota_us = std::max<int64_t>(1000, cpu_limit_milli * r.cpu_period_us / 1000);
  }
  if (memory_limit_bytes > 0) r.memory_limit_bytes = memory_limit_bytes;
  return r;
}

uint64_t SharesToWeight(uint64_t shares) {
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

Result<CgroupDriver> CgroupDriver::Detect() {
  auto info = ReadFile("/proc/self/mountinfo");
  if (!info.ok()) return info.status();
  CgroupDriver d;
  for (const std::string& line : Split(*info, '\n')) {
    // id parent major:minor root mountpoint opts [optional...] - fstype source superopts
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto pre = Split(line.substr(0, dash), ' ');
    auto post = Split(line.substr(dash + 3), ' ');
    if (pre.size() < 5 || post.size() < 3) continue;
    const std::string& root = pre[3];
    const std::string& mnt = pre[4];
    if (root != "/") continue;  // a bind of a sub-cgroup: not a hierarchy root
    if (post[0] == "cgroup2") {
      if (d.unified_.empty()) d.unified_ = mnt;
    } else if (post[0] == "cgroup") {
      for (const std::string& opt : Split(post[2], ',')) {
        for (const char* c : kControllers) {
          if (opt == c && !d.v1_.count(c)) d.v1_[c] = mnt;
        }
      }
    }
  }
  if (!d.v1_.empty() && (!d.v1_.count("cpu") || !d.v1_.count("memory"))) {
    return FailedPrecondition("cgroup v1 hierarchies for cpu and memory are not both mounted");
  }
  if (d.v1_.empty() && d.unified_.empty()) {
    return FailedPrecondition("no cgroup filesystem is mounted (looked in /proc/self/mountinfo)");
  }
  return d;
}

CgroupDriver CgroupDriver::FromMounts(std::map<std::string, std::string> v1, std::string unified) {
  CgroupDriver d;
  d.v1_ = std::move(v1);
  d.unified_ = std::move(unified);
  return d;
}

std::string CgroupDriver::Describe() const {
  if (v2()) return "cgroup v2 at " + unified_;
  std::string out = "cgroup v1 (";
  bool first = true;
  for (const auto& [c, m] : v1_) {
    out += (first ? "" : ", ") + c + " at " + m;
    first = false;
  }
  out += ")";
  if (!unified_.empty()) out += " + cgroup2 at " + unified_;
  return out;
}

std::string CgroupDriver::Dir(const std::string& controller, const std::string& rel) const {
  if (v2()) return unified_ + "/" + rel;
  auto it = v1_.find(controller);
  return it == v1_.end() ? std::string() : it->second + "/" + rel;
}

std::vector<std::string> CgroupDriver::Dirs(const std::string& rel) const {
  std::vector<std::string> out;
  std::set<std::string> mounts;
  for (const auto& [c, m] : v1_)
    mounts.insert(m);
  if (!unified_.empty()) mounts.insert(unified_);
  for (const auto& m : mounts)
    out.push_back(m + "/" + rel);
  return out;
}

Status CgroupDriver::Create(const std::string& rel, bool parent_of_leaves) const {
  for (const auto& dir : Dirs(rel))
    SKIFF_RETURN_IF_ERROR(MakeDirs(dir));
  if (!v2()) return Status::Ok();
  // Enable the controllers on the way down, including `rel` itself when its
  // children need them. Controllers the parent lacks are skipped.
  std::vector<std::string> parts = Split(rel, '/');
  std::string dir = unified_;
  size_t levels = parts.size() + (parent_of_leaves ? 1 : 0);
  for (size_t i = 0; i < levels; ++i) {
    auto avail = ReadFile(dir + "/cgroup.controllers");
    auto enabled = ReadFile(dir + "/cgroup.subtree_control");
    if (avail.ok()) {
      for (const char* c : {"cpu", "memory", "pids"}) {
        auto names = Split(*avail, ' ');
        for (auto& n : names)
          n.erase(std::remove(n.begin(), n.end(), '\n'), n.end());
        if (std::find(names.begin(), names.end(), c) == names.end()) continue;
        if (enabled.ok() && enabled->find(c) != std::string::npos) continue;
        Status st = WriteKnob(dir + "/cgroup.subtree_control", std::string("+") + c);
        if (!st.ok()) return st.WithContext("enabling cgroup controllers");
      }
    }
    if (i < parts.size()) dir += "/" + parts[i];
  }
  return Status::Ok();
}

Status CgroupDriver::Apply(const std::string& rel, const CgroupResources& r) const {
  if (v2()) {
    std::string d = unified_ + "/" + rel;
    std::string quota = r.cpu_quota_us ? std::to_string(*r.cpu_quota_us) : "max";
    // A knob is absent when its controller is not enabled here: skipped.
    SKIFF_RETURN_IF_ERROR(
        WriteKnobIfPresent(d + "/cpu.max", quota + " " + std::to_string(r.cpu_period_us)).status());
    if (r.cpu_shares) {
      SKIFF_RETURN_IF_ERROR(
          WriteKnobIfPresent(d + "/cpu.weight", std::to_string(SharesToWeight(*r.cpu_shares)))
              .status());
    }
    auto present = WriteKnobIfPresent(
        d + "/memory.max", r.memory_limit_bytes ? std::to_string(*r.memory_limit_bytes) : "max");
    if (!present.ok()) return present.status();
    // Without swap accounting a limit would only push pages to swap.
    if (*present && r.memory_limit_bytes) {
      SKIFF_RETURN_IF_ERROR(WriteKnobIfPresent(d + "/memory.swap.max", "0").status());
    }
    SKIFF_RETURN_IF_ERROR(
        WriteKnobIfPresent(d + "/pids.max", r.pids_limit ? std::to_string(*r.pids_limit) : "max")
            .status());
    return Status::Ok();
  }
  std::string cpu = Dir("cpu", rel);
  if (!cpu.empty()) {
    SKIFF_RETURN_IF_ERROR(WriteKnob(cpu + "/cpu.cfs_period_us", std::to_string(r.cpu_period_us)));
    SKIFF_RETURN_IF_ERROR(WriteKnob(cpu + "/cpu.cfs_quota_us",
                                    r.cpu_quota_us ? std::to_string(*r.cpu_quota_us) : "-1"));
    SKIFF_RETURN_IF_ERROR(
        WriteKnob(cpu + "/cpu.shares", std::to_string(r.cpu_shares ? *r.cpu_shares : 1024)));
  }
  std::string mem = Dir("memory", rel);
  if (!mem.empty()) {
    SKIFF_RETURN_IF_ERROR(WriteKnob(
        mem + "/memory.limit_in_bytes",
        r.memory_limit_bytes ? std::to_string(*r.memory_limit_bytes) : std::string("-1")));
    if (r.memory_limit_bytes && PathExists(mem + "/memory.swappiness")) {
      // Best effort: keep the container's pages out of swap like v2's swap.max=0.
      (void)WriteKnob(mem + "/memory.swappiness", "0");
    }
  }
  std::string pids = Dir("pids", rel);
  if (!pids.empty() && PathExists(pids + "/pids.max")) {
    SKIFF_RETURN_IF_ERROR(
        WriteKnob(pids + "/pids.max", r.pids_limit ? std::to_string(*r.pids_limit) : "max"));
  }
  return Status::Ok();
}

std::vector<std::string> CgroupDriver::ProcsFiles(const std::string& rel) const {
  std::vector<std::string> out;
  for (const auto& d : Dirs(rel))
    out.push_back(d + "/cgroup.procs");
  return out;
}

bool CgroupDriver::Exists(const std::string& rel) const {
  for (const auto& d : Dirs(rel)) {
    if (PathExists(d)) return true;
  }
  return false;
}

std::vector<pid_t> CgroupDriver::Pids(const std::string& rel) const {
  std::set<pid_t> pids;
  std::vector<std::string> dirs = Dirs(rel);
  // Children first: a process sits in exactly one cgroup per hierarchy.
  for (const auto& child : Children(rel)) {
    for (pid_t p : Pids(rel + "/" + child))
      pids.insert(p);
  }
  for (const auto& d : dirs) {
    auto text = ReadFile(d + "/cgroup.procs");
    if (!text.ok()) continue;
    for (const auto& line : Split(*text, '\n')) {
      if (!line.empty()) pids.insert(static_cast<pid_t>(std::atoi(line.c_str())));
    }
  }
  return {pids.begin(), pids.end()};
}

Status CgroupDriver::KillAll(const std::string& rel) const {
  if (!unified_.empty() && PathExists(unified_ + "/" + rel + "/cgroup.kill")) {
    (void)WriteKnob(unified_ + "/" + rel + "/cgroup.kill", "1");
  }
  for (int round = 0; round < 50; ++round) {
    std::vector<pid_t> pids = Pids(rel);
    if (pids.empty()) return Status::Ok();
    for (pid_t p : pids)
      kill(p, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return FailedPrecondition("processes survive SIGKILL in cgroup " + rel);
}

std::vector<std::string> CgroupDriver::Children(const std::string& rel) const {
  std::set<std::string> names;
  for (const auto& d : Dirs(rel)) {
    for (const auto& e : ListDir(d)) {
      struct stat st;
      if (stat((d + "/" + e).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) names.insert(e);
    }
  }
  return {names.begin(), names.end()};
}

Status CgroupDriver::Remove(const std::string& rel) const {
  for (const auto& child : Children(rel))
    SKIFF_RETURN_IF_ERROR(Remove(rel + "/" + child));
  for (const auto& d : Dirs(rel)) {
    // A process that just died may still be accounted for a moment.
    for (int attempt = 0;; ++attempt) {
      if (rmdir(d.c_str()) == 0 || errno == ENOENT) break;
      if (errno != EBUSY || attempt >= 50) return ErrnoStatus("remove cgroup", d, errno);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return Status::Ok();
}

CgroupStats CgroupDriver::Stats(const std::string& rel) const {
  CgroupStats s;
  if (v2()) {
    std::string d = unified_ + "/" + rel;
    if (auto t = ReadFile(d + "/cpu.stat"); t.ok()) {
      if (auto u = KeyedValue(*t, "usage_usec")) {
        s.has_cpu = true;
        s.cpu_usage_ns = *u * 1000;
      }
    }
    if (auto cur = ReadNumber(d + "/memory.current")) {
      s.has_memory = true;
      s.memory_usage_bytes = *cur;
      auto stat = ReadFile(d + "/memory.stat");
      uint64_t inactive = stat.ok() ? KeyedValue(*stat, "inactive_file").value_or(0) : 0;
      s.memory_working_set_bytes = *cur > inactive ? *cur - inactive : 0;
      s.memory_rss_bytes = stat.ok() ? KeyedValue(*stat, "anon").value_or(0) : 0;
    }
    if (auto ev = ReadFile(d + "/memory.events"); ev.ok()) {
      s.oom_kills = KeyedValue(*ev, "oom_kill").value_or(0);
    }
    if (auto p = ReadNumber(d + "/pids.current")) {
      s.has_pids = true;
      s.pids = *p;
    }
    return s;
  }
  if (std::string d = Dir("cpuacct", rel); !d.empty()) {
    if (auto u = ReadNumber(d + "/cpuacct.usage")) {
      s.has_cpu = true;
      s.cpu_usage_ns = *u;
    }
  }
  if (std::string d = Dir("memory", rel); !d.empty()) {
    if (auto cur = ReadNumber(d + "/memory.usage_in_bytes")) {
      s.has_memory = true;
      s.memory_usage_bytes = *cur;
      auto stat = ReadFile(d + "/memory.stat");
      uint64_t inactive = stat.ok() ? KeyedValue(*stat, "total_inactive_file").value_or(0) : 0;
      s.memory_working_set_bytes = *cur > inactive ? *cur - inactive : 0;
      s.memory_rss_bytes = stat.ok() ? KeyedValue(*stat, "total_rss").value_or(0) : 0;
    }
    if (auto oc = ReadFile(d + "/memory.oom_control"); oc.ok()) {
      s.oom_kills = KeyedValue(*oc, "oom_kill").value_or(0);
    }
  }
  if (std::string d = Dir("pids", rel); !d.empty()) {
    if (auto p = ReadNumber(d + "/pids.current")) {
      s.has_pids = true;
      s.pids = *p;
    }
  }
  return s;
}

}  // namespace skiff::node
