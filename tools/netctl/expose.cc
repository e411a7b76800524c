// netctl expose (deployment|replicaset|statefulset|service|pod) NAME
//   [--port=P] [--target-port=T] [--name=N] [--type=ClusterIP|NodePort|LoadBalancer]
//   [--protocol=TCP|UDP|SCTP] [--selector=SEL] [--labels=L] [--cluster-ip=IP]
//   [--external-ip=IP] [--session-affinity=None|ClientIP] [--dry-run] [-o ...]
//
// A Service for an object, as kubectl builds it: the selector is the
// workload's spec.selector.matchLabels, the Service's spec.selector or the
// pod's labels; the labels are the object's; without --port the ports are
// the containers' (or the Service's), named port-1, port-2... when several;
// targetPort is --target-port or the port.
#include <map>

#include "api/manifest.h"
#include "tools/netctl/commands.h"
#include "tools/netctl/create_commands.h"
#include "tools/netctl/create_common.h"
#include "tools/netctl/targets.h"

namespace skiff::netctl {
namespace {

const json::Value* At(const json::Value& v, std::initializer_list<std::string_view> path) {
  const json::Value* at = &v;
  for (auto key : path) {
    at = at->Find(key);
    if (!at) return nullptr;
  }
  return at;
}

// "a=b,c=d" into a map; INVALID_ARGUMENT naming the flag.
Result<json::Object> ParseKeyValues(const std::string& text, const std::string& flag) {
  json::Object out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgument(flag + "=" + text + ": \"" + item + "\" is not key=value");
    }
    out.Set(item.substr(0, eq), item.substr(eq + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// The selector a Service for `object` needs.
Result<json::Object> SelectorOf(const api::KindInfo& kind, const json::Value& object) {
  std::string what = std::string(kind.kind);
  if (kind.kind == "Pod") {
    const json::Value* labels = At(object, {"metadata", "labels"});
    if (!labels || !labels->is_object() || labels->as_object().empty()) {
      return InvalidArgument("the pod has no labels to select it by; give --selector");
    }
    return labels->as_object();
  }
  if (kind.kind == "Service") {
    const json::Value* sel = At(object, {"spec", "selector"});
    if (!sel || !sel->is_object() || sel->as_object().empty()) {
      return InvalidArgument("couldn't retrieve selectors via --selector flag or introspection");
    }
    return sel->as_object();
  }
  const json::Value* exprs = At(object, {"spec", "selector", "matchExpressions"});
  if (exprs && exprs->is_array() && !exprs->as_array().empty()) {
    return InvalidArgument("the " + what +
                           " selects pods with matchExpressions, which a Service selector "
                           "cannot express; give --selector");
  }
  const json::Value* labels = At(object, {"spec", "selector", "matchLabels"});
  if (!labels || !labels->is_object() || labels->as_object().empty()) {
    return InvalidArgument("couldn't retrieve selectors via --selector flag or introspection");
  }
  return labels->as_object();
}

struct IntrospectedPort {
  int64_t port;
  std::string protocol;
};

// The ports of the object's containers (or the Service's ports).
std::vector<IntrospectedPort> PortsOf(const api::KindInfo& kind, const json::Value& object) {
  std::vector<IntrospectedPort> out;
  auto add = [&](const json::Value* list, std::string_view field) {
    if (!list || !list->is_array()) return;
    for (const auto& p : list->as_array()) {
      const json::Value* n = p.Find(field);
      const json::Value* proto = p.Find("protocol");
      if (n && n->is_int()) {
        out.push_back({n->as_int(), proto && proto->is_string() ? proto->as_string() : "TCP"});
      }
    }
  };
  if (kind.kind == "Service") {
    add(At(object, {"spec", "ports"}), "port");
    return out;
  }
  const json::Value* containers = kind.kind == "Pod"
                                      ? At(object, {"spec", "containers"})
                                      : At(object, {"spec", "template", "spec", "containers"});
  if (containers && containers->is_array()) {
    for (const auto& c : containers->as_array())
      add(c.Find("ports"), "containerPort");
  }
  return out;
}

struct ExposeOptions {
  int64_t port = -1;
  std::string target_port, name, type, protocol, selector, labels, cluster_ip, external_ip,
      session_affinity;
};

Result<json::Value> BuildService(const api::KindInfo& kind, const json::Value& object,
                                 const ExposeOptions& o) {
  if (kind.kind != "Deployment" && kind.kind != "ReplicaSet" && kind.kind != "StatefulSet" &&
      kind.kind != "Service" && kind.kind != "Pod") {
    return InvalidArgument("cannot expose a " + std::string(kind.kind) +
                           " (deployments, replicasets, statefulsets, services and pods can be)");
  }
  Result<json::Object> selector =
      o.selector.empty() ? SelectorOf(kind, object) : ParseKeyValues(o.selector, "--selector");
  if (!selector.ok()) return selector.status();
  json::Object labels;
  if (!o.labels.empty()) {
    auto parsed = ParseKeyValues(o.labels, "--labels");
    if (!parsed.ok()) return parsed.status();
    labels = std::move(*parsed);
  } else if (const json::Value* own = At(object, {"metadata", "labels"}); own && own->is_object()) {
    labels = own->as_object();
  }
  std::vector<IntrospectedPort> ports;
  if (o.port != -1) {
    SKIFF_RETURN_IF_ERROR(CheckPort(o.port, "--port"));
    ports.push_back({o.port, "TCP"});
  } else {
    ports = PortsOf(kind, object);
    if (ports.empty()) {
      return InvalidArgument("couldn't find port via --port flag or introspection");
    }
  }
  json::Value target;
  if (!o.target_port.empty()) {
    auto parsed = ParseTargetPort(o.target_port, "--target-port");
    if (!parsed.ok()) return parsed.status();
    target = std::move(*parsed);
  }
  json::Array out_ports;
  for (size_t i = 0; i < ports.size(); ++i) {
    json::Object p;
    if (ports.size() > 1) p.Set("name", "port-" + std::to_string(i + 1));
    p.Set("protocol", o.protocol.empty() ? ports[i].protocol : o.protocol);
    p.Set("port", ports[i].port);
    p.Set("targetPort", target.is_null() ? json::Value(ports[i].port) : target);
    out_ports.push_back(std::move(p));
  }
  json::Object meta{
      {"name", o.name.empty() ? At(object, {"metadata", "name"})->as_string() : o.name}};
  if (!labels.empty()) meta.Set("labels", std::move(labels));
  json::Object spec{{"ports", std::move(out_ports)}, {"selector", std::move(*selector)}};
  if (!o.type.empty()) spec.Set("type", o.type);
  if (!o.cluster_ip.empty()) spec.Set("clusterIP", o.cluster_ip);
  if (!o.external_ip.empty()) spec.Set("externalIPs", json::Array{o.external_ip});
  if (!o.session_affinity.empty()) spec.Set("sessionAffinity", o.session_affinity);
  return json::Value(json::Object{{"apiVersion", "v1"},
                                  {"kind", "Service"},
                                  {"metadata", std::move(meta)},
                                  {"spec", std::move(spec)}});
}

}  // namespace

int RunExpose(Context& ctx, const Args& args) {
  ExposeOptions o;
  WriteFlags write;
  FlagSet flags(
      "netctl expose (deployment|replicaset|statefulset|service|pod) NAME [--port=P] "
      "[flags]",
      "Creates a Service that selects the object's pods: a workload's\n"
      "spec.selector.matchLabels, a Service's selector, a pod's labels.");
  flags.Int("port", &o.port, "The Service's port (default: the containers' ports).");
  flags.String("target-port", &o.target_port, "The pods' port, number or name (default: --port).");
  flags.String("name", &o.name, "The Service's name (default: the object's).");
  flags.String("type", &o.type, "ClusterIP (default), NodePort or LoadBalancer.");
  flags.String("protocol", &o.protocol, "TCP (default), UDP or SCTP.");
  flags.String("selector", &o.selector, "k=v,... instead of the object's selector.");
  flags.String("l", &o.labels, "Short for --labels.");
  flags.String("labels", &o.labels, "k=v,... labels of the Service (default: the object's).");
  flags.String("cluster-ip", &o.cluster_ip, "A fixed cluster IP, or None for headless.");
  flags.String("external-ip", &o.external_ip, "An external IP to accept traffic on.");
  flags.String("session-affinity", &o.session_affinity, "None or ClientIP.");
  int code = 0;
  auto rest = ParseWriteFlags(ctx, flags, write, args, &code);
  if (!rest) return code;
  if (!o.type.empty() && o.type != "ClusterIP" && o.type != "NodePort" &&
      o.type != "LoadBalancer") {
    return Fail(ctx, "--type=" + o.type + ": want ClusterIP, NodePort or LoadBalancer");
  }
  if (!o.protocol.empty() && o.protocol != "TCP" && o.protocol != "UDP" && o.protocol != "SCTP") {
    return Fail(ctx, "--protocol=" + o.protocol + ": want TCP, UDP or SCTP");
  }
  if (!o.session_affinity.empty() && o.session_affinity != "None" &&
      o.session_affinity != "ClientIP") {
    return Fail(ctx, "--session-affinity=" + o.session_affinity + ": want None or ClientIP");
  }
  auto targets = ResolveTargets(ctx, TargetQuery{*rest, "", false});
  if (!targets.ok()) return Fail(ctx, targets.status());
  if (targets->size() != 1) return Fail(ctx, "expose: name exactly one object");
  const ObjectTarget& t = (*targets)[0];
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  api::GetRequest get;
  get.set_kind(std::string(t.kind->kind));
  get.set_namespace_(t.ns);
  get.set_name(t.name);
  auto bytes = (*client)->Get(get);
  if (!bytes.ok()) return Fail(ctx, bytes.status());
  auto live = ParseObject(*t.kind, bytes->object());
  if (!live.ok()) return Fail(ctx, live.status());
  auto object = json::Parse(api::ToJson(**live));
  if (!object.ok()) return Fail(ctx, object.status());
  auto service = BuildService(*t.kind, *object, o);
  if (!service.ok()) {
    std::fprintf(ctx.err, "error: %s\n", service.status().message().c_str());
    return 1;
  }
  return CreateFromJson(ctx, std::move(*service), write, "exposed");
}

}  // namespace skiff::netctl
