// `netctl exec` against the real agent: the command runs in the pod (its
// hostname, network namespace and environment), stdout and stderr come back
// apart, stdin is passed with -i, the exit code is netctl's, and bad
// requests say what is wrong.
#include "tests/e2e/e2e_test.h"
#include "tests/e2e/subprocess.h"

namespace skiff::e2e {
namespace {

using std::chrono::seconds;

// `netctl --config admin.conf ARGS` through sh, so a test can pipe and redirect.
RunResult Shell(Cluster& c, const std::string& netctl_args) {
  return Run({"sh", "-c", c.bin_dir() + "/netctl --config " + c.admin_config() + " " + netctl_args},
             seconds(60));
}

TEST_F(E2eTest, ExecRunsInThePodWithItsEnvironmentAndExitCode) {
  HelloSpec spec = Hello("execd", 1);
  E2E_ASSERT_OK(cluster_->Apply(HelloDeployment(spec)));
  E2E_ASSERT_OK(cluster_->WaitPods(
      "1 Running, Ready pod",
      [&](const std::vector<PodInfo>& pods) { return ConvergedReady(pods, 1); }, seconds(60)));
  auto pods = cluster_->Pods();
  ASSERT_TRUE(pods.ok()) << pods.status().ToString();
  const PodInfo pod = pods->front();

  // Hostname, environment and network namespace are the pod's; exit code 3 comes back.
  RunResult r = cluster_->Netctl(
      {"exec", pod.name, "--", "sh", "-c", "hostname; echo \"$GREETING\"; ip -o -4 addr; exit 3"});
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find(pod.name + "\n" + spec.greeting + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" " + pod.pod_ip + "/"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("command terminated with exit code 3"), std::string::npos) << r.out;

  // stdout and stderr stay apart.
  RunResult split =
      Shell(*cluster_, "exec " + pod.name + " -- sh -c 'echo to-out; echo to-err >&2' 2>/dev/null");
  EXPECT_TRUE(split.ok()) << split.out;
  EXPECT_EQ(split.out, "to-out\n");
  // -i sends stdin.
  RunResult piped = Shell(*cluster_, "exec -i " + pod.name + " -- tr a-z A-Z <<EOF\nabc\nEOF");
  EXPECT_TRUE(piped.ok()) << piped.out;
  EXPECT_EQ(piped.out, "ABC\n");

  // Bad requests: each says what is wrong, exit code 1.
  RunResult no_pod = cluster_->Netctl({"exec", "nope", "--", "true"});
  EXPECT_EQ(no_pod.code, 1);
  EXPECT_NE(no_pod.out.find("pods \"nope\" not found"), std::string::npos) << no_pod.out;
  RunResult no_cmd = cluster_->Netctl({"exec", pod.name});
  EXPECT_EQ(no_cmd.code, 1);
  EXPECT_NE(no_cmd.out.find("at least one command"), std::string::npos) << no_cmd.out;
  RunResult bad_container = cluster_->Netctl({"exec", pod.name, "-c", "other", "--", "true"});
  EXPECT_EQ(bad_container.code, 1);
  EXPECT_NE(bad_container.out.find("container other is not valid for pod " + pod.name),
            std::string::npos)
      << bad_container.out;
  RunResult missing = cluster_->Netctl({"exec", pod.name, "--", "/no/such/binary"});
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.out.find("/no/such/binary"), std::string::npos) << missing.out;

  // Exec needs `create pods/exec`: a ServiceAccount that may only read pods is refused.
  E2E_ASSERT_OK(cluster_->Apply(R"(apiVersion: v1
kind: ServiceAccount
metadata: {name: viewer, namespace: default}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: default}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewer-reads, namespace: default}
subjects: [{kind: ServiceAccount, name: viewer, namespace: default}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
---
# netctl reads the Node for its agent's port (this cluster's agent is not on 10250).
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: node-reader}
rules:
- {apiGroups: [""], resources: [nodes], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: viewer-nodes}
subjects: [{kind: ServiceAccount, name: viewer, namespace: default}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: node-reader}
)"));
  RunResult token = cluster_->Netctl({"create", "token", "viewer"});
  ASSERT_TRUE(token.ok()) << token.out;
  std::string t = token.out.substr(0, token.out.find('\n'));
  RunResult denied = cluster_->Netctl({"--token", t, "exec", pod.name, "--", "true"});
  EXPECT_EQ(denied.code, 1) << denied.out;
  EXPECT_NE(denied.out.find("Forbidden"), std::string::npos) << denied.out;
  EXPECT_NE(denied.out.find("pods/exec"), std::string::npos) << denied.out;
  // Reading logs is still allowed with the same token.
  RunResult logs = cluster_->Netctl({"--token", t, "logs", pod.name});
  EXPECT_TRUE(logs.ok()) << logs.out;
  E2E_ASSERT_OK(cluster_->DeleteAllAndCheckNoLeaks());
}

}  // namespace
}  // namespace skiff::e2e
