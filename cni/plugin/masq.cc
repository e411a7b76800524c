#include "cni/plugin/masq.h"

#include <unistd.h>

#include <chrono>

#include "cni/plugin/names.h"
#include "cni/spec/exec.h"

namespace skiff::cni::plugin {
namespace {

constexpr std::string_view kTable = "inet skiff_cni";

struct Family {
  int family;
  const char* set_type;
  const char* match;
  const char* suffix;
};
constexpr Family kFamilies[] = {{4, "ipv4_addr", "ip", "4"}, {6, "ipv6_addr", "ip6", "6"}};

std::string Infra(const std::string& tag) {
  std::string s = "add table " + std::string(kTable) + "\n";
  s += "add chain " + std::string(kTable) + " " + tag +
       " { type nat hook postrouting priority srcnat ; policy accept ; }\n";
  for (const Family& f : kFamilies) {
    s += "add set " + std::string(kTable) + " " + tag + "_src" + f.suffix + " { type " +
         f.set_type + " ; }\n";
    s += "add set " + std::string(kTable) + " " + tag + "_dst" + f.suffix + " { type " +
         f.set_type + " ; flags interval ; }\n";
  }
  return s;
}

std::string Elements(const std::vector<IpAddr>& ips, int family) {
  std::string out;
  for (const IpAddr& ip : ips) {
    if (ip.family != family) continue;
    out += (out.empty() ? "" : ", ") + ip.ToString();
  }
  return out;
}

Error RunNft(const std::string& script, std::string_view what) {
  std::string nft = FindNft();
  if (nft.empty()) {
    return Error(kInvalidConfig,
                 "ipMasq: nft is not installed (looked in /usr/sbin, /sbin, /usr/bin)");
  }
  ExecRequest req;
  req.path = nft;
  req.argv = {"nft", "-f", "-"};
  req.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  req.stdin_data = script;
  req.timeout = std::chrono::seconds(30);
  auto out = Exec(req);
  if (!out.ok()) return Error(kInternal, "ipMasq: " + out.status().message());
  if (out->exit_code != 0) {
    return Error(kInternal, "ipMasq: nft failed to " + std::string(what) + ": " + out->err);
  }
  return OkError();
}

}  // namespace

std::string FindNft() {
  for (const char* p : {"/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return {};
}

std::string MasqAddScript(std::string_view network, const std::vector<IpAddr>& pod_ips,
                          const std::vector<IpPrefix>& subnets) {
  std::string tag = "n" + NetworkTag(network);
  std::string s = Infra(tag);
  s += "flush chain " + std::string(kTable) + " " + tag + "\n";
  for (const Family& f : kFamilies) {
    std::string dst;
    for (const IpPrefix& p : subnets) {
      if (p.addr.family != f.family) continue;
      dst += (dst.empty() ? "" : ", ") + IpPrefix{p.Network(), p.len}.ToString();
    }
    std::string set = std::string(kTable) + " " + tag + "_dst" + f.suffix;
    s += "flush set " + set + "\n";
    if (dst.empty()) continue;
    s += "add element " + set + " { " + dst + " }\n";
    s += "add rule " + std::string(kTable) + " " + tag + " " + f.match + " saddr @" + tag + "_src" +
         f.suffix + " " + f.match + " daddr != @" + tag + "_dst" + f.suffix + " masquerade\n";
  }
  for (const Family& f : kFamilies) {
    std::string elems = Elements(pod_ips, f.family);
    if (elems.empty()) continue;
    s += "add element " + std::string(kTable) + " " + tag + "_src" + f.suffix + " { " + elems +
         " }\n";
  }
  return s;
}

std::string MasqDelScript(std::string_view network, const std::vector<IpAddr>& pod_ips,
                          bool last_pod) {
  std::string tag = "n" + NetworkTag(network);
  // Creating first makes every delete below valid even when nothing existed.
  std::string s = Infra(tag);
  for (const Family& f : kFamilies) {
    std::string elems = Elements(pod_ips, f.family);
    if (elems.empty()) continue;
    std::string set = std::string(kTable) + " " + tag + "_src" + f.suffix;
    s += "add element " + set + " { " + elems + " }\n";
    s += "delete element " + set + " { " + elems + " }\n";
  }
  if (last_pod) {
    s += "flush chain " + std::string(kTable) + " " + tag + "\n";
    s += "delete chain " + std::string(kTable) + " " + tag + "\n";
    for (const Family& f : kFamilies) {
      s += "delete set " + std::string(kTable) + " " + tag + "_src" + f.suffix + "\n";
      s += "delete set " + std::string(kTable) + " " + tag + "_dst" + f.suffix + "\n";
    }
  }
  return s;
}

Error MasqAdd(std::string_view network, const std::vector<IpAddr>& pod_ips,
              const std::vector<IpPrefix>& subnets) {
  return RunNft(MasqAddScript(network, pod_ips, subnets), "add masquerading");
}

Error MasqDel(std::string_view network, const std::vector<IpAddr>& pod_ips, bool last_pod) {
  return RunNft(MasqDelScript(network, pod_ips, last_pod), "remove masquerading");
}

}  // namespace skiff::cni::plugin
