#include "tests/e2e/manifests.h"

#include "common/json/json.h"

namespace skiff::e2e {
namespace {

// JSON string literals are valid YAML scalars: quoting through the JSON
// writer keeps paths and greetings with special characters intact.
std::string Q(const std::string& s) {
  std::string out;
  json::AppendQuoted(s, &out);
  return out;
}

std::string FlowList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? ", " : "") + Q(items[i]);
  return out + "]";
}

// The pod template's spec (indented for a template at `indent` spaces).
std::string PodSpec(const HelloSpec& s, const std::string& in) {
  std::string probe;
  if (s.readiness_exec.empty()) {
    probe = in + "      httpGet: {path: /healthz, port: " + std::to_string(kHelloPort) + "}\n";
  } else {
    probe = in + "      exec: {command: " + FlowList(s.readiness_exec) + "}\n";
  }
  std::string lifecycle;
  if (s.pre_stop_sleep_seconds > 0) {
    lifecycle = in + "  lifecycle:\n" + in + "    preStop:\n" + in + "      exec: {command: " +
                FlowList({"sleep", std::to_string(s.pre_stop_sleep_seconds)}) + "}\n";
  }
  return in + "terminationGracePeriodSeconds: " + std::to_string(s.grace_seconds) + "\n" + in +
         "containers:\n" + in + "- name: hello\n" + in + "  image: skiff/hello:1.0\n" + in +
         "  command: " + FlowList({s.hello_path, "--listen", ":" + std::to_string(kHelloPort)}) +
         "\n" + in + "  ports: [{name: http, containerPort: " + std::to_string(kHelloPort) +
         "}]\n" + in + "  env: [{name: GREETING, value: " + Q(s.greeting) + "}]\n" + in +
         "  readinessProbe:\n" + probe + in + "      periodSeconds: 1\n" + in +
         "      failureThreshold: 1\n" + lifecycle;
}

std::string Template(const HelloSpec& s) {
  return "  template:\n    metadata:\n      labels: {app: " + Q(s.name) + "}\n    spec:\n" +
         PodSpec(s, "      ");
}

}  // namespace

std::string HelloDeployment(const HelloSpec& s) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + Q(s.name) +
         "\nspec:\n  replicas: " + std::to_string(s.replicas) +
         "\n  selector:\n    matchLabels: {app: " + Q(s.name) +
         "}\n  strategy:\n    type: RollingUpdate\n    rollingUpdate: {maxSurge: " +
         std::to_string(s.max_surge) + ", maxUnavailable: " + std::to_string(s.max_unavailable) +
         "}\n" + Template(s);
}

std::string HelloStatefulSet(const HelloSpec& s) {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + Q(s.name) +
         "\nspec:\n  clusterIP: None\n  selector: {app: " + Q(s.name) +
         "}\n  ports: [{name: http, port: " + std::to_string(kHelloPort) +
         "}]\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: " + Q(s.name) +
         "\nspec:\n  serviceName: " + Q(s.name) + "\n  replicas: " + std::to_string(s.replicas) +
         "\n  podManagementPolicy: OrderedReady\n" +
         "  selector:\n    matchLabels: {app: " + Q(s.name) + "}\n" + Template(s);
}

std::string HelloPod(const HelloSpec& s, const std::string& pod_name) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + Q(pod_name) +
         "\n  labels: {app: " + Q(s.name) + "}\nspec:\n" + PodSpec(s, "  ");
}

std::string HelloService(const std::string& name) {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + Q(name) +
         "\nspec:\n  selector: {app: " + Q(name) + "}\n  ports: [{name: http, port: 80, " +
         "targetPort: " + std::to_string(kHelloPort) + "}]\n";
}

}  // namespace skiff::e2e
