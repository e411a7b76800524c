#include "node/pod/pod_files.h"

#include <algorithm>
#include <sstream>

namespace skiff::node {
namespace {

constexpr size_t kMaxNameservers = 3;
constexpr size_t kMaxSearches = 32;

void AppendUnique(std::vector<std::string>* v, const std::string& s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
}

std::string OptionName(const std::string& opt) {
  return opt.substr(0, opt.find(':'));
}

// Options by name: a later option with the same name replaces the earlier.
void MergeOption(std::vector<std::string>* opts, const std::string& opt) {
  std::string name = OptionName(opt);
  for (auto& o : *opts) {
    if (OptionName(o) == name) {
      o = opt;
      return;
    }
  }
  opts->push_back(opt);
}

}  // namespace

ResolvConf ParseResolvConf(const std::string& text) {
  ResolvConf rc;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t hash = line.find_first_of("#;");
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string key, value;
    if (!(fields >> key)) continue;
    if (key == "nameserver") {
      if (fields >> value) rc.nameservers.push_back(value);
    } else if (key == "search" || key == "domain") {
      rc.searches.clear();  // the last search/domain line wins
      while (fields >> value)
        rc.searches.push_back(value);
    } else if (key == "options") {
      while (fields >> value)
        MergeOption(&rc.options, value);
    }
  }
  return rc;
}

std::string FormatResolvConf(const ResolvConf& rc) {
  std::string out;
  if (!rc.searches.empty()) {
    out += "search";
    for (const auto& s : rc.searches)
      out += " " + s;
    out += "\n";
  }
  for (const auto& n : rc.nameservers)
    out += "nameserver " + n + "\n";
  if (!rc.options.empty()) {
    out += "options";
    for (const auto& o : rc.options)
      out += " " + o;
    out += "\n";
  }
  return out;
}

ResolvConf PodResolvConf(const api::Pod& pod, const DnsSettings& s,
                         std::vector<std::string>* warnings) {
  std::string policy = pod.spec().dns_policy().empty() ? "ClusterFirst" : pod.spec().dns_policy();
  bool cluster = false;
  if (policy == "ClusterFirstWithHostNet") cluster = true;
  if (policy == "ClusterFirst") cluster = !pod.spec().host_network();
  if (cluster && s.cluster_dns.empty()) {
    if (warnings) {
      warnings->push_back(
          "kubelet does not have ClusterDNS IP configured and cannot create Pod using \"" + policy +
          "\" policy. Falling back to \"Default\" policy.");
    }
    cluster = false;
  }
  ResolvConf rc;
  if (policy == "None") {
    // Only what dnsConfig says.
  } else if (cluster) {
    rc.nameservers = s.cluster_dns;
    const std::string& ns = pod.metadata().namespace_();
    rc.searches = {ns + ".svc." + s.cluster_domain, "svc." + s.cluster_domain, s.cluster_domain};
    for (const auto& h : s.host.searches)
      AppendUnique(&rc.searches, h);
    rc.options = {"ndots:5"};
  } else {
    rc = s.host;
  }
  if (pod.spec().has_dns_config()) {
    const auto& dc = pod.spec().dns_config();
    for (const auto& n : dc.nameservers())
      AppendUnique(&rc.nameservers, n);
    for (const auto& d : dc.searches())
      AppendUnique(&rc.searches, d);
    for (const auto& o : dc.options()) {
      MergeOption(&rc.options, o.has_value() ? o.name() + ":" + o.value() : o.name());
    }
  }
  if (rc.nameservers.size() > kMaxNameservers) {
    if (warnings) {
      warnings->push_back("Nameserver limits were exceeded, some nameservers have been omitted");
    }
    rc.nameservers.resize(kMaxNameservers);
  }
  if (rc.searches.size() > kMaxSearches) {
    if (warnings) {
      warnings->push_back("Search Line limits were exceeded, some search paths have been omitted");
    }
    rc.searches.resize(kMaxSearches);
  }
  return rc;
}

std::string PodHostname(const api::Pod& pod) {
  std::string h = pod.spec().hostname().empty() ? pod.metadata().name() : pod.spec().hostname();
  if (h.size() > 63) {
    h.resize(63);
    while (!h.empty() && (h.back() == '-' || h.back() == '.'))
      h.pop_back();
  }
  return h;
}

std::string PodHostsFile(const api::Pod& pod, const std::vector<std::string>& pod_ips,
                         const std::string& cluster_domain, const std::string& node_hosts) {
  std::string out;
  if (pod.spec().host_network()) {
    out = "# Kubernetes-managed hosts file (host network).\n" + node_hosts;
    if (!out.empty() && out.back() != '\n') out += '\n';
  } else {
    out =
        "# Kubernetes-managed hosts file.\n"
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\n"
        "fe00::0\tip6-mcastprefix\n"
        "fe00::1\tip6-allnodes\n"
        "fe00::2\tip6-allrouters\n";
    std::string host = PodHostname(pod);
    for (const auto& ip : pod_ips) {
      if (pod.spec().subdomain().empty()) {
        out += ip + "\t" + host + "\n";
      } else {
        out += ip + "\t" + host + "." + pod.spec().subdomain() + "." + pod.metadata().namespace_() +
               ".svc." + cluster_domain + "\t" + host + "\n";
      }
    }
  }
  if (pod.spec().host_aliases_size() > 0) {
    out += "\n# Entries added by HostAliases.\n";
    for (const auto& a : pod.spec().host_aliases()) {
      out += a.ip();
      for (const auto& h : a.hostnames())
        out += "\t" + h;
      out += "\n";
    }
  }
  return out;
}

}  // namespace skiff::node
