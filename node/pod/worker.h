// PodWorker: one pod's lifecycle on this node, on its own thread.
//
//   admitted -> sandbox (pod cgroup, network namespace + CNI, resolv.conf,
//   hosts, pause process for a shared PID namespace) -> init containers in
//   order -> app containers -> probes, restarts with back-off -> terminal
//   (all done under restartPolicy; sandbox released) or deleted (preStop,
//   stop signal, grace period, SIGKILL, CNI DEL, cgroups and state removed,
//   pod deleted from the API with grace 0).
//
// The worker talks to the node through PodHost (API, events, lookups) and to
// processes through ContainerRuntime, so the lifecycle logic is independent
// of how containers run. State that must survive an agent restart is saved
// in ROOT/pods/<uid>/state.json; a worker built from it adopts the running
// containers.
//
// Thread-safety: Update/Removed/Poke may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "node/pod/backoff.h"
#include "node/pod/env.h"
#include "node/pod/handlers.h"
#include "node/pod/pod_files.h"
#include "node/pod/pod_state.h"
#include "node/pod/prober.h"
#include "node/pod/status.h"
#include "node/pod/volumes.h"
#include "node/runtime/cgroups.h"
#include "node/runtime/runtime.h"
#include "node/runtime/stage_times.h"
#include "node/sandbox/pod_network.h"

namespace skiff::node {

// What a worker needs from the agent.
class PodHost {
 public:
  virtual ~PodHost() = default;
  // Env sources (ConfigMaps, Secrets, Services, node facts) for a pod.
  virtual EnvSources EnvSourcesFor(const api::Pod& pod) = 0;
  // Records an Event about the pod (asynchronously).
  virtual void Event(const api::Pod& pod, const std::string& type, const std::string& reason,
                     const std::string& message) = 0;
  // Whether the pod gets the API credentials volume (service_account_volume.h):
  // the pod's automountServiceAccountToken, else its ServiceAccount's. An
  // error (the ServiceAccount could not be read) is retried. Hosts without
  // service account tokens keep the default.
  virtual Result<bool> AutomountServiceAccountToken(const api::Pod& /*pod*/) { return false; }
  // Publishes the pod's status (asynchronously, latest wins).
  virtual void PublishStatus(const api::Pod& pod, const api::PodStatus& status) = 0;
  // Deletes the pod from the API with grace 0 (uid precondition). NOT_FOUND
  // counts as done.
  virtual Status DeletePod(const api::Pod& pod) = 0;
};

struct WorkerOptions {
  std::string pods_dir;  // ROOT/pods
  std::string logs_dir;  // ROOT/logs
  std::string cgroup_parent = "skiff";
  std::vector<std::string> host_ips;
  std::vector<std::string> pod_cidrs;
  DnsSettings dns;
  std::string node_hosts_file = "/etc/hosts";
  // A sync runs at least this often (probes and exits trigger earlier ones).
  std::chrono::milliseconds resync{std::chrono::seconds(10)};
  // Retries of sandbox creation back off from 1 s up to this.
  std::chrono::milliseconds sandbox_backoff_max{std::chrono::seconds(60)};
  // Kubelet waits at least this long after the stop signal.
  std::chrono::milliseconds minimum_grace{std::chrono::seconds(2)};
};

struct WorkerServices {
  ContainerRuntime* runtime = nullptr;
  const CgroupDriver* cgroups = nullptr;
  PodNetwork* network = nullptr;
  Prober* prober = nullptr;
  CrashBackoff* backoff = nullptr;
  PodHost* host = nullptr;
};

class PodWorker : public std::enable_shared_from_this<PodWorker> {
 public:
  // A new pod. `rejected_reason`/`message`: admission refused it (the worker
  // only reports that).
  static std::shared_ptr<PodWorker> Create(WorkerServices services, WorkerOptions options,
                                           std::shared_ptr<const api::Pod> pod,
                                           std::string rejected_reason = "",
                                           std::string rejected_message = "");
  // A pod this node already runs: `state` from disk, `instances` the
  // runtime's instances of this pod.
  static std::shared_ptr<PodWorker> Adopt(WorkerServices services, WorkerOptions options,
                                          std::shared_ptr<const api::Pod> pod, PodState state,
                                          std::vector<ContainerHandle> instances);
  ~PodWorker();

  // A newer version of the pod from the API.
  void Update(std::shared_ptr<const api::Pod> pod);
  // The pod is gone from the API: stop everything and forget it.
  void Removed();
  // Something the pod depends on changed (ConfigMap, Secret): sync soon.
  void Poke();
  // Stops the thread without touching containers (agent shutdown); they
  // are adopted by the next agent.
  void Detach();

  // True once everything of the pod is gone and the worker can be dropped.
  bool Done() const { return done_.load(); }
  const std::string& uid() const { return uid_; }
  // Pod-level view for /stats/summary: instance handles of running containers.
  std::vector<ContainerHandle> RunningInstances() const;
  std::string PodCgroup() const;
  std::shared_ptr<const api::Pod> pod() const;
  // Resources the pod holds for admission (false once terminal or rejected).
  bool HoldsResources() const;

  // Per-container bookkeeping (worker_internal.h).
  struct Container;

 private:
  PodWorker(WorkerServices services, WorkerOptions options, std::shared_ptr<const api::Pod> pod);
  void Start();
  void Run();
  void Step(const std::shared_ptr<const api::Pod>& pod, bool removed);

  // Sandbox (worker_sandbox.cc).
  bool EnsureSandbox(const api::Pod& pod);
  Status WritePodFiles(const api::Pod& pod);
  void ReleaseSandbox(const api::Pod& pod);
  // Publishes the pod's volumes (every sync: Secret/ConfigMap updates reach
  // the files). False while a volume the pod has never had fails (FailedMount
  // event; containers do not start); later failures keep the running pod.
  bool SyncVolumes(const api::Pod& pod);
  std::string PodDir() const { return options_.pods_dir + "/" + uid_; }
  std::string LogDir(const api::Pod& pod) const;

  // Containers (worker_containers.cc).
  void SyncContainers(const api::Pod& pod);
  // `pod` with the API access volume when it should have one; nullptr (and a
  // FailedMount event) while that cannot be decided.
  std::shared_ptr<const api::Pod> EffectivePod(const std::shared_ptr<const api::Pod>& pod);
  void ReportVolumeError(const api::Pod& pod, const std::string& message);
  bool SyncInitContainers(const api::Pod& pod);
  void SyncAppContainer(const api::Pod& pod, Container& c);
  void StartContainer(const api::Pod& pod, Container& c);
  bool ShouldRestart(const api::Pod& pod, const Container& c) const;
  std::chrono::milliseconds BackoffRemaining(const Container& c) const;
  void KillContainer(const api::Pod& pod, Container& c, std::chrono::milliseconds grace,
                     const std::string& message, bool run_pre_stop);
  void StopAll(const api::Pod& pod, std::chrono::milliseconds grace, bool app_only);
  void OnExit(const std::string& instance_id, const ContainerExit& exit);
  void WatchInstance(Container& c);
  void RemoveInstance(Container& c);
  void StartProbes(const api::Pod& pod, Container& c);
  void StopProbes(Container& c);
  void RunProbe(const std::string& instance_id, int kind);
  bool RunHook(const api::Pod& pod, Container& c, const api::LifecycleHandler& h,
               std::chrono::milliseconds timeout, std::string* error);
  Container* FindByInstance(const std::string& instance_id);
  ActionTarget TargetFor(const Container& c) const;

  // Termination and status (worker.cc).
  void Terminate(const std::shared_ptr<const api::Pod>& pod, bool removed);
  std::chrono::milliseconds GracePeriod(const api::Pod& pod) const;
  PodView BuildView(const api::Pod& pod, bool terminal) const;
  void Publish(const api::Pod& pod, bool terminal);
  void SaveState();
  // Once every app container runs: logs and observes start_times_.
  void ReportStartTimes(const api::Pod& pod);
  void ScheduleWake(std::chrono::milliseconds in);

  WorkerServices svc_;
  WorkerOptions options_;
  std::string uid_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const api::Pod> pod_;
  bool dirty_ = true;
  bool removed_ = false;
  bool stop_ = false;
  std::chrono::steady_clock::time_point wake_;

  // Owned by the worker thread, read under mu_ by others.
  PodState state_;
  std::vector<std::unique_ptr<Container>> init_, app_;
  std::optional<ContainerHandle> pause_;
  std::chrono::milliseconds sandbox_backoff_{0};
  std::chrono::steady_clock::time_point sandbox_retry_at_{};
  std::string sandbox_error_;
  PodVolumes volumes_;
  // The pod as the containers see it (API access volume added), for pod_ `effective_of_`.
  std::optional<bool> automount_;  // decided once per pod, as admission does
  const api::Pod* effective_of_ = nullptr;
  std::shared_ptr<const api::Pod> effective_;
  bool volumes_ready_ = false;  // every volume was published once
  std::string volume_error_;    // the last FailedMount message (events once per change)
  std::chrono::steady_clock::time_point volume_event_at_{};
  api::PodStatus last_published_;
  bool published_once_ = false;
  // The first start's stages (worker thread only), logged and observed once
  // every app container has started (not for adopted pods).
  StageTimes start_times_;
  StageTimes::Clock::time_point seen_at_ = StageTimes::Clock::now();
  bool start_reported_ = false;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace skiff::node
