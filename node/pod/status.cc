#include "node/pod/status.h"

#include <time.h>

#include <algorithm>
#include <map>

namespace skiff::node {
namespace {

bool IsSidecar(const api::Container& c) {
  return c.has_restart_policy() && c.restart_policy() == "Always";
}

void FillState(api::ContainerState* out, const ContainerView& v) {
  switch (v.state) {
    case ContainerView::State::kWaiting: {
      auto* w = out->mutable_waiting();
      w->set_reason(v.waiting_reason);
      w->set_message(v.waiting_message);
      break;
    }
    case ContainerView::State::kRunning:
      *out->mutable_running()->mutable_started_at() = ToTimestamp(v.started_at_ns);
      break;
    case ContainerView::State::kTerminated:
      if (!v.terminated) break;
      [[fallthrough]];
    default: {
      const TerminationView& t = *v.terminated;
      auto* o = out->mutable_terminated();
      o->set_exit_code(t.exit_code);
      o->set_signal(t.signal);
      o->set_reason(t.reason);
      o->set_message(t.message);
      if (t.started_at_ns) *o->mutable_started_at() = ToTimestamp(t.started_at_ns);
      if (t.finished_at_ns) *o->mutable_finished_at() = ToTimestamp(t.finished_at_ns);
      o->set_container_id(t.container_id);
      break;
    }
  }
}

api::ContainerStatus ToStatus(const ContainerView& v) {
  api::ContainerStatus s;
  s.set_name(v.name);
  s.set_image(v.image);
  FillState(s.mutable_state(), v);
  if (v.last) {
    ContainerView last;
    last.state = ContainerView::State::kTerminated;
    last.terminated = v.last;
    FillState(s.mutable_last_state(), last);
  }
  s.set_ready(v.ready);
  s.set_restart_count(v.restart_count);
  s.set_container_id(v.container_id);
  s.set_started(v.state == ContainerView::State::kRunning && v.started);
  return s;
}

const ContainerView* Find(const std::vector<ContainerView>& v, const std::string& name) {
  for (const auto& c : v) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string JoinNames(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i)
    out += (i ? " " : "") + v[i];
  return out + "]";
}

// Sets a condition, keeping lastTransitionTime when the status is unchanged.
void SetCondition(api::PodStatus* status, const api::PodStatus& previous, const std::string& type,
                  bool value, const std::string& reason, const std::string& message,
                  int64_t now_ns) {
  api::PodCondition c;
  c.set_type(type);
  c.set_status(value ? "True" : "False");
  c.set_reason(reason);
  c.set_message(message);
  *c.mutable_last_transition_time() = ToTimestamp(now_ns);
  for (const auto& p : previous.conditions()) {
    if (p.type() == type && p.status() == c.status() && p.has_last_transition_time()) {
      *c.mutable_last_transition_time() = p.last_transition_time();
    }
  }
  *status->add_conditions() = c;
}

}  // namespace

google::protobuf::Timestamp ToTimestamp(int64_t ns) {
  google::protobuf::Timestamp t;
  t.set_seconds(ns / 1000000000LL);
  return t;
}

int64_t FromTimestamp(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000000LL + t.nanos();
}

int64_t NowNanos() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

std::string PodPhase(const api::Pod& pod, const PodView& v) {
  const auto& spec = pod.spec();
  std::string policy = spec.restart_policy().empty() ? "Always" : spec.restart_policy();
  int pending_init = 0, failed_init = 0;
  int unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const auto& c : spec.init_containers()) {
    const ContainerView* s = Find(v.init, c.name());
    if (IsSidecar(c)) {
      if (!s) {
        unknown++;
      } else if (s->state == ContainerView::State::kRunning) {
        running++;
      } else if (s->state == ContainerView::State::kWaiting && !s->last) {
        waiting++;
      }
      continue;
    }
    if (!s) {
      pending_init++;
      continue;
    }
    switch (s->state) {
      case ContainerView::State::kRunning:
        pending_init++;
        break;
      case ContainerView::State::kTerminated:
        if (!s->terminated || s->terminated->exit_code != 0) failed_init++;
        break;
      case ContainerView::State::kWaiting:
        if (s->last) {
          if (s->last->exit_code != 0) failed_init++;
        } else {
          pending_init++;
        }
        break;
    }
  }
  for (const auto& c : spec.containers()) {
    const ContainerView* s = Find(v.app, c.name());
    if (!s) {
      unknown++;
      continue;
    }
    switch (s->state) {
      case ContainerView::State::kRunning:
        running++;
        break;
      case ContainerView::State::kTerminated:
        stopped++;
        if (s->terminated && s->terminated->exit_code == 0) succeeded++;
        break;
      case ContainerView::State::kWaiting:
        if (s->last) {
          stopped++;
        } else {
          waiting++;
        }
        break;
    }
  }
  if (failed_init > 0 && policy == "Never") return "Failed";
  if (pending_init > 0 && (policy != "Never" || failed_init == 0)) return "Pending";
  if (waiting > 0) return "Pending";
  if (running > 0 && unknown == 0 && !v.terminal) return "Running";
  if ((running == 0 || v.terminal) && stopped > 0 && unknown == 0) {
    if (v.terminal) return stopped == succeeded ? "Succeeded" : "Failed";
    if (policy == "Always") return "Running";
    if (stopped == succeeded) return "Succeeded";
    if (policy == "Never") return "Failed";
    return "Running";
  }
  if (v.terminal) return "Failed";
  return "Pending";
}

api::PodStatus ComputePodStatus(const api::Pod& pod, const PodView& v, const api::PodStatus& prev,
                                int64_t now_ns) {
  const api::PodStatus& live = pod.status();
  api::PodStatus s;
  s.set_observed_generation(pod.metadata().generation());
  s.set_qos_class(live.qos_class());
  s.set_nominated_node_name(live.nominated_node_name());
  if (!v.host_ips.empty()) {
    s.set_host_ip(v.host_ips[0]);
    for (const auto& ip : v.host_ips)
      s.add_host_ips()->set_ip(ip);
  }
  if (v.start_time_ns) *s.mutable_start_time() = ToTimestamp(v.start_time_ns);

  if (!v.rejected_reason.empty()) {
    s.set_phase("Failed");
    s.set_reason(v.rejected_reason);
    s.set_message(v.rejected_message);
    for (const auto& c : live.conditions()) {
      if (c.type() == "PodScheduled") *s.add_conditions() = c;
    }
    return s;
  }

  for (const auto& ip : v.pod_ips)
    s.add_pod_ips()->set_ip(ip);
  if (!v.pod_ips.empty()) s.set_pod_ip(v.pod_ips[0]);
  for (const auto& c : v.init)
    *s.add_init_container_statuses() = ToStatus(c);
  for (const auto& c : v.app)
    *s.add_container_statuses() = ToStatus(c);
  std::string phase = PodPhase(pod, v);
  s.set_phase(phase);
  bool terminal = phase == "Succeeded" || phase == "Failed";

  // PodScheduled belongs to the scheduler; a bound pod without it was
  // bound directly (spec.nodeName in the manifest).
  bool scheduled = false;
  for (const auto& c : live.conditions()) {
    if (c.type() == "PodScheduled") {
      *s.add_conditions() = c;
      scheduled = true;
    }
  }
  if (!scheduled) SetCondition(&s, prev, "PodScheduled", true, "", "", now_ns);
  SetCondition(&s, prev, "PodReadyToStartContainers", v.sandbox_ready && !terminal, "", "", now_ns);

  std::vector<std::string> incomplete;
  for (const auto& c : pod.spec().init_containers()) {
    const ContainerView* cv = Find(v.init, c.name());
    bool done = cv && (IsSidecar(c) ? cv->state == ContainerView::State::kRunning && cv->started
                                    : cv->state == ContainerView::State::kTerminated &&
                                          cv->terminated && cv->terminated->exit_code == 0);
    // Once the app containers have started, init is complete for good.
    bool apps_started = false;
    for (const auto& a : v.app)
      apps_started |= a.state != ContainerView::State::kWaiting || a.last;
    if (!done && !apps_started) incomplete.push_back(c.name());
  }
  if (incomplete.empty()) {
    SetCondition(&s, prev, "Initialized", true, "", "", now_ns);
  } else {
    SetCondition(&s, prev, "Initialized", false, "ContainersNotInitialized",
                 "containers with incomplete status: " + JoinNames(incomplete), now_ns);
  }

  std::vector<std::string> unready;
  for (const auto& c : pod.spec().init_containers()) {
    const ContainerView* cv = Find(v.init, c.name());
    if (IsSidecar(c) && (!cv || !cv->ready)) unready.push_back(c.name());
  }
  for (const auto& c : pod.spec().containers()) {
    const ContainerView* cv = Find(v.app, c.name());
    if (!cv || !cv->ready) unready.push_back(c.name());
  }
  std::string reason, message;
  bool containers_ready = unready.empty();
  if (terminal) {
    containers_ready = false;
    reason = "PodCompleted";
  } else if (!incomplete.empty()) {
    containers_ready = false;
    reason = "ContainersNotInitialized";
    message = "containers with incomplete status: " + JoinNames(incomplete);
  } else if (!containers_ready) {
    reason = "ContainersNotReady";
    message = "containers with unready status: " + JoinNames(unready);
  }
  SetCondition(&s, prev, "ContainersReady", containers_ready, reason, message, now_ns);

  // Readiness gates: conditions set by others, which Ready also waits for.
  bool gates_ok = true;
  std::string gate_message;
  for (const auto& gate : pod.spec().readiness_gates()) {
    bool found = false, ok = false;
    for (const auto& c : live.conditions()) {
      if (c.type() == gate.condition_type()) {
        found = true;
        ok = c.status() == "True";
        *s.add_conditions() = c;
      }
    }
    if (!ok) {
      gates_ok = false;
      gate_message = found ? "the status of pod readiness gate \"" + gate.condition_type() +
                                 "\" is not \"True\", but False"
                           : "corresponding condition of pod readiness gate \"" +
                                 gate.condition_type() + "\" does not exist.";
    }
  }
  if (containers_ready && !gates_ok) {
    SetCondition(&s, prev, "Ready", false, "ReadinessGatesNotReady", gate_message, now_ns);
  } else {
    SetCondition(&s, prev, "Ready", containers_ready, reason, message, now_ns);
  }
  return s;
}

}  // namespace skiff::node
