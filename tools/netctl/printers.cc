#include "tools/netctl/printers.h"

#include <google/protobuf/message.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <functional>
#include <map>

#include "api/int_or_string.h"
#include "skiff/api/apps.pb.h"
#include "skiff/api/autoscaling.pb.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/discovery.pb.h"
#include "skiff/api/meta.pb.h"
#include "skiff/api/rbac.pb.h"
#include "tools/netctl/printers_batch.h"

namespace skiff::netctl {
namespace {

using google::protobuf::Message;
using Cells = std::vector<std::string>;

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i)
    out += (i ? sep : "") + parts[i];
  return out;
}

std::string OrNone(const std::string& s) {
  return s.empty() ? "<none>" : s;
}

std::string SelectorText(const google::protobuf::Map<std::string, std::string>& labels) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : labels)
    parts.push_back(k + "=" + v);
  std::sort(parts.begin(), parts.end());
  return Join(parts, ",");
}

std::string LabelSelectorText(const api::LabelSelector& sel) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : sel.match_labels())
    parts.push_back(k + "=" + v);
  std::sort(parts.begin(), parts.end());
  for (const auto& e : sel.match_expressions()) {
    std::string op = e.operator_();
    if (op == "In" || op == "NotIn") {
      parts.push_back(e.key() + (op == "In" ? " in (" : " notin (") +
                      Join({e.values().begin(), e.values().end()}, ",") + ")");
    } else {
      parts.push_back((op == "DoesNotExist" ? "!" : "") + e.key());
    }
  }
  return Join(parts, ",");
}

// --- pods ---

// The STATUS column: the first waiting/terminated reason, else the phase,
// "Terminating" once deletion started.
std::string PodStatusText(const api::Pod& pod) {
  std::string reason = pod.status().reason().empty() ? pod.status().phase() : pod.status().reason();
  for (int i = 0; i < pod.status().init_container_statuses_size(); ++i) {
    const auto& cs = pod.status().init_container_statuses(i);
    if (cs.state().has_terminated() && cs.state().terminated().exit_code() == 0) continue;
    if (cs.state().has_terminated()) {
      reason = "Init:" + (cs.state().terminated().reason().empty()
                              ? "ExitCode:" + std::to_string(cs.state().terminated().exit_code())
                              : cs.state().terminated().reason());
    } else if (cs.state().has_waiting() && !cs.state().waiting().reason().empty() &&
               cs.state().waiting().reason() != "PodInitializing") {
      reason = "Init:" + cs.state().waiting().reason();
    } else {
      reason =
          "Init:" + std::to_string(i) + "/" + std::to_string(pod.spec().init_containers_size());
    }
    return reason;
  }
  bool running = false;
  for (const auto& cs : pod.status().container_statuses()) {
    if (cs.state().has_waiting() && !cs.state().waiting().reason().empty()) {
      reason = cs.state().waiting().reason();
    } else if (cs.state().has_terminated()) {
      const auto& t = cs.state().terminated();
      reason = !t.reason().empty() ? t.reason()
               : t.signal()        ? "Signal:" + std::to_string(t.signal())
                                   : "ExitCode:" + std::to_string(t.exit_code());
    } else if (cs.state().has_running() && cs.ready()) {
      running = true;
    }
  }
  if (running && reason == "Completed") reason = "Running";
  if (pod.metadata().has_deletion_timestamp()) reason = "Terminating";
  return reason.empty() ? "Pending" : reason;
}

Cells PodRow(const api::Pod& pod, const TableOptions& o) {
  int ready = 0, restarts = 0;
  for (const auto& cs : pod.status().container_statuses()) {
    ready += cs.ready();
    restarts += cs.restart_count();
  }
  Cells row = {pod.metadata().name(),
               std::to_string(ready) + "/" + std::to_string(pod.spec().containers_size()),
               PodStatusText(pod), std::to_string(restarts),
               AgeOf(pod.metadata().creation_timestamp())};
  if (o.wide) {
    row.push_back(OrNone(pod.status().pod_ip()));
    row.push_back(OrNone(pod.spec().node_name()));
    row.push_back(OrNone(pod.status().nominated_node_name()));
    row.push_back("<none>");
  }
  return row;
}

// --- services ---

std::string PortsText(const api::Service& svc) {
  std::vector<std::string> parts;
  for (const auto& p : svc.spec().ports()) {
    std::string s = std::to_string(p.port());
    if (p.node_port()) s += ":" + std::to_string(p.node_port());
    s += "/" + (p.protocol().empty() ? std::string("TCP") : p.protocol());
    parts.push_back(s);
  }
  return parts.empty() ? "<none>" : Join(parts, ",");
}

std::string ExternalIpText(const api::Service& svc) {
  const auto& spec = svc.spec();
  if (spec.type() == "ExternalName") return spec.external_name();
  std::vector<std::string> ips(spec.external_ips().begin(), spec.external_ips().end());
  if (spec.type() == "LoadBalancer") {
    for (const auto& ing : svc.status().load_balancer().ingress()) {
      ips.push_back(ing.ip().empty() ? ing.hostname() : ing.ip());
    }
    if (ips.empty()) return "<pending>";
  }
  return ips.empty() ? "<none>" : Join(ips, ",");
}

Cells ServiceRow(const api::Service& svc, const TableOptions& o) {
  Cells row = {svc.metadata().name(),
               svc.spec().type().empty() ? "ClusterIP" : svc.spec().type(),
               OrNone(svc.spec().cluster_ip()),
               ExternalIpText(svc),
               PortsText(svc),
               AgeOf(svc.metadata().creation_timestamp())};
  if (o.wide) row.push_back(OrNone(SelectorText(svc.spec().selector())));
  return row;
}

// --- workloads ---

std::string ContainersText(const api::PodTemplateSpec& t) {
  std::vector<std::string> names;
  for (const auto& c : t.spec().containers())
    names.push_back(c.name());
  return Join(names, ",");
}

std::string ImagesText(const api::PodTemplateSpec& t) {
  std::vector<std::string> images;
  for (const auto& c : t.spec().containers())
    images.push_back(c.image());
  return Join(images, ",");
}

Cells DeploymentRow(const api::Deployment& d, const TableOptions& o) {
  int desired = d.spec().has_replicas() ? d.spec().replicas() : 1;
  Cells row = {d.metadata().name(),
               std::to_string(d.status().ready_replicas()) + "/" + std::to_string(desired),
               std::to_string(d.status().updated_replicas()),
               std::to_string(d.status().available_replicas()),
               AgeOf(d.metadata().creation_timestamp())};
  if (o.wide) {
    row.push_back(ContainersText(d.spec().template_()));
    row.push_back(ImagesText(d.spec().template_()));
    row.push_back(LabelSelectorText(d.spec().selector()));
  }
  return row;
}

Cells ReplicaSetRow(const api::ReplicaSet& rs, const TableOptions& o) {
  int desired = rs.spec().has_replicas() ? rs.spec().replicas() : 1;
  Cells row = {rs.metadata().name(), std::to_string(desired),
               std::to_string(rs.status().replicas()), std::to_string(rs.status().ready_replicas()),
               AgeOf(rs.metadata().creation_timestamp())};
  if (o.wide) {
    row.push_back(ContainersText(rs.spec().template_()));
    row.push_back(ImagesText(rs.spec().template_()));
    row.push_back(LabelSelectorText(rs.spec().selector()));
  }
  return row;
}

Cells StatefulSetRow(const api::StatefulSet& s, const TableOptions& o) {
  int desired = s.spec().has_replicas() ? s.spec().replicas() : 1;
  Cells row = {s.metadata().name(),
               std::to_string(s.status().ready_replicas()) + "/" + std::to_string(desired),
               AgeOf(s.metadata().creation_timestamp())};
  if (o.wide) {
    row.push_back(ContainersText(s.spec().template_()));
    row.push_back(ImagesText(s.spec().template_()));
  }
  return row;
}

Cells DaemonSetRow(const api::DaemonSet& d, const TableOptions& o) {
  const auto& st = d.status();
  Cells row = {d.metadata().name(),
               std::to_string(st.desired_number_scheduled()),
               std::to_string(st.current_number_scheduled()),
               std::to_string(st.number_ready()),
               std::to_string(st.updated_number_scheduled()),
               std::to_string(st.number_available()),
               OrNone(SelectorText(d.spec().template_().spec().node_selector())),
               AgeOf(d.metadata().creation_timestamp())};
  if (o.wide) {
    row.push_back(ContainersText(d.spec().template_()));
    row.push_back(ImagesText(d.spec().template_()));
    row.push_back(LabelSelectorText(d.spec().selector()));
  }
  return row;
}

// --- cluster objects ---

Cells NodeRow(const api::Node& n, const TableOptions& o) {
  std::string status = "Unknown";
  for (const auto& c : n.status().conditions()) {
    if (c.type() == "Ready") status = c.status() == "True" ? "Ready" : "NotReady";
  }
  if (n.spec().unschedulable()) status += ",SchedulingDisabled";
  std::vector<std::string> roles;
  for (const auto& [k, v] : n.metadata().labels()) {
    const std::string prefix = "node-role.kubernetes.io/";
    if (k.rfind(prefix, 0) == 0) roles.push_back(k.substr(prefix.size()));
  }
  std::sort(roles.begin(), roles.end());
  Cells row = {n.metadata().name(), status, OrNone(Join(roles, ",")),
               AgeOf(n.metadata().creation_timestamp()),
               n.status().node_info().kubelet_version().empty()
                   ? "<none>"
                   : n.status().node_info().kubelet_version()};
  if (o.wide) {
    std::string internal, external;
    for (const auto& a : n.status().addresses()) {
      if (a.type() == "InternalIP" && internal.empty()) internal = a.address();
      if (a.type() == "ExternalIP" && external.empty()) external = a.address();
    }
    row.push_back(OrNone(internal));
    row.push_back(OrNone(external));
    row.push_back(OrNone(n.status().node_info().os_image()));
    row.push_back(OrNone(n.status().node_info().kernel_version()));
    row.push_back(OrNone(n.spec().pod_cidr()));
  }
  return row;
}

Cells NamespaceRow(const api::Namespace& ns, const TableOptions&) {
  return {ns.metadata().name(), ns.status().phase().empty() ? "Active" : ns.status().phase(),
          AgeOf(ns.metadata().creation_timestamp())};
}

// kubectl's endpoint list: the first three, then " + N more...".
std::string FirstEndpoints(const std::vector<std::string>& all) {
  if (all.empty()) return "<none>";
  std::vector<std::string> shown(all.begin(), all.begin() + std::min<size_t>(all.size(), 3));
  std::string out = Join(shown, ",");
  if (all.size() > shown.size())
    out += " + " + std::to_string(all.size() - shown.size()) + " more...";
  return out;
}

Cells EndpointSliceRow(const api::EndpointSlice& s, const TableOptions&) {
  std::vector<std::string> ports, addrs;
  for (const auto& p : s.ports())
    ports.push_back(std::to_string(p.port()));
  for (const auto& e : s.endpoints()) {
    for (const auto& a : e.addresses())
      addrs.push_back(a);
  }
  return {s.metadata().name(), s.address_type(), ports.empty() ? "<unset>" : Join(ports, ","),
          FirstEndpoints(addrs), AgeOf(s.metadata().creation_timestamp())};
}

// Ready addresses as ip:port per port (just ip when the subset has no ports), as kubectl.
Cells EndpointsRow(const api::Endpoints& e, const TableOptions&) {
  std::vector<std::string> all;
  for (const auto& subset : e.subsets()) {
    for (const auto& a : subset.addresses()) {
      bool v6 = a.ip().find(':') != std::string::npos;
      if (subset.ports_size() == 0) all.push_back(a.ip());
      for (const auto& p : subset.ports()) {
        all.push_back((v6 ? "[" + a.ip() + "]" : a.ip()) + ":" + std::to_string(p.port()));
      }
    }
  }
  return {e.metadata().name(), FirstEndpoints(all), AgeOf(e.metadata().creation_timestamp())};
}

Cells ConfigMapRow(const api::ConfigMap& cm, const TableOptions&) {
  return {cm.metadata().name(), std::to_string(cm.data_size() + cm.binary_data_size()),
          AgeOf(cm.metadata().creation_timestamp())};
}

Cells SecretRow(const api::Secret& s, const TableOptions&) {
  return {s.metadata().name(), s.type().empty() ? "Opaque" : s.type(),
          std::to_string(s.data_size()), AgeOf(s.metadata().creation_timestamp())};
}

Cells HpaRow(const api::HorizontalPodAutoscaler& h, const TableOptions&) {
  const auto& ref = h.spec().scale_target_ref();
  std::vector<std::string> targets;
  for (int i = 0; i < h.spec().metrics_size(); ++i) {
    const auto& m = h.spec().metrics(i);
    std::string current = "<unknown>";
    if (i < h.status().current_metrics_size()) {
      const auto& cm = h.status().current_metrics(i);
      if (cm.has_resource() && cm.resource().current().has_average_utilization()) {
        current = std::to_string(cm.resource().current().average_utilization()) + "%";
      } else if (cm.has_resource() && !cm.resource().current().average_value().empty()) {
        current = cm.resource().current().average_value();
      }
    }
    std::string target = "?";
    if (m.has_resource()) {
      const auto& t = m.resource().target();
      target = t.has_average_utilization()  ? std::to_string(t.average_utilization()) + "%"
               : !t.average_value().empty() ? t.average_value()
                                            : t.value();
      targets.push_back(m.resource().name() + ": " + current + "/" + target);
    } else {
      targets.push_back(m.type() + ": " + current);
    }
  }
  return {h.metadata().name(),
          ref.kind() + "/" + ref.name(),
          targets.empty() ? "<none>" : Join(targets, ", "),
          std::to_string(h.spec().has_min_replicas() ? h.spec().min_replicas() : 1),
          std::to_string(h.spec().max_replicas()),
          std::to_string(h.status().current_replicas()),
          AgeOf(h.metadata().creation_timestamp())};
}

Cells EventRow(const api::Event& e, const TableOptions&) {
  const auto& ts = e.has_last_timestamp() ? e.last_timestamp() : e.metadata().creation_timestamp();
  std::string object = e.involved_object().kind();
  for (auto& c : object)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  object += "/" + e.involved_object().name();
  return {AgeOf(ts), e.type(), e.reason(), object, e.message()};
}

Cells GenericRow(const Message& m, const TableOptions&) {
  const auto* meta = api::GetObjectMeta(m);
  return {meta->name(), AgeOf(meta->creation_timestamp())};
}

struct KindPrinter {
  Cells header;
  Cells wide;
  std::function<Cells(const Message&, const TableOptions&)> row;
};

template <typename T, typename F>
std::function<Cells(const Message&, const TableOptions&)> Typed(F f) {
  return [f](const Message& m, const TableOptions& o) { return f(static_cast<const T&>(m), o); };
}

const std::map<std::string, KindPrinter>& Printers() {
  static const auto* printers = new std::map<std::string, KindPrinter>{
      {"Pod",
       {{"NAME", "READY", "STATUS", "RESTARTS", "AGE"},
        {"IP", "NODE", "NOMINATED NODE", "READINESS GATES"},
        Typed<api::Pod>(PodRow)}},
      {"Service",
       {{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"},
        {"SELECTOR"},
        Typed<api::Service>(ServiceRow)}},
      {"Deployment",
       {{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"},
        {"CONTAINERS", "IMAGES", "SELECTOR"},
        Typed<api::Deployment>(DeploymentRow)}},
      {"ReplicaSet",
       {{"NAME", "DESIRED", "CURRENT", "READY", "AGE"},
        {"CONTAINERS", "IMAGES", "SELECTOR"},
        Typed<api::ReplicaSet>(ReplicaSetRow)}},
      {"StatefulSet",
       {{"NAME", "READY", "AGE"},
        {"CONTAINERS", "IMAGES"},
        Typed<api::StatefulSet>(StatefulSetRow)}},
      {"DaemonSet",
       {{"NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"},
        {"CONTAINERS", "IMAGES", "SELECTOR"},
        Typed<api::DaemonSet>(DaemonSetRow)}},
      {"Job",
       {{"NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"},
        {"CONTAINERS", "IMAGES", "SELECTOR"},
        Typed<api::Job>(JobRow)}},
      {"CronJob",
       {{"NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"},
        {"CONTAINERS", "IMAGES", "SELECTOR"},
        Typed<api::CronJob>(CronJobRow)}},
      {"Node",
       {{"NAME", "STATUS", "ROLES", "AGE", "VERSION"},
        {"INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "POD-CIDR"},
        Typed<api::Node>(NodeRow)}},
      {"Namespace", {{"NAME", "STATUS", "AGE"}, {}, Typed<api::Namespace>(NamespaceRow)}},
      {"EndpointSlice",
       {{"NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"},
        {},
        Typed<api::EndpointSlice>(EndpointSliceRow)}},
      {"Endpoints", {{"NAME", "ENDPOINTS", "AGE"}, {}, Typed<api::Endpoints>(EndpointsRow)}},
      {"ConfigMap", {{"NAME", "DATA", "AGE"}, {}, Typed<api::ConfigMap>(ConfigMapRow)}},
      {"Secret", {{"NAME", "TYPE", "DATA", "AGE"}, {}, Typed<api::Secret>(SecretRow)}},
      {"HorizontalPodAutoscaler",
       {{"NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"},
        {},
        Typed<api::HorizontalPodAutoscaler>(HpaRow)}},
      {"Event",
       {{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}, {}, Typed<api::Event>(EventRow)}},
  };
  return *printers;
}

}  // namespace

std::string Table::Render() const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::vector<std::string> Header(const api::KindInfo& kind, const TableOptions& options) {
  Cells header;
  if (options.with_namespace && kind.namespaced) header.push_back("NAMESPACE");
  auto it = Printers().find(std::string(kind.kind));
  if (it == Printers().end()) {
    header.insert(header.end(), {"NAME", "AGE"});
    return header;
  }
  header.insert(header.end(), it->second.header.begin(), it->second.header.end());
  if (options.wide) header.insert(header.end(), it->second.wide.begin(), it->second.wide.end());
  return header;
}

std::vector<std::string> Row(const api::KindInfo& kind, const Message& object,
                             const TableOptions& options) {
  Cells row;
  if (options.with_namespace && kind.namespaced) {
    row.push_back(api::GetObjectMeta(object)->namespace_());
  }
  auto it = Printers().find(std::string(kind.kind));
  Cells cells =
      it == Printers().end() ? GenericRow(object, options) : it->second.row(object, options);
  row.insert(row.end(), cells.begin(), cells.end());
  return row;
}

std::string HumanAge(int64_t s) {
  if (s < 0) s = 0;
  auto str = [](int64_t v) { return std::to_string(v); };
  if (s < 120) return str(s) + "s";
  int64_t m = s / 60;
  if (m < 10) return s % 60 ? str(m) + "m" + str(s % 60) + "s" : str(m) + "m";
  if (m < 180) return str(m) + "m";
  int64_t h = m / 60;
  if (h < 8) return m % 60 ? str(h) + "h" + str(m % 60) + "m" : str(h) + "h";
  if (h < 48) return str(h) + "h";
  int64_t d = h / 24;
  if (d < 8) return h % 24 ? str(d) + "d" + str(h % 24) + "h" : str(d) + "d";
  if (d < 365 * 2) return str(d) + "d";
  return str(d / 365) + "y";
}

std::string AgeOf(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "<unknown>";
  auto now = google::protobuf::util::TimeUtil::GetCurrentTime();
  return HumanAge(now.seconds() - ts.seconds());
}

}  // namespace skiff::netctl
