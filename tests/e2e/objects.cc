#include "tests/e2e/objects.h"

#include "common/json/json.h"

namespace skiff::e2e {
namespace {

using json::Value;

const Value* At(const Value* v, std::initializer_list<std::string_view> path) {
  for (auto key : path) {
    if (!v) return nullptr;
    v = v->Find(key);
  }
  return v;
}

std::string Str(const Value* v) {
  return v && v->is_string() ? v->as_string() : "";
}

// The objects of a `List` (its items) or the one object given.
Result<std::vector<const Value*>> Items(const Value& doc, std::string_view what) {
  if (!doc.is_object()) return InvalidArgument(std::string(what) + ": JSON is not an object");
  std::vector<const Value*> out;
  if (const Value* items = doc.Find("items")) {
    if (!items->is_array()) return InvalidArgument(std::string(what) + ": items is not an array");
    for (const auto& i : items->as_array()) {
      if (!i.is_object()) return InvalidArgument(std::string(what) + ": items[] is not an object");
      out.push_back(&i);
    }
    return out;
  }
  out.push_back(&doc);
  return out;
}

const Value* Condition(const Value* conditions, std::string_view type) {
  if (!conditions || !conditions->is_array()) return nullptr;
  for (const auto& c : conditions->as_array()) {
    if (Str(c.Find("type")) == type) return &c;
  }
  return nullptr;
}

bool ConditionTrue(const Value* conditions, std::string_view type) {
  const Value* c = Condition(conditions, type);
  return c && Str(c->Find("status")) == "True";
}

PodInfo ParsePod(const Value& p) {
  PodInfo pod;
  const Value* meta = p.Find("metadata");
  pod.name = Str(At(meta, {"name"}));
  pod.uid = Str(At(meta, {"uid"}));
  pod.terminating = At(meta, {"deletionTimestamp"}) != nullptr;
  if (const Value* labels = At(meta, {"labels"}); labels && labels->is_object()) {
    for (const auto& m : labels->as_object())
      pod.labels[m.key] = Str(&m.value);
  }
  if (const Value* owners = At(meta, {"ownerReferences"}); owners && owners->is_array()) {
    for (const auto& o : owners->as_array()) {
      const Value* ctl = o.Find("controller");
      if (ctl && ctl->is_bool() && ctl->as_bool()) pod.owner = Str(o.Find("name"));
    }
  }
  pod.node = Str(At(&p, {"spec", "nodeName"}));
  if (const Value* ctrs = At(&p, {"spec", "containers"});
      ctrs && ctrs->is_array() && !ctrs->as_array().empty()) {
    if (const Value* env = ctrs->as_array()[0].Find("env"); env && env->is_array()) {
      for (const auto& e : env->as_array()) {
        if (e.Find("value")) pod.env[Str(e.Find("name"))] = Str(e.Find("value"));
      }
    }
  }
  const Value* status = p.Find("status");
  pod.phase = Str(At(status, {"phase"}));
  pod.pod_ip = Str(At(status, {"podIP"}));
  pod.ready = ConditionTrue(At(status, {"conditions"}), "Ready");
  if (const Value* sc = Condition(At(status, {"conditions"}), "PodScheduled")) {
    pod.scheduled_status = Str(sc->Find("status"));
    pod.scheduled_reason = Str(sc->Find("reason"));
    pod.scheduled_message = Str(sc->Find("message"));
  }
  const Value* cs = At(status, {"containerStatuses"});
  if (cs && cs->is_array() && !cs->as_array().empty()) {
    pod.all_running = true;
    for (const auto& c : cs->as_array()) {
      const Value* rc = c.Find("restartCount");
      if (rc && rc->is_int()) pod.restarts += static_cast<int>(rc->as_int());
      if (!At(&c, {"state", "running"})) pod.all_running = false;
    }
    const Value& first = cs->as_array()[0];
    pod.waiting_reason = Str(At(&first, {"state", "waiting", "reason"}));
    pod.waiting_message = Str(At(&first, {"state", "waiting", "message"}));
  }
  return pod;
}

}  // namespace

std::string PodInfo::Label(const std::string& key) const {
  auto it = labels.find(key);
  return it == labels.end() ? "" : it->second;
}

std::string PodInfo::Env(const std::string& name) const {
  auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

std::string PodInfo::Summary() const {
  return name + " " + (phase.empty() ? "?" : phase) + (ready ? " ready" : " unready") +
         (terminating ? " terminating" : "") + " ip=" + (pod_ip.empty() ? "-" : pod_ip) +
         " restarts=" + std::to_string(restarts) + " uid=" + uid;
}

Result<std::vector<PodInfo>> ParsePods(std::string_view text) {
  auto doc = json::Parse(text);
  if (!doc.ok()) return InvalidArgument("pods: " + doc.status().message());
  auto items = Items(*doc, "pods");
  if (!items.ok()) return items.status();
  std::vector<PodInfo> out;
  for (const Value* p : *items) {
    PodInfo pod = ParsePod(*p);
    if (pod.name.empty()) return InvalidArgument("pods: an item lacks metadata.name");
    out.push_back(std::move(pod));
  }
  return out;
}

Result<std::vector<EndpointInfo>> ParseEndpoints(std::string_view text) {
  auto doc = json::Parse(text);
  if (!doc.ok()) return InvalidArgument("endpointslices: " + doc.status().message());
  auto items = Items(*doc, "endpointslices");
  if (!items.ok()) return items.status();
  std::vector<EndpointInfo> out;
  for (const Value* s : *items) {
    const Value* eps = s->Find("endpoints");
    if (!eps) continue;  // a slice without endpoints
    if (!eps->is_array()) return InvalidArgument("endpointslices: endpoints is not an array");
    for (const auto& e : eps->as_array()) {
      EndpointInfo ep;
      if (const Value* a = e.Find("addresses"); a && a->is_array() && !a->as_array().empty()) {
        ep.address = Str(&a->as_array()[0]);
      }
      ep.target_pod = Str(At(&e, {"targetRef", "name"}));
      auto flag = [&](std::string_view name) {
        const Value* v = At(&e, {"conditions", name});
        return v && v->is_bool() && v->as_bool();
      };
      ep.ready = flag("ready");
      ep.serving = flag("serving");
      ep.terminating = flag("terminating");
      out.push_back(std::move(ep));
    }
  }
  return out;
}

}  // namespace skiff::e2e
