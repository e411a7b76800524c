// PodWorker: starting, restarting and stopping containers; probes; hooks.
#include <signal.h>

#include <algorithm>
#include <thread>

#include "common/log.h"
#include "node/pod/logs.h"
#include "node/pod/resources.h"
#include "node/pod/service_account_volume.h"
#include "node/pod/worker.h"
#include "node/pod/worker_internal.h"
#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

using std::chrono::milliseconds;

auto Log() {
  return log::Get("agent");
}

const char* const kProbeNames[] = {"Liveness", "Readiness", "Startup"};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

int StopSignal(const api::Container& c) {
  if (!c.has_lifecycle() || !c.lifecycle().has_stop_signal()) return SIGTERM;
  static const std::pair<const char*, int> kSignals[] = {
      {"SIGTERM", SIGTERM}, {"SIGINT", SIGINT},   {"SIGQUIT", SIGQUIT}, {"SIGKILL", SIGKILL},
      {"SIGHUP", SIGHUP},   {"SIGUSR1", SIGUSR1}, {"SIGUSR2", SIGUSR2}, {"SIGWINCH", SIGWINCH}};
  for (const auto& [name, sig] : kSignals) {
    if (c.lifecycle().stop_signal() == name) return sig;
  }
  return SIGTERM;
}

}  // namespace

PodWorker::Container* PodWorker::FindByInstance(const std::string& id) {
  for (auto* list : {&init_, &app_}) {
    for (auto& c : *list) {
      if (c->handle && c->handle->id == id) return c.get();
    }
  }
  return nullptr;
}

bool PodWorker::ShouldRestart(const api::Pod& pod, const Container& c) const {
  if (c.sidecar) return true;
  std::string policy = pod.spec().restart_policy().empty() ? "Always" : pod.spec().restart_policy();
  if (c.init) return policy != "Never" && c.exit && c.exit->exit_code != 0;
  if (policy == "Always") return true;
  if (policy == "OnFailure") return c.exit && c.exit->exit_code != 0;
  return false;
}

milliseconds PodWorker::BackoffRemaining(const Container& c) const {
  int64_t finished = c.exit ? c.exit->finished_at_ns : c.failed_at_ns;
  CrashBackoff::Clock::time_point at{std::chrono::duration_cast<CrashBackoff::Clock::duration>(
      std::chrono::nanoseconds(finished))};
  return svc_.backoff->Remaining(BackoffKey(uid_, c.spec.name()), at, CrashBackoff::Clock::now());
}

void PodWorker::SyncContainers(const api::Pod& pod) {
  // Kill what must die first (failed liveness/startup probes, postStart).
  for (auto* list : {&init_, &app_}) {
    for (auto& c : *list) {
      bool kill;
      std::string message;
      {
        std::lock_guard lock(mu_);
        kill = c->kill_requested && c->running && !c->stopping;
        message = c->kill_message;
      }
      if (kill) {
        milliseconds grace = GracePeriod(pod);
        const api::Probe* probe = ProbeOf(c->spec, kLivenessProbe);
        if (probe && probe->has_termination_grace_period_seconds()) {
          grace = std::max(milliseconds(probe->termination_grace_period_seconds() * 1000),
                           options_.minimum_grace);
        }
        KillContainer(pod, *c, grace, message, true);
      }
    }
  }
  if (!SyncInitContainers(pod)) return;
  for (auto& c : app_)
    SyncAppContainer(pod, *c);
}

bool PodWorker::SyncInitContainers(const api::Pod& pod) {
  for (auto& c : init_) {
    bool running, exited, ok;
    {
      std::lock_guard lock(mu_);
      running = c->running;
      exited = c->exit.has_value();
      ok = exited && c->exit->exit_code == 0;
    }
    if (c->sidecar) {
      if (!running) SyncAppContainer(pod, *c);
      std::lock_guard lock(mu_);
      if (!(c->running && c->started)) return false;
      continue;
    }
    if (running) return false;
    if (exited && ok) continue;
    // Not run yet, or failed: start (again) unless the policy forbids it.
    if (exited && !ShouldRestart(pod, *c)) return false;
    SyncAppContainer(pod, *c);
    return false;
  }
  return true;
}

void PodWorker::SyncAppContainer(const api::Pod& pod, Container& c) {
  {
    std::lock_guard lock(mu_);
    if (c.running || c.stopping) return;
    bool first = !c.handle && !c.exit;
    if (!first && c.exit && !ShouldRestart(pod, c)) return;
  }
  milliseconds wait = BackoffRemaining(c);
  if (wait.count() > 0) {
    bool crashed;
    {
      std::lock_guard lock(mu_);
      crashed = c.exit.has_value();
    }
    if (crashed) {
      svc_.host->Event(pod, "Warning", "BackOff",
                       "Back-off restarting failed container " + c.spec.name() + " in pod " +
                           pod.metadata().name() + "_" + pod.metadata().namespace_() + "(" + uid_ +
                           ")");
    }
    ScheduleWake(wait + milliseconds(10));
    return;
  }
  StartContainer(pod, c);
}

void PodWorker::StartContainer(const api::Pod& pod, Container& c) {
  const std::string& name = c.spec.name();
  auto t = StageTimes::Clock::now();
  std::vector<std::string> warnings;
  EnvSources sources = svc_.host->EnvSourcesFor(pod);
  sources.pod_ips = state_.pod_ips;
  if (pod.spec().host_network()) sources.pod_ips = options_.host_ips;
  sources.host_ips = options_.host_ips;
  auto env = BuildEnvironment(pod, c.spec, sources, &warnings);
  for (const auto& w : warnings)
    svc_.host->Event(pod, "Warning", "Failed", w);
  auto fail = [&](const std::string& reason, const std::string& message, bool backoff) {
    {
      std::lock_guard lock(mu_);
      c.waiting_reason = reason;
      c.waiting_message = message;
      c.start_failed = true;
      c.failed_at_ns = NowNanos();
    }
    svc_.host->Event(pod, "Warning", "Failed", "Error: " + message);
    if (backoff) {
      auto now = CrashBackoff::Clock::now();
      svc_.backoff->Next(BackoffKey(uid_, name), now, now);
      ScheduleWake(BackoffRemaining(c) + milliseconds(10));
    }
  };
  if (!env.ok()) {
    // Retried on every sync and when ConfigMaps/Secrets change.
    fail("CreateContainerConfigError", env.status().message(), false);
    return;
  }
  // Kubelet's defaults for what an image would provide.
  EnvList base = {{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
                  {"HOSTNAME", PodHostname(pod)},
                  {"HOME", "/root"}};
  for (auto& [k, v] : *env) {
    auto it = std::find_if(base.begin(), base.end(), [&](const auto& p) { return p.first == k; });
    if (it != base.end()) {
      it->second = v;
    } else {
      base.emplace_back(k, v);
    }
  }
  std::vector<std::string> args = ExpandCommand(c.spec, base);
  if (args.empty()) {
    fail("CreateContainerError",
         "container " + name +
             " has no command: images are not pulled, so spec.containers[].command must name a "
             "program on the node",
         true);
    return;
  }
  auto resources = ResourcesOf(c.spec);
  if (!resources.ok()) {
    fail("CreateContainerError", resources.status().message(), true);
    return;
  }
  if (!start_reported_) t = start_times_.Since("env", t);

  // The previous instance: its end becomes lastState, its cgroup goes.
  bool restart;
  {
    std::lock_guard lock(mu_);
    restart = c.exit.has_value();
    if (restart) c.last = TerminationOf(c, svc_.runtime->Name());
  }
  if (restart) {
    auto finished =
        CrashBackoff::Clock::time_point(std::chrono::duration_cast<CrashBackoff::Clock::duration>(
            std::chrono::nanoseconds(c.exit->finished_at_ns)));
    svc_.backoff->Next(BackoffKey(uid_, name), finished, CrashBackoff::Clock::now());
    RemoveInstance(c);
  }
  int attempt = c.restart_count + (restart ? 1 : 0);

  ContainerConfig cfg;
  cfg.pod_uid = uid_;
  cfg.pod_namespace = pod.metadata().namespace_();
  cfg.pod_name = pod.metadata().name();
  cfg.name = name;
  cfg.attempt = attempt;
  cfg.args = args;
  cfg.env = EnvStrings(base);
  cfg.working_dir = c.spec.working_dir();
  cfg.hostname = pod.spec().host_network() ? "" : PodHostname(pod);
  cfg.netns_path = state_.netns_path;
  if (pod.spec().host_pid()) {
    cfg.pid_ns = "host";
  } else if (pod.spec().share_process_namespace() && pause_) {
    cfg.pid_ns = "/proc/" + std::to_string(pause_->process.pid) + "/ns/pid";
  }
  std::string etc = PodDir() + "/etc";
  for (const auto& [file, target] :
       {std::pair<std::string, std::string>{"resolv.conf", "/etc/resolv.conf"},
        {"hosts", "/etc/hosts"},
        {"hostname", "/etc/hostname"}}) {
    if (PathExists(target) && PathExists(etc + "/" + file)) {
      cfg.mounts.push_back({etc + "/" + file, target, false});
    }
  }
  auto volume_mounts = volumes_.MountsFor(pod, WithApiAccessMount(pod, c.spec));
  if (!volume_mounts.ok()) {
    fail("CreateContainerConfigError", volume_mounts.status().message(), false);
    return;
  }
  for (auto& m : *volume_mounts)
    cfg.mounts.push_back(std::move(m));
  std::string log_dir = LogDir(pod);
  (void)MakeDirs(log_dir + "/" + name, 0755);
  PruneLogs(log_dir, name, 1);  // with the new one: current + previous
  cfg.log_path = ContainerLogPath(log_dir, name, attempt);
  cfg.cgroup_parent = state_.cgroup;
  cfg.resources = ResourcesFromMilliCpu(resources->requests.cpu_milli, resources->limits.cpu_milli,
                                        resources->limits.memory_bytes);
  const auto& psc = pod.spec().security_context();
  const auto& sc = c.spec.security_context();
  if (sc.has_run_as_user()) {
    cfg.run_as_user = sc.run_as_user();
  } else if (psc.has_run_as_user()) {
    cfg.run_as_user = psc.run_as_user();
  }
  if (sc.has_run_as_group()) {
    cfg.run_as_group = sc.run_as_group();
  } else if (psc.has_run_as_group()) {
    cfg.run_as_group = psc.run_as_group();
  }
  cfg.supplemental_groups.assign(psc.supplemental_groups().begin(),
                                 psc.supplemental_groups().end());
  if (psc.has_fs_group()) cfg.supplemental_groups.push_back(psc.fs_group());
  cfg.no_new_privileges = sc.has_allow_privilege_escalation() && !sc.allow_privilege_escalation();
  if (!start_reported_) {
    start_times_.Since("ctr_prepare", t);
    cfg.times = &start_times_;
  }

  auto h = svc_.runtime->Start(cfg);
  if (!h.ok()) {
    {
      std::lock_guard lock(mu_);
      if (restart) c.restart_count = attempt;
      c.exit.reset();
      c.handle.reset();
    }
    fail("RunContainerError", h.status().message(), true);
    SaveState();
    return;
  }
  {
    std::lock_guard lock(mu_);
    c.restart_count = attempt;
    c.handle = *h;
    c.instance_removed = false;
    c.running = true;
    c.exit.reset();
    c.start_failed = false;
    c.waiting_message.clear();
    c.started = !c.spec.has_startup_probe();
    c.ready = false;
    c.kill_requested = false;
    c.env = base;
  }
  SaveState();
  WatchInstance(c);
  svc_.host->Event(pod, "Normal", "Created", "Created container " + name);
  svc_.host->Event(pod, "Normal", "Started", "Started container " + name);
  Log()->info("started container pod={}/{} container={} attempt={} pid={}",
              pod.metadata().namespace_(), pod.metadata().name(), name, attempt, h->process.pid);

  if (c.spec.has_lifecycle() && c.spec.lifecycle().has_post_start()) {
    std::string error;
    if (!RunHook(pod, c, c.spec.lifecycle().post_start(), GracePeriod(pod), &error)) {
      svc_.host->Event(pod, "Warning", "FailedPostStartHook", error);
      std::lock_guard lock(mu_);
      c.kill_requested = true;
      c.kill_message = "FailedPostStartHook";
      dirty_ = true;
      return;
    }
  }
  StartProbes(pod, c);
  {
    std::lock_guard lock(mu_);
    if (!c.spec.has_readiness_probe()) c.ready = c.started;
  }
}

void PodWorker::WatchInstance(Container& c) {
  std::weak_ptr<PodWorker> weak = weak_from_this();
  std::string id = c.handle->id;
  (void)svc_.runtime->Watch(*c.handle, [weak, id](const ContainerExit& e) {
    if (auto self = weak.lock()) self->OnExit(id, e);
  });
}

void PodWorker::OnExit(const std::string& id, const ContainerExit& exit) {
  std::lock_guard lock(mu_);
  Container* c = FindByInstance(id);
  if (!c) return;
  c->running = false;
  c->ready = false;
  c->exit = exit;
  StopProbes(*c);
  dirty_ = true;
  cv_.notify_all();
}

void PodWorker::RemoveInstance(Container& c) {
  std::optional<ContainerHandle> h;
  {
    std::lock_guard lock(mu_);
    StopProbes(c);
    if (!c.handle || c.instance_removed) return;
    h = c.handle;
    c.instance_removed = true;
  }
  Status st = svc_.runtime->Remove(*h);
  if (!st.ok()) Log()->warn("removing container instance id={}: {}", h->id, st.message());
}

ActionTarget PodWorker::TargetFor(const Container& c) const {
  ActionTarget t;
  const auto& ips = state_.pod_ips.empty() ? options_.host_ips : state_.pod_ips;
  if (!ips.empty()) t.pod_ip = ips[0];
  t.container = &c.spec;
  t.runtime = svc_.runtime;
  if (c.handle) t.handle = *c.handle;
  t.env = EnvStrings(c.env);
  return t;
}

bool PodWorker::RunHook(const api::Pod& pod, Container& c, const api::LifecycleHandler& h,
                        milliseconds timeout, std::string* error) {
  ActionTarget target;
  {
    std::lock_guard lock(mu_);
    target = TargetFor(c);
  }
  ActionResult r{true, ""};
  std::string kind;
  if (h.has_exec()) {
    kind = "Exec";
    r = RunExecAction(h.exec(), target, timeout);
  } else if (h.has_http_get()) {
    kind = "HTTP";
    r = RunHttpGetAction(h.http_get(), target, timeout);
  } else if (h.has_sleep()) {
    std::this_thread::sleep_for(std::min(milliseconds(h.sleep().seconds() * 1000), timeout));
  }
  // tcpSocket is accepted by the API for compatibility and does nothing.
  if (r.success) return true;
  *error = kind + " lifecycle hook for Container \"" + c.spec.name() + "\" in Pod \"" +
           pod.metadata().name() + "_" + pod.metadata().namespace_() + "(" + uid_ +
           ")\" failed - error: " + Trim(r.message);
  return false;
}

void PodWorker::KillContainer(const api::Pod& pod, Container& c, milliseconds grace,
                              const std::string& message, bool run_pre_stop) {
  std::optional<ContainerHandle> h;
  {
    std::lock_guard lock(mu_);
    if (!c.running || c.stopping || !c.handle) return;
    c.stopping = true;
    h = c.handle;
  }
  auto begin = std::chrono::steady_clock::now();
  auto deadline = begin + grace;
  svc_.host->Event(pod, "Normal", "Killing",
                   message.empty() ? "Stopping container " + c.spec.name() : message);
  if (run_pre_stop && c.spec.has_lifecycle() && c.spec.lifecycle().has_pre_stop()) {
    std::string error;
    if (!RunHook(pod, c, c.spec.lifecycle().pre_stop(), grace, &error)) {
      svc_.host->Event(pod, "Warning", "FailedPreStopHook", error);
    }
  }
  (void)svc_.runtime->Signal(*h, StopSignal(c.spec));
  std::unique_lock lock(mu_);
  // The grace period may shrink while we wait (a second, shorter delete).
  while (c.running && std::chrono::steady_clock::now() < deadline) {
    if (pod_->metadata().has_deletion_grace_period_seconds()) {
      milliseconds g =
          std::max(milliseconds(pod_->metadata().deletion_grace_period_seconds() * 1000),
                   options_.minimum_grace);
      deadline = std::min(deadline, begin + g);
    }
    cv_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() +
                                                std::chrono::milliseconds(200)));
  }
  if (c.running) {
    lock.unlock();
    (void)svc_.runtime->Signal(*h, SIGKILL);
    lock.lock();
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !c.running; });
  }
  c.stopping = false;
  c.kill_requested = false;
}

void PodWorker::StopAll(const api::Pod& pod, milliseconds grace, bool app_only) {
  auto stop = [&](std::vector<std::unique_ptr<Container>>& list) {
    std::vector<std::thread> threads;
    for (auto& c : list) {
      bool running;
      {
        std::lock_guard lock(mu_);
        running = c->running;
      }
      if (running) {
        threads.emplace_back(
            [this, &pod, grace, c = c.get()] { KillContainer(pod, *c, grace, "", true); });
      }
    }
    for (auto& t : threads)
      t.join();
  };
  // App containers first; sidecars (init containers) after them, as
  // Kubernetes stops them.
  stop(app_);
  if (!app_only) stop(init_);
}

void PodWorker::StartProbes(const api::Pod& pod, Container& c) {
  std::lock_guard lock(mu_);
  if (c.probes_started || !c.handle) return;
  c.probes_started = true;
  if (c.env.empty()) {
    // Adopted: rebuild what the exec probes need.
    EnvSources sources = svc_.host->EnvSourcesFor(pod);
    sources.pod_ips = state_.pod_ips;
    sources.host_ips = options_.host_ips;
    auto env = BuildEnvironment(pod, c.spec, sources, nullptr);
    if (env.ok()) c.env = *env;
  }
  std::weak_ptr<PodWorker> weak = weak_from_this();
  std::string id = c.handle->id;
  for (int kind = 0; kind < 3; ++kind) {
    const api::Probe* p = ProbeOf(c.spec, kind);
    if (!p) continue;
    c.trackers[kind] = std::make_unique<ProbeTracker>(
        static_cast<ProbeTracker::Kind>(kind),
        kind == kLivenessProbe || kind == kStartupProbe ? 1 : p->success_threshold(),
        p->failure_threshold() > 0 ? p->failure_threshold() : 3);
    milliseconds period(1000LL * (p->period_seconds() > 0 ? p->period_seconds() : 10));
    milliseconds delay(1000LL * p->initial_delay_seconds());
    // Adopted containers have been up for a while: no initial delay again.
    if (c.handle->started_at_ns > 0) {
      int64_t up_ms = (NowNanos() - c.handle->started_at_ns) / 1000000;
      delay = std::max(milliseconds(0), delay - milliseconds(up_ms));
    }
    c.probe_ids[kind] = svc_.prober->Schedule(delay, period, [weak, id, kind] {
      if (auto self = weak.lock()) self->RunProbe(id, kind);
    });
  }
}

void PodWorker::StopProbes(Container& c) {
  for (int kind = 0; kind < 3; ++kind) {
    if (c.probe_ids[kind]) svc_.prober->Cancel(c.probe_ids[kind]);
    c.probe_ids[kind] = 0;
  }
  c.probes_started = false;
}

void PodWorker::RunProbe(const std::string& id, int kind) {
  ActionTarget target;
  api::Probe probe;
  std::shared_ptr<const api::Pod> pod;
  {
    std::lock_guard lock(mu_);
    Container* c = FindByInstance(id);
    if (!c || !c->running || c->stopping || !c->trackers[kind]) return;
    // The startup probe gates the others.
    if (kind != kStartupProbe && !c->started) return;
    if (kind == kStartupProbe && c->started) return;
    probe = *ProbeOf(c->spec, kind);
    target = TargetFor(*c);
    pod = pod_;
  }
  ActionResult r = RunProbeHandler(probe, target);
  std::string event;
  {
    std::lock_guard lock(mu_);
    Container* c = FindByInstance(id);
    if (!c || !c->running || c->stopping || !c->trackers[kind]) return;
    ProbeTracker& t = *c->trackers[kind];
    bool changed = t.Observe(r.success);
    if (!r.success) event = std::string(kProbeNames[kind]) + " probe failed: " + Trim(r.message);
    switch (kind) {
      case kReadinessProbe:
        if (changed) c->ready = t.reported().value_or(false);
        break;
      case kStartupProbe:
        if (t.reported() == true) {
          c->started = true;
          if (!c->spec.has_readiness_probe()) c->ready = true;
          changed = true;
        } else if (t.reported() == false) {
          c->kill_requested = true;
          c->kill_message =
              "Container " + c->spec.name() + " failed startup probe, will be restarted";
        }
        break;
      case kLivenessProbe:
        if (t.reported() == false) {
          c->kill_requested = true;
          c->kill_message =
              "Container " + c->spec.name() + " failed liveness probe, will be restarted";
          changed = true;
        }
        break;
    }
    if (changed || c->kill_requested) {
      dirty_ = true;
      cv_.notify_all();
    }
  }
  if (!event.empty() && pod) svc_.host->Event(*pod, "Warning", "Unhealthy", event);
}

}  // namespace skiff::node
