#include "node/agent/machine.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

int64_t MeminfoBytes(const std::string& key) {
  auto text = ReadFile("/proc/meminfo");
  if (!text.ok()) return -1;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      return std::strtoll(line.c_str() + key.size() + 1, nullptr, 10) * 1024;
    }
  }
  return -1;
}

std::string Trimmed(const std::string& path) {
  auto t = ReadFile(path);
  if (!t.ok()) return "";
  std::string s = *t;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

std::string GoArch(const std::string& machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine == "armv7l" || machine == "armv6l") return "arm";
  if (machine == "i686" || machine == "i386") return "386";
  if (machine == "ppc64le") return "ppc64le";
  if (machine == "s390x") return "s390x";
  if (machine == "riscv64") return "riscv64";
  return machine;
}

std::string AddressOf(const std::string& iface, int family) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string out;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != family || iface != a->ifa_name) continue;
    char buf[INET6_ADDRSTRLEN];
    const void* src =
        family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr);
    if (!inet_ntop(family, src, buf, sizeof buf)) continue;
    std::string ip = buf;
    if (family == AF_INET6 && ip.rfind("fe80", 0) == 0) continue;
    out = ip;
    break;
  }
  freeifaddrs(list);
  return out;
}

}  // namespace

MachineInfo ReadMachineInfo(const std::string& root_dir) {
  MachineInfo m;
  m.cpu_milli = static_cast<int64_t>(get_nprocs()) * 1000;
  m.memory_bytes = MeminfoBytes("MemTotal");
  struct statvfs fs;
  std::string dir = root_dir;
  while (!dir.empty() && statvfs(dir.c_str(), &fs) != 0)
    dir = dir.substr(0, dir.rfind('/'));
  if (statvfs(dir.empty() ? "/" : dir.c_str(), &fs) == 0) {
    m.ephemeral_bytes = static_cast<int64_t>(fs.f_blocks) * static_cast<int64_t>(fs.f_frsize);
  }
  utsname u{};
  uname(&u);
  m.kernel_version = u.release;
  m.architecture = GoArch(u.machine);
  m.os_image = "Linux";
  auto os = ReadFile("/etc/os-release");
  if (os.ok()) {
    std::istringstream in(*os);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("PRETTY_NAME=", 0) == 0) {
        std::string v = line.substr(12);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        m.os_image = v;
      }
    }
  }
  m.machine_id = Trimmed("/etc/machine-id");
  m.boot_id = Trimmed("/proc/sys/kernel/random/boot_id");
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  m.hostname = host;
  return m;
}

Result<std::string> DefaultRouteAddress() {
  auto routes = ReadFile("/proc/net/route");
  if (routes.ok()) {
    std::istringstream in(*routes);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string iface, dest;
      if ((f >> iface >> dest) && dest == "00000000") {
        std::string ip = AddressOf(iface, AF_INET);
        if (!ip.empty()) return ip;
      }
    }
  }
  auto routes6 = ReadFile("/proc/net/ipv6_route");
  if (routes6.ok()) {
    std::istringstream in(*routes6);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::vector<std::string> cols;
      std::string c;
      while (f >> c)
        cols.push_back(c);
      if (cols.size() >= 10 && cols[0] == std::string(32, '0') && cols[1] == "00" &&
          cols[9] != "lo") {
        std::string ip = AddressOf(cols[9], AF_INET6);
        if (!ip.empty()) return ip;
      }
    }
  }
  return NotFound("no default route: pass --node-ip");
}

Pressure ReadPressure(const std::string& root_dir) {
  Pressure p;
  p.memory_available_bytes = MeminfoBytes("MemAvailable");
  struct statvfs fs;
  std::string dir = root_dir;
  while (!dir.empty() && statvfs(dir.c_str(), &fs) != 0)
    dir = dir.substr(0, dir.rfind('/'));
  if (statvfs(dir.empty() ? "/" : dir.c_str(), &fs) == 0) {
    p.disk_available_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
    p.disk_total_bytes = static_cast<int64_t>(fs.f_blocks) * static_cast<int64_t>(fs.f_frsize);
  }
  struct sysinfo si {};
  if (sysinfo(&si) == 0) p.pids_in_use = si.procs;
  std::string max = Trimmed("/proc/sys/kernel/pid_max");
  if (!max.empty()) p.pid_max = std::atoll(max.c_str());
  return p;
}

}  // namespace skiff::node
