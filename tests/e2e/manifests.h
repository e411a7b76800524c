// Manifests the end-to-end tests and the start-up benchmark apply: workloads
// running build/bin/skiff-hello (HTTP on kHelloPort, GET /healthz -> ok, any
// other path -> "<GREETING> (<hostname>)"), in the shape a user writes them.
// Pure functions returning YAML text.
#pragma once

#include <string>
#include <vector>

namespace skiff::e2e {

inline constexpr int kHelloPort = 8080;

struct HelloSpec {
  std::string name;        // workload name; also the `app` label
  std::string hello_path;  // absolute path of skiff-hello
  int replicas = 3;
  std::string greeting = "hello from skiff";
  // Readiness: httpGet /healthz every second, unless `readiness_exec` is set
  // (an exec probe running that command, e.g. {"test", "-f", path}).
  std::vector<std::string> readiness_exec;
  // skiff-hello runs as PID 1 of the pod's PID namespace, where SIGTERM's
  // default action does nothing: every stop waits out this grace period.
  int grace_seconds = 5;
  // > 0: a preStop hook that sleeps this long, so terminations take time a
  // poller can see.
  int pre_stop_sleep_seconds = 0;
  // Deployment RollingUpdate parameters.
  int max_surge = 1;
  int max_unavailable = 0;
};

// A Deployment of skiff-hello.
std::string HelloDeployment(const HelloSpec& spec);
// A StatefulSet (OrderedReady) of skiff-hello with its headless Service
// named like the set.
std::string HelloStatefulSet(const HelloSpec& spec);
// A bare Pod `pod_name` labelled app=<spec.name>.
std::string HelloPod(const HelloSpec& spec, const std::string& pod_name);
// A ClusterIP Service selecting app=<name>, port 80 -> kHelloPort.
std::string HelloService(const std::string& name);

}  // namespace skiff::e2e
