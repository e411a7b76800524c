// Agent: start-up, informers, admission, adoption and housekeeping.
#include "node/agent/agent.h"

#include <unistd.h>

#include <set>

#include "api/client/typed.h"
#include "api/labels.h"
#include "api/names.h"
#include "api/pod_references.h"
#include "common/log.h"
#include "common/metrics.h"
#include "node/pod/logs.h"
#include "node/pod/service_account_volume.h"
#include "node/pod/volumes.h"
#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

// How long a pod sync waits for a newly watched Secret or ConfigMap.
constexpr std::chrono::seconds kReferenceSyncWait{5};

auto Log() {
  return log::Get("agent");
}

template <typename T>
std::shared_ptr<const T> As(const api::ObjectPtr& p) {
  return std::static_pointer_cast<const T>(p);
}

bool Terminal(const api::Pod& pod) {
  return pod.status().phase() == "Succeeded" || pod.status().phase() == "Failed";
}

}  // namespace

Agent::Agent(api::ApiClient& client, AgentOptions options)
    : client_(client),
      options_(std::move(options)),
      sa_tokens_(std::make_unique<ServiceAccountTokens>(client)) {
  if (!options_.client_config.ca_pem.empty()) {
    auto cm = std::make_shared<api::ConfigMap>();
    cm->mutable_metadata()->set_name(kRootCaConfigMap);
    (*cm->mutable_data())["ca.crt"] = options_.client_config.ca_pem;
    root_ca_ = std::move(cm);
  }
}

Result<std::unique_ptr<Agent>> Agent::Start(api::ApiClient& client, AgentOptions options) {
  std::unique_ptr<Agent> agent(new Agent(client, std::move(options)));
  Status st = agent->Init();
  if (!st.ok()) return st;
  return agent;
}

Status Agent::Init() {
  if (options_.node_name.empty()) return InvalidArgument("--node-name: must not be empty");
  if (auto problems = api::CheckDNS1123Subdomain(options_.node_name); !problems.empty()) {
    return InvalidArgument("--node-name \"" + options_.node_name + "\": " + problems[0]);
  }
  for (const char* sub : {"", "/pods", "/logs"}) {
    SKIFF_RETURN_IF_ERROR(MakeDirs(options_.root_dir + sub, 0700));
  }
  // Each pod gets directories under these: spread them (see MarkTopDir).
  for (const char* sub : {"/pods", "/logs"})
    (void)MarkTopDir(options_.root_dir + sub);
  auto cg = CgroupDriver::Detect();
  if (!cg.ok()) return cg.status().WithContext("cgroups");
  cgroups_ = std::make_unique<CgroupDriver>(*cg);
  if (options_.shim_path.empty()) options_.shim_path = ProcessRuntime::DefaultShimPath();
  if (access(options_.shim_path.c_str(), X_OK) != 0) {
    return FailedPrecondition("skiff-shim not found at " + options_.shim_path +
                              " (install it next to skiff-agent or pass --shim PATH)");
  }
  machine_ = ReadMachineInfo(options_.root_dir);
  if (!options_.node_ip.empty()) {
    host_ips_ = {options_.node_ip};
  } else {
    auto ip = DefaultRouteAddress();
    if (!ip.ok()) return ip.status();
    host_ips_ = {*ip};
  }
  ProcessRuntimeOptions ro;
  ro.shim_path = options_.shim_path;
  ro.state_dir = (options_.run_dir.empty() ? options_.root_dir : options_.run_dir) + "/containers";
  SKIFF_RETURN_IF_ERROR(MakeDirs(ro.state_dir, 0700));
  runtime_ = std::make_unique<ProcessRuntime>(ro, *cgroups_);
  network_ = std::make_unique<PodNetwork>(options_.network);
  prober_ = std::make_unique<Prober>(options_.prober_threads);
  backoff_ = std::make_unique<CrashBackoff>(options_.backoff_base, options_.backoff_max);
  reporter_ = std::make_unique<ApiReporter>(client_, options_.node_name);
  tokens_ = options_.token_check ? std::make_unique<TokenChecker>(options_.token_check)
                                 : std::make_unique<TokenChecker>(options_.client_config);
  Log()->info("starting node={} ip={} {} shim={}", options_.node_name, host_ips_[0],
              cgroups_->Describe(), options_.shim_path);

  std::map<std::string, HttpHandler> routes;
  routes["/healthz"] = [](const HttpRequest&, ResponseWriter& w) {
    w.Send(200, "text/plain", "ok");
  };
  routes["/metrics"] = [](const HttpRequest&, ResponseWriter& w) {
    w.Send(200, "text/plain; version=0.0.4", metrics::Registry::Default().Render());
  };
  routes["/containerLogs/"] = [this](const HttpRequest& r, ResponseWriter& w) { ServeLogs(r, w); };
  routes["POST /exec/"] = [this](const HttpRequest& r, ResponseWriter& w) { ServeExec(r, w); };
  routes["/stats/summary"] = [this](const HttpRequest& r, ResponseWriter& w) { ServeStats(r, w); };
  routes["/pods"] = [this](const HttpRequest& r, ResponseWriter& w) { ServePods(r, w); };
  auto http = AgentHttpServer::Start(options_.listen, std::move(routes));
  if (!http.ok()) return http.status().WithContext("--listen");
  http_ = std::move(*http);

  NodeConfig nc;
  nc.name = options_.node_name;
  nc.labels = options_.node_labels;
  nc.internal_ips = host_ips_;
  nc.port = http_->port();
  nc.capacity.cpu_milli = options_.cpu_milli > 0 ? options_.cpu_milli : machine_.cpu_milli;
  nc.capacity.memory_bytes =
      options_.memory_bytes > 0 ? options_.memory_bytes : machine_.memory_bytes;
  nc.capacity.ephemeral_bytes = machine_.ephemeral_bytes;
  nc.max_pods = options_.max_pods;
  nc.reserved.cpu_milli = options_.reserved_cpu_milli;
  nc.reserved.memory_bytes = options_.reserved_memory_bytes;
  nc.machine = machine_;
  nc.root_dir = options_.root_dir;
  nc.network_ready = [this] { return network_->Ready(); };
  registrar_ = std::make_unique<NodeRegistrar>(client_, nc);
  auto node = registrar_->Register();
  if (!node.ok()) return node.status();

  LoadSavedPods();

  services_ = std::make_unique<api::Informer<api::Service>>(client_);
  auto poke = [this](const std::string& ns) { PokeNamespace(ns); };
  config_maps_ = std::make_unique<ReferencedObjects>(client_, *api::FindKind("ConfigMap"), poke);
  secrets_ = std::make_unique<ReferencedObjects>(client_, *api::FindKind("Secret"), poke);
  services_->Start();
  if (!services_->WaitForSync(std::chrono::seconds(30))) {
    return Unavailable("the services informer did not sync within 30s");
  }
  api::InformerOptions po;
  po.field_selector = "spec.nodeName=" + options_.node_name;
  pods_ = std::make_unique<api::Informer<api::Pod>>(client_, po);
  pods_->AddHandlers(
      {[this](const api::ObjectPtr& p) { OnPodAdd(As<api::Pod>(p)); },
       [this](const api::ObjectPtr&, const api::ObjectPtr& p) { OnPodUpdate(As<api::Pod>(p)); },
       [this](const api::ObjectPtr& p) { OnPodDelete(As<api::Pod>(p)); }});
  pods_->Start();
  if (!pods_->WaitForSync(std::chrono::seconds(30))) {
    return Unavailable("the pods informer did not sync within 30s");
  }
  CleanupOrphans(true);
  registrar_->StartHeartbeats(options_.heartbeat);
  housekeeping_ = std::thread([this] { Housekeeping(); });
  Log()->info("ready node={} port={} pods={}", options_.node_name, http_->port(), PodUids().size());
  return Status::Ok();
}

Agent::~Agent() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (housekeeping_.joinable()) housekeeping_.join();
  if (pods_) pods_->Stop();
  if (services_) services_->Stop();
  config_maps_.reset();
  secrets_.reset();
  std::map<std::string, std::shared_ptr<PodWorker>> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (auto& [uid, w] : workers)
    w->Detach();
  workers.clear();
  // Probes still running report to the reporter and use the runtime: they
  // end (the prober joins them) before those go.
  prober_.reset();
  http_.reset();
  if (registrar_) registrar_->Stop();
  if (reporter_) reporter_->Flush(std::chrono::seconds(2));
  reporter_.reset();
  runtime_.reset();
}

uint16_t Agent::port() const {
  return http_ ? http_->port() : 0;
}

std::vector<std::string> Agent::PodUids() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [uid, w] : workers_) {
    if (!w->Done()) out.push_back(uid);
  }
  return out;
}

WorkerServices Agent::Services() {
  WorkerServices s;
  s.runtime = runtime_.get();
  s.cgroups = cgroups_.get();
  s.network = network_.get();
  s.prober = prober_.get();
  s.backoff = backoff_.get();
  s.host = this;
  return s;
}

WorkerOptions Agent::MakeWorkerOptions() const {
  WorkerOptions o;
  o.pods_dir = options_.root_dir + "/pods";
  o.logs_dir = options_.root_dir + "/logs";
  o.cgroup_parent = options_.cgroup_parent;
  o.host_ips = host_ips_;
  o.pod_cidrs = registrar_->PodCidrs();
  o.dns.cluster_dns = options_.cluster_dns;
  o.dns.cluster_domain = options_.cluster_domain;
  auto rc = ReadFile(options_.resolv_conf);
  if (rc.ok()) o.dns.host = ParseResolvConf(*rc);
  o.node_hosts_file = options_.hosts_file;
  o.resync = options_.resync;
  o.minimum_grace = options_.minimum_grace;
  return o;
}

void Agent::LoadSavedPods() {
  std::map<std::string, std::vector<ContainerHandle>> instances;
  for (auto& h : runtime_->List())
    instances[h.pod_uid].push_back(h);
  std::lock_guard lock(mu_);
  for (const auto& uid : ListDir(options_.root_dir + "/pods")) {
    auto state = LoadPodState(options_.root_dir + "/pods/" + uid);
    if (!state.ok()) {
      Log()->warn("unreadable pod state uid={}: {}", uid, state.status().message());
      PodState bare;
      bare.uid = uid;
      saved_[uid] = Saved{bare, instances[uid]};
      continue;
    }
    saved_[uid] = Saved{*state, instances[uid]};
  }
  Log()->info("found state of {} pods", saved_.size());
}

std::string Agent::Admit(const api::Pod& pod, std::string* message) {
  const NodeConfig& nc = registrar_->config();
  // nodeSelector against our labels.
  std::map<std::string, std::string> labels = nc.labels;
  labels["kubernetes.io/hostname"] = nc.name;
  labels["kubernetes.io/os"] = "linux";
  labels["kubernetes.io/arch"] = nc.machine.architecture;
  for (const auto& [k, v] : pod.spec().node_selector()) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) {
      *message = "Pod was rejected: Predicate NodeAffinity failed";
      return "NodeAffinity";
    }
  }
  auto req = PodRequests(pod);
  if (!req.ok()) {
    *message = "Pod was rejected: " + req.status().message();
    return "UnexpectedAdmissionError";
  }
  ResourceAmounts used;
  int64_t count = 0;
  for (const auto& [uid, w] : workers_) {
    if (!w->HoldsResources()) continue;
    ++count;
    auto r = PodRequests(*w->pod());
    if (!r.ok()) continue;
    used.cpu_milli += r->cpu_milli;
    used.memory_bytes += r->memory_bytes;
  }
  ResourceAmounts alloc = Allocatable(nc);
  if (count + 1 > nc.max_pods) {
    *message = "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: " +
               std::to_string(count) + ", capacity: " + std::to_string(nc.max_pods);
    return "OutOfpods";
  }
  if (req->cpu_milli > 0 && used.cpu_milli + req->cpu_milli > alloc.cpu_milli) {
    *message = "Pod was rejected: Node didn't have enough resource: cpu, requested: " +
               std::to_string(req->cpu_milli) + ", used: " + std::to_string(used.cpu_milli) +
               ", capacity: " + std::to_string(alloc.cpu_milli);
    return "OutOfcpu";
  }
  if (req->memory_bytes > 0 && used.memory_bytes + req->memory_bytes > alloc.memory_bytes) {
    *message = "Pod was rejected: Node didn't have enough resource: memory, requested: " +
               std::to_string(req->memory_bytes) + ", used: " + std::to_string(used.memory_bytes) +
               ", capacity: " + std::to_string(alloc.memory_bytes);
    return "OutOfmemory";
  }
  return "";
}

void Agent::OnPodAdd(const std::shared_ptr<const api::Pod>& pod) {
  const std::string& uid = pod->metadata().uid();
  // Watch what the pod's env and volumes read before its worker needs it.
  config_maps_->SetReferences(uid, pod->metadata().namespace_(), api::ReferencedConfigMaps(*pod));
  secrets_->SetReferences(uid, pod->metadata().namespace_(), api::ReferencedSecrets(*pod));
  std::unique_lock lock(mu_);
  if (stopping_) return;
  if (auto it = workers_.find(uid); it != workers_.end()) {
    it->second->Update(pod);
    return;
  }
  if (auto it = saved_.find(uid); it != saved_.end()) {
    Saved saved = std::move(it->second);
    saved_.erase(it);
    workers_[uid] = PodWorker::Adopt(Services(), MakeWorkerOptions(), pod, std::move(saved.state),
                                     std::move(saved.instances));
    return;
  }
  if (Terminal(*pod) || pod->metadata().has_deletion_timestamp()) {
    // Nothing of it runs here: finish a pending deletion, leave the rest.
    if (pod->metadata().has_deletion_timestamp()) {
      lock.unlock();
      std::thread([this, pod] { (void)DeletePod(*pod); }).detach();
    }
    return;
  }
  std::string message;
  std::string reason = Admit(*pod, &message);
  if (!reason.empty()) {
    Log()->warn("rejected pod={}/{} reason={} {}", pod->metadata().namespace_(),
                pod->metadata().name(), reason, message);
    Event(*pod, "Warning", reason, message);
  }
  workers_[uid] = PodWorker::Create(Services(), MakeWorkerOptions(), pod, reason, message);
}

void Agent::OnPodUpdate(const std::shared_ptr<const api::Pod>& pod) {
  OnPodAdd(pod);
}

void Agent::OnPodDelete(const std::shared_ptr<const api::Pod>& pod) {
  std::lock_guard lock(mu_);
  auto it = workers_.find(pod->metadata().uid());
  if (it != workers_.end()) it->second->Removed();
}

void Agent::PokeNamespace(const std::string& ns) {
  std::lock_guard lock(mu_);
  for (auto& [uid, w] : workers_) {
    auto p = w->pod();
    if (p && p->metadata().namespace_() == ns) w->Poke();
  }
}

std::shared_ptr<PodWorker> Agent::FindWorker(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  for (const auto& [uid, w] : workers_) {
    auto p = w->pod();
    if (p && p->metadata().namespace_() == ns && p->metadata().name() == name && !w->Done()) {
      return w;
    }
  }
  return nullptr;
}

EnvSources Agent::EnvSourcesFor(const api::Pod& pod) {
  EnvSources s;
  s.config_map = [this](const std::string& ns,
                        const std::string& name) -> std::shared_ptr<const api::ConfigMap> {
    if (name == kRootCaConfigMap && root_ca_) return root_ca_;
    return std::static_pointer_cast<const api::ConfigMap>(
        config_maps_->Get(ns, name, kReferenceSyncWait));
  };
  s.service_account_token = [this](const api::Pod& p, const std::string& audience,
                                   int64_t seconds) {
    return sa_tokens_->Token(p, audience, seconds);
  };
  s.secret = [this](const std::string& ns, const std::string& name) {
    return std::static_pointer_cast<const api::Secret>(secrets_->Get(ns, name, kReferenceSyncWait));
  };
  s.services = services_->List(pod.metadata().namespace_());
  if (pod.metadata().namespace_() != "default") {
    for (auto& svc : services_->List("default"))
      s.services.push_back(svc);
  }
  ResourceAmounts alloc = Allocatable(registrar_->config());
  s.node_cpu_milli = alloc.cpu_milli;
  s.node_memory_bytes = alloc.memory_bytes;
  s.node_ephemeral_bytes = alloc.ephemeral_bytes;
  return s;
}

Result<bool> Agent::AutomountServiceAccountToken(const api::Pod& pod) {
  if (pod.spec().has_automount_service_account_token()) return ShouldAutomountToken(pod, nullptr);
  auto sa = api::GetObject<api::ServiceAccount>(client_, pod.metadata().namespace_(),
                                                ServiceAccountName(pod));
  // A missing ServiceAccount mounts (and its token request then fails, as in Kubernetes).
  if (!sa.ok() && sa.status().code() == StatusCode::kNotFound) return true;
  if (!sa.ok()) {
    return Status(sa.status().code(), "reading ServiceAccount \"" + ServiceAccountName(pod) +
                                          "\": " + sa.status().message());
  }
  return ShouldAutomountToken(pod, &*sa);
}

void Agent::Event(const api::Pod& pod, const std::string& type, const std::string& reason,
                  const std::string& message) {
  reporter_->Event(pod, type, reason, message);
}

void Agent::PublishStatus(const api::Pod& pod, const api::PodStatus& status) {
  reporter_->SetStatus(pod, status);
}

Status Agent::DeletePod(const api::Pod& pod) {
  api::DeleteRequest req;
  req.set_kind("Pod");
  req.set_namespace_(pod.metadata().namespace_());
  req.set_name(pod.metadata().name());
  req.set_grace_period_seconds(0);
  req.set_precondition_uid(pod.metadata().uid());
  auto r = client_.Delete(req);
  if (!r.ok() && r.status().code() == StatusCode::kAborted) return Status::Ok();  // another pod
  return r.status();
}

void Agent::TearDownSaved(const PodState& state, const std::vector<ContainerHandle>& instances) {
  Log()->info("tearing down pod uid={} ({}/{}) that is no longer bound here", state.uid, state.ns,
              state.name);
  for (const auto& h : instances)
    (void)runtime_->Remove(h);
  PodNetworkState net{state.netns_path, state.pod_ips, state.network};
  Status st = network_->Teardown(state.uid, state.ns, state.name, net);
  if (!st.ok()) Log()->warn("network teardown uid={}: {}", state.uid, st.message());
  std::string cgroup =
      state.cgroup.empty() ? options_.cgroup_parent + "/pod" + state.uid : state.cgroup;
  (void)cgroups_->KillAll(cgroup);
  (void)cgroups_->Remove(cgroup);
  if (st.ok()) {
    // The pod's volume tmpfs mounts first: RemoveTree does not cross mount points.
    std::string dir = options_.root_dir + "/pods/" + state.uid;
    Status vst = PodVolumes(dir).TearDown();
    if (!vst.ok()) Log()->warn("volumes of uid={}: {}", state.uid, vst.message());
    (void)RemoveTree(dir);
  }
  if (!state.ns.empty()) {
    (void)RemoveTree(PodLogDir(options_.root_dir + "/logs", state.ns, state.name, state.uid));
  }
}

void Agent::CleanupOrphans(bool startup) {
  if (startup) {
    std::vector<Saved> unclaimed;
    {
      std::lock_guard lock(mu_);
      for (auto& [uid, s] : saved_)
        unclaimed.push_back(std::move(s));
      saved_.clear();
    }
    for (const auto& s : unclaimed)
      TearDownSaved(s.state, s.instances);
  }
  // List first, then see which pods exist: a worker creates its resources
  // after it is registered, so nothing listed here can belong to a worker
  // missing from the snapshot below.
  auto instances = runtime_->List();
  auto netns = network_->ListPodNetns();
  auto cgroups = cgroups_->Children(options_.cgroup_parent);
  auto pod_dirs = ListDir(options_.root_dir + "/pods");
  auto log_dirs = ListDir(options_.root_dir + "/logs");
  std::set<std::string> known;
  {
    std::lock_guard lock(mu_);
    for (const auto& [uid, w] : workers_)
      known.insert(uid);
    for (const auto& [uid, s] : saved_)
      known.insert(uid);
  }
  for (const auto& h : instances) {
    if (known.count(h.pod_uid)) continue;
    Log()->info("removing orphaned container instance id={} pod={}", h.id, h.pod_uid);
    (void)runtime_->Remove(h);
  }
  for (const auto& uid : netns) {
    if (known.count(uid)) continue;
    Log()->info("removing orphaned network namespace of pod uid={}", uid);
    PodNetworkState net{network_->NetnsPathFor(uid), {}, ""};
    Status st = network_->Teardown(uid, "", "", net);
    if (!st.ok()) Log()->warn("orphaned netns uid={}: {}", uid, st.message());
  }
  for (const auto& child : cgroups) {
    if (child.rfind("pod", 0) != 0 || known.count(child.substr(3))) continue;
    Log()->info("removing orphaned cgroup {}/{}", options_.cgroup_parent, child);
    (void)cgroups_->KillAll(options_.cgroup_parent + "/" + child);
    (void)cgroups_->Remove(options_.cgroup_parent + "/" + child);
  }
  for (const auto& uid : pod_dirs) {
    if (known.count(uid)) continue;
    std::string dir = options_.root_dir + "/pods/" + uid;
    (void)PodVolumes(dir).TearDown();
    (void)RemoveTree(dir);
  }
  for (const auto& dir : log_dirs) {
    size_t us = dir.rfind('_');
    if (us != std::string::npos && !known.count(dir.substr(us + 1))) {
      (void)RemoveTree(options_.root_dir + "/logs/" + dir);
    }
  }
}

void Agent::Housekeeping() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.housekeeping, [&] { return stopping_; });
    if (stopping_) break;
    std::vector<std::string> gone;
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->second->Done()) {
        reporter_->Forget(it->first);
        backoff_->ForgetPod(it->first);
        gone.push_back(it->first);
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    // Outside mu_: stopping an informer waits for its handlers, which poke workers under mu_.
    for (const auto& uid : gone) {
      config_maps_->Forget(uid);
      secrets_->Forget(uid);
    }
    CleanupOrphans(false);
    lock.lock();
  }
}

}  // namespace skiff::node
