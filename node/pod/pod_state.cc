#include "node/pod/pod_state.h"

#include "common/json/json.h"
#include "node/runtime/fs.h"

namespace skiff::node {
namespace {

json::Value Termination(const TerminationView& t) {
  return json::Object{{"exitCode", t.exit_code},      {"signal", t.signal},
                      {"reason", t.reason},           {"message", t.message},
                      {"startedAt", t.started_at_ns}, {"finishedAt", t.finished_at_ns},
                      {"containerID", t.container_id}};
}

std::string Str(const json::Value& v, const char* k) {
  const json::Value* f = v.Find(k);
  return f && f->is_string() ? f->as_string() : std::string();
}

int64_t Int(const json::Value& v, const char* k) {
  const json::Value* f = v.Find(k);
  return f && f->is_int() ? f->as_int() : 0;
}

bool Bool(const json::Value& v, const char* k) {
  const json::Value* f = v.Find(k);
  return f && f->is_bool() && f->as_bool();
}

TerminationView ReadTermination(const json::Value& v) {
  TerminationView t;
  t.exit_code = static_cast<int>(Int(v, "exitCode"));
  t.signal = static_cast<int>(Int(v, "signal"));
  t.reason = Str(v, "reason");
  t.message = Str(v, "message");
  t.started_at_ns = Int(v, "startedAt");
  t.finished_at_ns = Int(v, "finishedAt");
  t.container_id = Str(v, "containerID");
  return t;
}

}  // namespace

std::string EncodePodState(const PodState& s) {
  json::Object o{{"uid", s.uid},
                 {"namespace", s.ns},
                 {"name", s.name},
                 {"startTime", s.start_time_ns},
                 {"sandboxReady", s.sandbox_ready},
                 {"netns", s.netns_path},
                 {"network", s.network},
                 {"cgroup", s.cgroup},
                 {"pauseID", s.pause_id},
                 {"terminal", s.terminal},
                 {"rejectedReason", s.rejected_reason},
                 {"rejectedMessage", s.rejected_message}};
  json::Array ips;
  for (const auto& ip : s.pod_ips)
    ips.emplace_back(ip);
  o.Set("podIPs", std::move(ips));
  json::Object containers;
  for (const auto& [name, c] : s.containers) {
    json::Object e{{"restartCount", c.restart_count}, {"instanceID", c.instance_id}};
    if (c.last) e.Set("last", Termination(*c.last));
    containers.Set(name, std::move(e));
  }
  o.Set("containers", std::move(containers));
  return json::Serialize(json::Value(std::move(o)), {2});
}

Result<PodState> DecodePodState(std::string_view text) {
  auto v = json::Parse(text);
  if (!v.ok()) return v.status();
  if (!v->is_object()) return InvalidArgument("pod state is not an object");
  PodState s;
  s.uid = Str(*v, "uid");
  s.ns = Str(*v, "namespace");
  s.name = Str(*v, "name");
  s.start_time_ns = Int(*v, "startTime");
  s.sandbox_ready = Bool(*v, "sandboxReady");
  s.netns_path = Str(*v, "netns");
  s.network = Str(*v, "network");
  s.cgroup = Str(*v, "cgroup");
  s.pause_id = Str(*v, "pauseID");
  s.terminal = Bool(*v, "terminal");
  s.rejected_reason = Str(*v, "rejectedReason");
  s.rejected_message = Str(*v, "rejectedMessage");
  if (const json::Value* ips = v->Find("podIPs"); ips && ips->is_array()) {
    for (const auto& ip : ips->as_array()) {
      if (ip.is_string()) s.pod_ips.push_back(ip.as_string());
    }
  }
  if (const json::Value* cs = v->Find("containers"); cs && cs->is_object()) {
    for (const auto& m : cs->as_object()) {
      ContainerRecord r;
      r.restart_count = static_cast<int>(Int(m.value, "restartCount"));
      r.instance_id = Str(m.value, "instanceID");
      if (const json::Value* last = m.value.Find("last"); last && last->is_object()) {
        r.last = ReadTermination(*last);
      }
      s.containers[m.key] = r;
    }
  }
  if (s.uid.empty()) return InvalidArgument("pod state without uid");
  return s;
}

Status SavePodState(const std::string& pod_dir, const PodState& s) {
  SKIFF_RETURN_IF_ERROR(MakeDirs(pod_dir, 0700));
  return WriteFileAtomic(pod_dir + "/state.json", EncodePodState(s), 0600);
}

Result<PodState> LoadPodState(const std::string& pod_dir) {
  auto text = ReadFile(pod_dir + "/state.json");
  if (!text.ok()) return text.status();
  return DecodePodState(*text);
}

}  // namespace skiff::node
