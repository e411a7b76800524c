#include "node/sandbox/pod_network.h"

#include <algorithm>

#include "api/quantity.h"
#include "cni/spec/exec.h"
#include "common/log.h"
#include "node/runtime/fs.h"
#include "node/runtime/netns.h"

namespace skiff::node {
namespace {

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "10.244.1.5/24" -> "10.244.1.5"
std::vector<std::string> ResultIps(const json::Value& result) {
  std::vector<std::string> v4, v6;
  const json::Value* ips = result.Find("ips");
  if (!ips || !ips->is_array()) return {};
  for (const auto& ip : ips->as_array()) {
    const json::Value* a = ip.Find("address");
    if (!a || !a->is_string()) continue;
    std::string addr = a->as_string().substr(0, a->as_string().find('/'));
    (addr.find(':') == std::string::npos ? v4 : v6).push_back(addr);
  }
  v4.insert(v4.end(), v6.begin(), v6.end());
  return v4;
}

// The list without plugins that are not installed: they cannot run, so on
// DEL they have nothing to undo (after a failed ADD) or can only block the
// plugins that can (a teardown after the plugin was uninstalled).
cni::runtime::NetworkConfigList Installed(const cni::runtime::NetworkConfigList& list,
                                          const std::vector<std::string>& dirs,
                                          std::vector<std::string>* missing) {
  cni::runtime::NetworkConfigList out = list;
  out.plugins.clear();
  for (const auto& p : list.plugins) {
    const json::Value* type = p.Find("type");
    if (type && type->is_string() && !cni::FindPlugin(type->as_string(), dirs).ok()) {
      missing->push_back(type->as_string());
      continue;
    }
    out.plugins.push_back(p);
  }
  return out;
}

cni::runtime::Options CniOptions(const PodNetworkOptions& o) {
  cni::runtime::Options c;
  c.plugin_dirs = o.bin_dirs;
  c.cache_dir = o.cache_dir;
  c.exec_timeout = o.exec_timeout;
  return c;
}

}  // namespace

json::Array PortMappings(const api::Pod& pod) {
  json::Array out;
  for (const auto& c : pod.spec().containers()) {
    for (const auto& p : c.ports()) {
      if (p.host_port() <= 0) continue;
      json::Object m{{"hostPort", p.host_port()},
                     {"containerPort", p.container_port()},
                     {"protocol", Lower(p.protocol().empty() ? "TCP" : p.protocol())}};
      if (!p.host_ip().empty()) m.Set("hostIP", p.host_ip());
      out.emplace_back(std::move(m));
    }
  }
  return out;
}

PodNetwork::PodNetwork(PodNetworkOptions options)
    : options_(std::move(options)), cni_(CniOptions(options_)) {}

std::string PodNetwork::NetnsPathFor(const std::string& uid) const {
  return options_.netns_dir + "/" + options_.netns_prefix + uid;
}

std::vector<std::string> PodNetwork::ListPodNetns() const {
  std::vector<std::string> out;
  for (const auto& name : ListDir(options_.netns_dir)) {
    if (name.rfind(options_.netns_prefix, 0) == 0)
      out.push_back(name.substr(options_.netns_prefix.size()));
  }
  return out;
}

Status PodNetwork::Ready() const {
  auto list = cni::runtime::LoadConfList(options_.conf_dir);
  if (!list.ok()) {
    return Status(list.status().code(), "network plugin returns error: cni config uninitialized (" +
                                            list.status().message() + ")");
  }
  return Status::Ok();
}

cni::runtime::RuntimeConf PodNetwork::Conf(const std::string& uid, const std::string& ns,
                                           const std::string& name,
                                           const std::string& netns) const {
  cni::runtime::RuntimeConf rt;
  rt.container_id = uid;
  rt.netns = netns;
  rt.ifname = "eth0";
  rt.args = {{"IgnoreUnknown", "1"},
             {"K8S_POD_NAMESPACE", ns},
             {"K8S_POD_NAME", name},
             {"K8S_POD_INFRA_CONTAINER_ID", uid},
             {"K8S_POD_UID", uid}};
  return rt;
}

Status PodNetwork::PrepareNetnsDirOnce() {
  std::lock_guard lock(netns_dir_mu_);
  if (netns_dir_ready_) return Status::Ok();
  SKIFF_RETURN_IF_ERROR(PrepareNetnsDir(options_.netns_dir));
  netns_dir_ready_ = true;
  return Status::Ok();
}

Result<PodNetworkState> PodNetwork::Setup(const api::Pod& pod,
                                          const std::vector<std::string>& pod_cidrs,
                                          StageTimes* times) {
  PodNetworkState state;
  if (pod.spec().host_network()) return state;
  StageTimes local;
  if (!times) times = &local;
  auto t = StageTimes::Clock::now();
  const std::string& uid = pod.metadata().uid();
  auto list = cni::runtime::LoadConfList(options_.conf_dir);
  t = times->Since("cni_conf", t);
  if (!list.ok()) {
    return Status(list.status().code(),
                  "failed to set up network for sandbox \"" + uid +
                      "\": no usable CNI configuration: " + list.status().message());
  }
  SKIFF_RETURN_IF_ERROR(PrepareNetnsDirOnce());
  std::string name = options_.netns_prefix + uid;
  auto path = CreateNetns(options_.netns_dir, name);
  if (!path.ok() && path.status().code() != StatusCode::kAlreadyExists) return path.status();
  t = times->Since("netns", t);
  state.netns_path = NetnsPathFor(uid);
  state.network = list->name;

  cni::runtime::RuntimeConf rt =
      Conf(uid, pod.metadata().namespace_(), pod.metadata().name(), state.netns_path);
  if (!pod_cidrs.empty()) rt.SetPodCidrs(pod_cidrs);
  json::Array ports = PortMappings(pod);
  if (!ports.empty()) rt.capability_args.Set("portMappings", json::Value(std::move(ports)));
  json::Object bw;
  for (const auto& [key, field] :
       {std::pair<std::string, std::string>{"kubernetes.io/ingress-bandwidth", "ingress"},
        {"kubernetes.io/egress-bandwidth", "egress"}}) {
    auto it = pod.metadata().annotations().find(key);
    if (it == pod.metadata().annotations().end()) continue;
    auto q = api::Quantity::Parse(it->second);
    if (!q.ok()) {
      (void)DeleteNetns(state.netns_path);
      return InvalidArgument("annotation " + key + ": " + q.status().message());
    }
    bw.Set(field + "Rate", q->Value());
    bw.Set(field + "Burst", static_cast<int64_t>(2147483647));  // as containerd's CRI
  }
  if (bw.size() > 0) rt.capability_args.Set("bandwidth", json::Value(std::move(bw)));

  cni::runtime::PluginFailure failure;
  auto result = cni_.AddNetworkList(*list, rt, &failure);
  times->Since("cni_add", t);
  if (!result.ok()) {
    // Roll back what the chain may have done, then the namespace.
    std::vector<std::string> missing;
    Status del = cni_.DelNetworkList(Installed(*list, options_.bin_dirs, &missing), rt);
    if (!del.ok()) {
      log::Get("agent")->warn("rollback DEL after failed ADD pod={} error={}", uid, del.message());
    }
    (void)DeleteNetns(state.netns_path);
    return Status(result.status().code(), "failed to set up network for sandbox \"" + uid +
                                              "\": " + result.status().message());
  }
  state.ips = ResultIps(*result);
  if (state.ips.empty()) {
    (void)cni_.DelNetworkList(*list, rt);
    (void)DeleteNetns(state.netns_path);
    return Internal("failed to set up network for sandbox \"" + uid +
                    "\": the CNI result of network \"" + list->name + "\" has no IP address");
  }
  return state;
}

Status PodNetwork::Teardown(const std::string& uid, const std::string& ns, const std::string& name,
                            const PodNetworkState& state) {
  if (state.netns_path.empty() && state.network.empty()) return Status::Ok();
  cni::runtime::RuntimeConf rt = Conf(uid, ns, name, state.netns_path);
  Status result;
  // Plugins must tolerate a vanished namespace on DEL; pass none then.
  if (!state.netns_path.empty() && !IsNetnsMounted(state.netns_path)) rt.netns.clear();
  // Prefer what ADD used: the cached list and arguments (portMappings must
  // match for portmap to find its rules).
  std::optional<cni::runtime::NetworkConfigList> list;
  if (!state.network.empty()) {
    auto cached = cni_.GetCachedAttachments(state.network);
    if (cached.ok()) {
      for (const auto& a : *cached) {
        if (a.container_id != uid || a.ifname != rt.ifname) continue;
        auto parsed = cni::runtime::ParseConfList(a.config_bytes, "cache");
        if (parsed.ok()) list = *parsed;
        rt.args = a.cni_args;
        rt.capability_args = a.capability_args;
      }
    }
  }
  if (!list) {
    auto current = cni::runtime::LoadConfList(options_.conf_dir);
    if (current.ok() && (state.network.empty() || current->name == state.network)) list = *current;
  }
  if (list) {
    Status del = cni_.DelNetworkList(*list, rt);
    std::vector<std::string> missing;
    auto installed = Installed(*list, options_.bin_dirs, &missing);
    if (!del.ok() && !missing.empty()) {
      log::Get("agent")->warn("CNI DEL pod={}: plugins {} are not installed; running the others",
                              uid, missing[0]);
      del = cni_.DelNetworkList(installed, rt);
    }
    // Keep the namespace for a retry: DEL must see the same attachment.
    if (!del.ok()) return del.WithContext("CNI DEL for pod " + ns + "/" + name);
  } else {
    log::Get("agent")->warn("no CNI configuration to tear down pod={} network={}", uid,
                            state.network);
  }
  if (!state.netns_path.empty()) result = DeleteNetns(state.netns_path);
  return result;
}

}  // namespace skiff::node
