// PodWorker: creation, adoption, the sync loop, termination and status.
#include "node/pod/worker.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

#include "common/log.h"
#include "node/pod/logs.h"
#include "node/pod/worker_internal.h"
#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

auto Log() {
  return log::Get("agent");
}

bool IsSidecar(const api::Container& c) {
  return c.has_restart_policy() && c.restart_policy() == "Always";
}

}  // namespace

std::string BackoffKey(const std::string& uid, const std::string& name) {
  return uid + "/" + name;
}

const api::Probe* ProbeOf(const api::Container& c, int kind) {
  switch (kind) {
    case kLivenessProbe:
      return c.has_liveness_probe() ? &c.liveness_probe() : nullptr;
    case kReadinessProbe:
      return c.has_readiness_probe() ? &c.readiness_probe() : nullptr;
    default:
      return c.has_startup_probe() ? &c.startup_probe() : nullptr;
  }
}

TerminationView TerminationOf(const PodWorker::Container& c, const std::string& runtime_name) {
  TerminationView t;
  if (!c.exit) return t;
  const ContainerExit& e = *c.exit;
  t.exit_code = e.exit_code;
  t.signal = e.signal;
  t.finished_at_ns = e.finished_at_ns;
  if (c.handle) {
    t.started_at_ns = c.handle->started_at_ns;
    t.container_id = runtime_name + "://" + c.handle->id;
  }
  if (e.unknown) {
    t.reason = "ContainerStatusUnknown";
    t.message = "The container could not be located when the pod was terminated";
  } else if (e.oom_killed) {
    t.reason = "OOMKilled";
  } else {
    t.reason = e.exit_code == 0 ? "Completed" : "Error";
  }
  // FallbackToLogsOnError: the end of the log explains a failure.
  if (e.exit_code != 0 && c.spec.termination_message_policy() == "FallbackToLogsOnError" &&
      c.handle && t.message.empty()) {
    auto text = ReadFile(c.handle->log_path);
    if (text.ok()) {
      std::string tail = TailLines(*text, 80);
      if (tail.size() > 2048) tail = tail.substr(tail.size() - 2048);
      t.message = tail;
    }
  }
  return t;
}

PodWorker::PodWorker(WorkerServices services, WorkerOptions options,
                     std::shared_ptr<const api::Pod> pod)
    : svc_(services),
      options_(std::move(options)),
      uid_(pod->metadata().uid()),
      pod_(pod),
      volumes_(options_.pods_dir + "/" + uid_) {
  state_.uid = uid_;
  state_.ns = pod->metadata().namespace_();
  state_.name = pod->metadata().name();
  auto add = [&](const api::Container& spec, bool init) {
    auto c = std::make_unique<Container>();
    c->spec = spec;
    c->init = init;
    c->sidecar = init && IsSidecar(spec);
    c->waiting_reason = init ? "PodInitializing" : "ContainerCreating";
    (init ? init_ : app_).push_back(std::move(c));
  };
  for (const auto& c : pod->spec().init_containers())
    add(c, true);
  for (const auto& c : pod->spec().containers())
    add(c, false);
  if (!init_.empty()) {
    for (auto& c : app_)
      c->waiting_reason = "PodInitializing";
  }
}

std::shared_ptr<PodWorker> PodWorker::Create(WorkerServices services, WorkerOptions options,
                                             std::shared_ptr<const api::Pod> pod,
                                             std::string rejected_reason,
                                             std::string rejected_message) {
  std::shared_ptr<PodWorker> w(new PodWorker(services, std::move(options), pod));
  w->state_.rejected_reason = std::move(rejected_reason);
  w->state_.rejected_message = std::move(rejected_message);
  if (!w->state_.rejected_reason.empty()) w->state_.terminal = true;
  w->state_.start_time_ns =
      pod->status().has_start_time() ? FromTimestamp(pod->status().start_time()) : NowNanos();
  w->Start();
  return w;
}

std::shared_ptr<PodWorker> PodWorker::Adopt(WorkerServices services, WorkerOptions options,
                                            std::shared_ptr<const api::Pod> pod, PodState state,
                                            std::vector<ContainerHandle> instances) {
  std::shared_ptr<PodWorker> w(new PodWorker(services, std::move(options), pod));
  w->start_reported_ = true;  // started by an earlier agent
  w->state_ = std::move(state);
  std::map<std::string, ContainerHandle> by_id;
  for (auto& h : instances)
    by_id[h.id] = h;
  // Readiness as last reported, so an agent restart does not flap it.
  std::map<std::string, const api::ContainerStatus*> reported;
  for (const auto& s : pod->status().container_statuses())
    reported[s.name()] = &s;
  for (const auto& s : pod->status().init_container_statuses())
    reported[s.name()] = &s;
  auto adopt = [&](Container& c) {
    auto it = w->state_.containers.find(c.spec.name());
    if (it == w->state_.containers.end()) return;
    c.restart_count = it->second.restart_count;
    c.last = it->second.last;
    auto h = by_id.find(it->second.instance_id);
    if (h == by_id.end()) return;
    c.handle = h->second;
    by_id.erase(h);
    c.running = services.runtime->Running(*c.handle);
    auto r = reported.find(c.spec.name());
    if (c.running && r != reported.end()) {
      c.started = r->second->started() || !c.spec.has_startup_probe();
      c.ready = r->second->ready();
    } else if (c.running) {
      c.started = !c.spec.has_startup_probe();
    }
    w->WatchInstance(c);
  };
  for (auto& c : w->init_)
    adopt(*c);
  for (auto& c : w->app_)
    adopt(*c);
  auto pause = by_id.find(w->state_.pause_id);
  if (pause != by_id.end()) {
    w->pause_ = pause->second;
    by_id.erase(pause);
  }
  // Instances the state does not know (a start interrupted by a crash).
  for (auto& [id, h] : by_id)
    (void)services.runtime->Remove(h);
  for (auto& c : w->app_) {
    if (c->running) w->StartProbes(*pod, *c);
  }
  for (auto& c : w->init_) {
    if (c->running) w->StartProbes(*pod, *c);
  }
  Log()->info("adopted pod={}/{} uid={} running={}", w->state_.ns, w->state_.name, w->uid_,
              w->RunningInstances().size());
  w->Start();
  return w;
}

void PodWorker::Start() {
  thread_ = std::thread([self = shared_from_this()] { self->Run(); });
}

PodWorker::~PodWorker() {
  if (thread_.joinable()) {
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      Detach();
    }
  }
}

void PodWorker::Update(std::shared_ptr<const api::Pod> pod) {
  std::lock_guard lock(mu_);
  if (pod->metadata().uid() != uid_) return;
  pod_ = std::move(pod);
  dirty_ = true;
  cv_.notify_all();
}

void PodWorker::Removed() {
  std::lock_guard lock(mu_);
  removed_ = true;
  dirty_ = true;
  cv_.notify_all();
}

void PodWorker::Poke() {
  std::lock_guard lock(mu_);
  dirty_ = true;
  cv_.notify_all();
}

void PodWorker::Detach() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  std::lock_guard lock(mu_);
  for (auto* list : {&init_, &app_}) {
    for (auto& c : *list) {
      StopProbes(*c);
      if (c->handle) svc_.runtime->Unwatch(*c->handle);
    }
  }
}

std::shared_ptr<const api::Pod> PodWorker::pod() const {
  std::lock_guard lock(mu_);
  return pod_;
}

bool PodWorker::HoldsResources() const {
  std::lock_guard lock(mu_);
  return !state_.terminal && !done_;
}

std::string PodWorker::PodCgroup() const {
  std::lock_guard lock(mu_);
  return state_.cgroup;
}

std::vector<ContainerHandle> PodWorker::RunningInstances() const {
  std::vector<ContainerHandle> out;
  for (const auto* list : {&init_, &app_}) {
    for (const auto& c : *list) {
      if (c->running && c->handle) out.push_back(*c->handle);
    }
  }
  return out;
}

void PodWorker::ScheduleWake(std::chrono::milliseconds in) {
  auto at = std::chrono::steady_clock::now() + in;
  std::lock_guard lock(mu_);
  if (at < wake_) wake_ = at;
}

void PodWorker::Run() {
  for (;;) {
    std::shared_ptr<const api::Pod> pod;
    bool removed;
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, wake_, [&] { return dirty_ || stop_; });
      if (stop_) return;
      dirty_ = false;
      wake_ = std::chrono::steady_clock::now() + options_.resync;
      pod = pod_;
      removed = removed_;
    }
    Step(pod, removed);
    if (done_) return;
  }
}

void PodWorker::Step(const std::shared_ptr<const api::Pod>& pod, bool removed) {
  if (!start_reported_ && start_times_.empty()) start_times_.Since("worker_wait", seen_at_);
  if (removed || pod->metadata().has_deletion_timestamp()) {
    Terminate(pod, removed);
    return;
  }
  if (state_.terminal) {
    Publish(*pod, true);
    return;
  }
  if (!state_.sandbox_ready && !EnsureSandbox(*pod)) {
    Publish(*pod, false);
    return;
  }
  auto effective = EffectivePod(pod);
  if (!effective || !SyncVolumes(*effective)) {
    Publish(*pod, false);
    return;
  }
  SyncContainers(*effective);
  if (!start_reported_) ReportStartTimes(*pod);

  // Terminal: an init container failed under restartPolicy Never, or every
  // app container ended and none will be restarted.
  std::string policy =
      pod->spec().restart_policy().empty() ? "Always" : pod->spec().restart_policy();
  bool init_failed = false;
  for (const auto& c : init_) {
    std::lock_guard lock(mu_);
    if (!c->sidecar && !c->running && c->exit && c->exit->exit_code != 0 && policy == "Never") {
      init_failed = true;
    }
  }
  bool apps_done = !app_.empty();
  for (const auto& c : app_) {
    std::lock_guard lock(mu_);
    if (c->running || !c->exit || ShouldRestart(*pod, *c)) apps_done = false;
  }
  if (init_failed || apps_done) {
    StopAll(*pod, GracePeriod(*pod), false);
    ReleaseSandbox(*pod);
    if (!state_.sandbox_ready) {
      std::lock_guard lock(mu_);
      state_.terminal = true;
    }
    SaveState();
  }
  Publish(*pod, state_.terminal);
}

std::chrono::milliseconds PodWorker::GracePeriod(const api::Pod& pod) const {
  int64_t seconds = 30;
  if (pod.metadata().has_deletion_grace_period_seconds()) {
    seconds = pod.metadata().deletion_grace_period_seconds();
  } else if (pod.spec().has_termination_grace_period_seconds()) {
    seconds = pod.spec().termination_grace_period_seconds();
  }
  return std::max(std::chrono::milliseconds(seconds * 1000), options_.minimum_grace);
}

void PodWorker::Terminate(const std::shared_ptr<const api::Pod>& pod, bool removed) {
  if (done_) return;
  StopAll(*pod, GracePeriod(*pod), false);
  ReleaseSandbox(*pod);
  if (state_.sandbox_ready) {
    // Network teardown failed: keep the pod (and its state) and retry.
    ScheduleWake(std::chrono::seconds(5));
    return;
  }
  if (!removed) {
    if (state_.rejected_reason.empty()) Publish(*pod, true);
    Status st = svc_.host->DeletePod(*pod);
    if (!st.ok() && st.code() != StatusCode::kNotFound) {
      Log()->warn("delete pod={}/{} failed, retrying: {}", state_.ns, state_.name, st.message());
      ScheduleWake(std::chrono::seconds(2));
      return;
    }
  }
  (void)RemoveTree(PodDir());
  (void)RemoveTree(LogDir(*pod));
  Log()->info("pod gone pod={}/{} uid={}", state_.ns, state_.name, uid_);
  done_ = true;
}

std::string PodWorker::LogDir(const api::Pod& pod) const {
  return PodLogDir(options_.logs_dir, pod.metadata().namespace_(), pod.metadata().name(), uid_);
}

void PodWorker::ReportStartTimes(const api::Pod& pod) {
  {
    std::lock_guard lock(mu_);
    for (const auto& c : app_) {
      if (!c->running) return;
    }
  }
  start_reported_ = true;
  auto total = StageTimes::Clock::now() - seen_at_;
  start_times_.Observe();
  Log()->info("pod started pod={}/{} uid={} in {:.1f}ms: {}", pod.metadata().namespace_(),
              pod.metadata().name(), uid_, std::chrono::duration<double, std::milli>(total).count(),
              start_times_.Format());
}

void PodWorker::SaveState() {
  auto t = StageTimes::Clock::now();
  PodState copy;
  {
    std::lock_guard lock(mu_);
    for (const auto* list : {&init_, &app_}) {
      for (const auto& c : *list) {
        ContainerRecord& r = state_.containers[c->spec.name()];
        r.restart_count = c->restart_count;
        r.last = c->last;
        r.instance_id = c->handle && !c->instance_removed ? c->handle->id : "";
      }
    }
    state_.pause_id = pause_ ? pause_->id : "";
    copy = state_;
  }
  Status st = SavePodState(PodDir(), copy);
  if (!st.ok()) Log()->error("saving pod state uid={}: {}", uid_, st.message());
  if (!start_reported_) start_times_.Since("state_file", t);
}

PodView PodWorker::BuildView(const api::Pod& pod, bool terminal) const {
  PodView v;
  std::lock_guard lock(mu_);
  v.sandbox_ready = state_.sandbox_ready;
  v.pod_ips = state_.pod_ips;
  if (pod.spec().host_network()) v.pod_ips = options_.host_ips;
  v.host_ips = options_.host_ips;
  v.start_time_ns = state_.start_time_ns;
  v.rejected_reason = state_.rejected_reason;
  v.rejected_message = state_.rejected_message;
  v.terminal = terminal;
  bool init_done = true;
  for (const auto& c : init_) {
    if (c->sidecar ? !(c->running && c->started)
                   : !(c->exit && c->exit->exit_code == 0 && !c->running)) {
      init_done = false;
    }
  }
  auto view = [&](const Container& c) {
    ContainerView cv;
    cv.name = c.spec.name();
    cv.image = c.spec.image();
    cv.restart_count = c.restart_count;
    cv.last = c.last;
    cv.ready = c.running && c.ready && !terminal;
    cv.started = c.started;
    if (c.handle) cv.container_id = svc_.runtime->Name() + "://" + c.handle->id;
    if (c.running) {
      cv.state = ContainerView::State::kRunning;
      cv.started_at_ns = c.handle->started_at_ns;
    } else if (c.exit) {
      TerminationView t = TerminationOf(c, svc_.runtime->Name());
      if (!terminal && ShouldRestart(pod, c)) {
        cv.state = ContainerView::State::kWaiting;
        cv.last = t;
        auto wait = BackoffRemaining(c);
        cv.waiting_reason = wait.count() > 0 ? "CrashLoopBackOff" : "ContainerCreating";
        if (wait.count() > 0) {
          cv.waiting_message = "back-off " +
                               FormatGoDuration(svc_.backoff->Current(
                                   BackoffKey(uid_, c.spec.name()), CrashBackoff::Clock::now())) +
                               " restarting failed container=" + c.spec.name() +
                               " pod=" + pod.metadata().name() + "_" + pod.metadata().namespace_() +
                               "(" + uid_ + ")";
        }
      } else {
        cv.state = ContainerView::State::kTerminated;
        cv.terminated = t;
      }
    } else {
      cv.state = ContainerView::State::kWaiting;
      cv.waiting_reason = c.waiting_reason;
      cv.waiting_message = c.waiting_message;
      if (!c.init && !init_done && !c.start_failed) cv.waiting_reason = "PodInitializing";
      if (!state_.sandbox_ready && !sandbox_error_.empty()) {
        cv.waiting_reason = "ContainerCreating";
        cv.waiting_message = sandbox_error_;
      }
    }
    return cv;
  };
  for (const auto& c : init_)
    v.init.push_back(view(*c));
  for (const auto& c : app_)
    v.app.push_back(view(*c));
  return v;
}

void PodWorker::Publish(const api::Pod& pod, bool terminal) {
  PodView view = BuildView(pod, terminal);
  // Transition times continue from what this worker reported last.
  api::PodStatus previous = published_once_ ? last_published_ : pod.status();
  api::PodStatus status = ComputePodStatus(pod, view, previous, NowNanos());
  if (published_once_ &&
      google::protobuf::util::MessageDifferencer::Equals(status, last_published_)) {
    return;
  }
  last_published_ = status;
  published_once_ = true;
  svc_.host->PublishStatus(pod, status);
}

}  // namespace skiff::node
