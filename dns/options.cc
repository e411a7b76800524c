#include "dns/options.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <set>
#include <sstream>

namespace skiff::dns {
namespace {

using Setter = std::function<Status(Options&, const std::string&)>;

struct Flag {
  const char* name;
  const char* arg;  // "" for booleans
  const char* help;
  Setter set;
  bool list = false;  // repeatable / comma-separated; YAML may give a sequence
};

template <typename T>
Status ParseInt(const std::string& flag, const std::string& v, T lo, T hi, T* out) {
  long long x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size() || x < static_cast<long long>(lo) ||
      x > static_cast<long long>(hi)) {
    return InvalidArgument(flag + ": \"" + v + "\" is not an integer in [" + std::to_string(lo) +
                           ", " + std::to_string(hi) + "]");
  }
  *out = static_cast<T>(x);
  return Status::Ok();
}

Status ParseBool(const std::string& flag, const std::string& v, bool* out) {
  if (v == "true" || v == "1" || v == "yes" || v.empty()) {
    *out = true;
  } else if (v == "false" || v == "0" || v == "no") {
    *out = false;
  } else {
    return InvalidArgument(flag + ": \"" + v + "\" is not true or false");
  }
  return Status::Ok();
}

std::vector<std::string> SplitComma(const std::string& v) {
  std::vector<std::string> out;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

const std::vector<Flag>& Flags() {
  static const std::vector<Flag> flags = {
      {"config", "FILE", "API server connection (admin.conf): watch Services, EndpointSlices, Pods",
       [](Options& o, const std::string& v) {
         o.config = v;
         return Status::Ok();
       }},
      {"static-records", "FILE",
       "load Services/EndpointSlices/Pods from a YAML or JSON file (reloaded on SIGHUP)",
       [](Options& o, const std::string& v) {
         o.static_records = v;
         return Status::Ok();
       }},
      {"dns-config", "FILE", "YAML settings file; keys are these flag names without --",
       [](Options& o, const std::string& v) {
         o.dns_config = v;
         return Status::Ok();
       }},
      {"listen", "ADDR:PORT", "DNS over UDP and TCP (default 0.0.0.0:53)",
       [](Options& o, const std::string& v) {
         o.listen = v;
         return Status::Ok();
       }},
      {"http-listen", "ADDR:PORT", "/health, /ready and /metrics (default :9153; off disables)",
       [](Options& o, const std::string& v) {
         o.http_listen = v == "off" ? "" : v;
         return Status::Ok();
       }},
      {"zone", "NAME", "cluster domain (default cluster.local)",
       [](Options& o, const std::string& v) {
         o.cluster.zone = v;
         return Status::Ok();
       }},
      {"reverse-cidr", "CIDR",
       "service or pod range served authoritatively in in-addr.arpa/ip6.arpa (repeatable)",
       [](Options& o, const std::string& v) {
         for (auto& c : SplitComma(v))
           o.cluster.reverse_cidrs.push_back(c);
         return Status::Ok();
       },
       true},
      {"ttl", "SECONDS", "TTL of cluster records (default 5)",
       [](Options& o, const std::string& v) {
         return ParseInt<uint32_t>("--ttl", v, 0, 604800, &o.cluster.ttl);
       }},
      {"negative-ttl", "SECONDS", "SOA minimum: caching time of NXDOMAIN/NODATA (default 5)",
       [](Options& o, const std::string& v) {
         return ParseInt<uint32_t>("--negative-ttl", v, 0, 86400, &o.cluster.negative_ttl);
       }},
      {"pods", "MODE",
       "pod records <a-b-c-d>.<ns>.pod.<zone>: disabled, insecure (default), verified",
       [](Options& o, const std::string& v) {
         if (v == "disabled")
           o.cluster.pod_mode = PodMode::kDisabled;
         else if (v == "insecure")
           o.cluster.pod_mode = PodMode::kInsecure;
         else if (v == "verified")
           o.cluster.pod_mode = PodMode::kVerified;
         else
           return InvalidArgument("--pods: \"" + v + "\" is not disabled, insecure or verified");
         return Status::Ok();
       }},
      {"upstream", "ADDR[:PORT]",
       "resolver for names outside the cluster (repeatable; default: nameservers of --resolv-conf)",
       [](Options& o, const std::string& v) {
         for (auto& u : SplitComma(v))
           o.upstreams.push_back(u);
         return Status::Ok();
       },
       true},
      {"resolv-conf", "FILE", "where to find upstreams when --upstream is not given",
       [](Options& o, const std::string& v) {
         o.resolv_conf = v;
         return Status::Ok();
       }},
      {"upstream-timeout-ms", "MS", "per-try upstream timeout (default 2000)",
       [](Options& o, const std::string& v) {
         return ParseInt<int>("--upstream-timeout-ms", v, 10, 60000, &o.upstream_timeout_ms);
       }},
      {"upstream-tries", "N", "tries per upstream question (default 2)",
       [](Options& o, const std::string& v) {
         return ParseInt<int>("--upstream-tries", v, 1, 10, &o.upstream_tries);
       }},
      {"cache-size", "ENTRIES", "forwarding cache capacity, 0 disables (default 10000)",
       [](Options& o, const std::string& v) {
         return ParseInt<size_t>("--cache-size", v, 0, 100000000, &o.cache_size);
       }},
      {"cache-min-ttl", "SECONDS", "floor for cached positive answers (default 0)",
       [](Options& o, const std::string& v) {
         return ParseInt<uint32_t>("--cache-min-ttl", v, 0, 86400, &o.cache_policy.min_ttl);
       }},
      {"cache-max-ttl", "SECONDS", "cap for cached positive answers (default 3600)",
       [](Options& o, const std::string& v) {
         return ParseInt<uint32_t>("--cache-max-ttl", v, 0, 604800, &o.cache_policy.max_ttl);
       }},
      {"cache-negative-max-ttl", "SECONDS", "cap for cached NXDOMAIN/NODATA (default 300)",
       [](Options& o, const std::string& v) {
         return ParseInt<uint32_t>("--cache-negative-max-ttl", v, 0, 86400,
                                   &o.cache_policy.negative_max_ttl);
       }},
      {"loop-detect", "", "probe for forwarding loops at start (default true)",
       [](Options& o, const std::string& v) {
         return ParseBool("--loop-detect", v, &o.loop_detect);
       }},
      {"workers", "N", "serving threads, one socket each (default: number of CPUs)",
       [](Options& o, const std::string& v) {
         return ParseInt<int>("--workers", v, 1, 256, &o.workers);
       }},
      {"cpus", "LIST", "pin worker i to the i-th CPU of LIST, e.g. 1 or 0,1",
       [](Options& o, const std::string& v) {
         for (auto& c : SplitComma(v)) {
           int cpu = 0;
           SKIFF_RETURN_IF_ERROR(ParseInt<int>("--cpus", c, 0, 4095, &cpu));
           o.cpus.push_back(cpu);
         }
         return Status::Ok();
       },
       true},
      {"max-udp-size", "BYTES", "EDNS payload size we use and advertise, 512-4096 (default 1232)",
       [](Options& o, const std::string& v) {
         return ParseInt<uint16_t>("--max-udp-size", v, 512, 4096, &o.max_udp_size);
       }},
      {"tcp-idle-timeout-ms", "MS", "close idle TCP connections after this (default 10000)",
       [](Options& o, const std::string& v) {
         return ParseInt<int>("--tcp-idle-timeout-ms", v, 100, 3600000, &o.tcp_idle_timeout_ms);
       }},
      {"tcp-max-connections", "N", "open TCP connections per worker (default 1024)",
       [](Options& o, const std::string& v) {
         return ParseInt<size_t>("--tcp-max-connections", v, 1, 1000000, &o.tcp_max_connections);
       }},
      {"udp-coalesce-us", "US",
       "under load, pause this long after a partial UDP batch to answer more queries per "
       "wake-up, 0-1000, 0 disables (default 50)",
       [](Options& o, const std::string& v) {
         return ParseInt<int>("--udp-coalesce-us", v, 0, 1000, &o.udp_coalesce_us);
       }},
      {"udp-coalesce-min-qps", "QPS",
       "per-worker UDP query rate from which --udp-coalesce-us applies (default 50000)",
       [](Options& o, const std::string& v) {
         return ParseInt<uint32_t>("--udp-coalesce-min-qps", v, 1, 100000000,
                                   &o.udp_coalesce_min_qps);
       }},
      {"log-level", "LEVEL", "trace, debug, info (default), warn, error, off",
       [](Options& o, const std::string& v) {
         o.log_level = v;
         return Status::Ok();
       }},
      {"help", "", "show this help",
       [](Options& o, const std::string&) {
         o.help = true;
         return Status::Ok();
       }},
  };
  return flags;
}

const Flag* FindFlag(const std::string& name) {
  for (const Flag& f : Flags()) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

Status ApplyFile(Options& o, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return InvalidArgument("--dns-config " + path + ": " + e.what());
  }
  if (root.IsNull()) return Status::Ok();
  if (!root.IsMap())
    return InvalidArgument("--dns-config " + path + ": want a mapping of settings");
  for (const auto& kv : root) {
    std::string key = kv.first.as<std::string>();
    std::replace(key.begin(), key.end(), '_', '-');
    const Flag* f = FindFlag(key);
    if (f == nullptr || key == "dns-config" || key == "help") {
      return InvalidArgument("--dns-config " + path + ": unknown setting \"" + key + "\"");
    }
    std::vector<std::string> values;
    if (kv.second.IsSequence()) {
      if (!f->list)
        return InvalidArgument("--dns-config " + path + ": " + key + " takes one value");
      for (const auto& item : kv.second)
        values.push_back(item.as<std::string>());
    } else if (kv.second.IsScalar()) {
      values.push_back(kv.second.as<std::string>());
    } else {
      return InvalidArgument("--dns-config " + path + ": " + key + " must be a scalar or a list");
    }
    for (const std::string& v : values) {
      Status s = f->set(o, v);
      if (!s.ok()) return s.WithContext("--dns-config " + path);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Options> ParseOptions(int argc, const char* const* argv) {
  // Collect (flag, value) pairs first so the settings file applies before
  // the command line, whatever the order.
  std::vector<std::pair<const Flag*, std::string>> given;
  std::string file;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h") arg = "--help";
    if (arg.rfind("--", 0) != 0)
      return InvalidArgument("unexpected argument \"" + arg + "\" (see --help)");
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const Flag* f = FindFlag(name);
    if (f == nullptr) return InvalidArgument("unknown flag --" + name + " (see --help)");
    if (!has_value && f->arg[0] != '\0') {
      if (i + 1 >= argc) return InvalidArgument("--" + name + " needs a value (" + f->arg + ")");
      value = argv[++i];
    }
    if (name == "dns-config") file = value;
    given.emplace_back(f, value);
  }
  Options o;
  if (!file.empty()) SKIFF_RETURN_IF_ERROR(ApplyFile(o, file));
  // List flags on the command line replace what the file said.
  std::set<std::string> reset;
  for (auto& [f, v] : given) {
    if (f->list && reset.insert(f->name).second) {
      std::string n = f->name;
      if (n == "upstream") o.upstreams.clear();
      if (n == "reverse-cidr") o.cluster.reverse_cidrs.clear();
      if (n == "cpus") o.cpus.clear();
    }
    SKIFF_RETURN_IF_ERROR(f->set(o, v));
  }
  SKIFF_RETURN_IF_ERROR(Validate(o.cluster));
  return o;
}

std::string HelpText() {
  std::string out =
      "usage: skiff-dns (--static-records FILE | --config FILE) [flags]\n"
      "\n"
      "Cluster DNS server: authoritative for the cluster zone (Kubernetes DNS schema 1.1.0)\n"
      "and the reverse zones of --reverse-cidr; forwards everything else to upstreams with a\n"
      "cache. Reload --static-records with SIGHUP; stop with SIGTERM or SIGINT.\n\nflags:\n";
  for (const Flag& f : Flags()) {
    std::string left = std::string("  --") + f.name + (f.arg[0] ? std::string(" ") + f.arg : "");
    if (left.size() < 32)
      left.resize(32, ' ');
    else
      left += "\n" + std::string(32, ' ');
    out += left + f.help + "\n";
  }
  out +=
      "\nhttp endpoints: /health (200 while the process serves), /ready (200 once the first\n"
      "cluster sync is done), /metrics (Prometheus text).\n";
  return out;
}

}  // namespace skiff::dns
