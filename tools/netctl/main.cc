// netctl: the command-line client of a Skiff cluster, shaped like kubectl.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "tools/netctl/commands.h"
#include "tools/netctl/exec.h"
#include "tools/netctl/logs.h"
#include "tools/netctl/top.h"

namespace {

using skiff::netctl::Args;
using skiff::netctl::Context;

constexpr const char* kUsage =
    "netctl controls a Skiff cluster.\n\n"
    "Usage: netctl COMMAND [args] [flags]\n\n"
    "Commands:\n"
    "  apply -f FILE|DIR|-      Create or update objects from manifests\n"
    "  get KIND [NAME...]       List or show objects (-o wide|yaml|json|name, -w)\n"
    "  describe KIND [NAME...]  Show objects in detail, with their events\n"
    "  delete ...               Delete objects (by name, -l, --all or -f)\n"
    "  scale KIND/NAME --replicas=N   Set the replicas of a Deployment, ReplicaSet, StatefulSet\n"
    "  label KIND NAME... K=V|K- Set or remove labels (--overwrite, -l SEL, --all, --list)\n"
    "  annotate KIND NAME... K=V|K-  The same for annotations\n"
    "  patch KIND NAME -p PATCH Change fields (--type strategic|merge|json, --subresource status)\n"
    "  rollout status|history|undo|restart|pause|resume KIND/NAME\n"
    "                           Follow and manage rollouts\n"
    "  secrets reencrypt        Rewrite Secrets under the current encryption key\n"
    "  create namespace|configmap|secret|deployment|service ... | create -f FILE\n"
    "                           Create objects (--dry-run=client -o yaml prints them)\n"
    "  create token SA|--node N Issue a bearer token (ServiceAccount or node agent)\n"
    "  expose KIND NAME --port=P  A Service for a deployment, replicaset, service or pod\n"
    "  auth can-i VERB RESOURCE Check access (--as USER to ask for someone else)\n"
    "  logs POD [-c C] [-f] [-p] A container's log, from its node's agent\n"
    "  exec POD [-c C] [-i] -- CMD [ARGS...]\n"
    "                           Run a command in a container, through its node's agent\n"
    "  top nodes|pods           CPU and memory usage from the resource metrics API\n"
    "  lb services|backends SVC|maglev SVC|conntrack [SVC]|stats [--engine=dpdk]\n"
    "                           The load balancer's state, read from the data plane\n"
    "  version                  Client and server versions\n\n"
    "Global flags: --config FILE (default $SKIFF_CONFIG or ~/.skiff/config), --server,\n"
    "--token, --certificate-authority, -n/--namespace NS, -A/--all-namespaces.\n"
    "Run 'netctl COMMAND --help' for a command's flags.\n";

}  // namespace

int main(int argc, char** argv) {
  using Command = int (*)(Context&, const Args&);
  static const std::map<std::string, Command> kCommands = {
      {"apply", skiff::netctl::RunApply},       {"get", skiff::netctl::RunGet},
      {"describe", skiff::netctl::RunDescribe}, {"delete", skiff::netctl::RunDelete},
      {"version", skiff::netctl::RunVersion},   {"scale", skiff::netctl::RunScale},
      {"rollout", skiff::netctl::RunRollout},   {"secrets", skiff::netctl::RunSecrets},
      {"create", skiff::netctl::RunCreate},     {"auth", skiff::netctl::RunAuth},
      {"logs", skiff::netctl::RunLogs},         {"exec", skiff::netctl::RunExec},
      {"top", skiff::netctl::RunTop},           {"lb", skiff::netctl::RunLb},
      {"label", skiff::netctl::RunLabel},       {"annotate", skiff::netctl::RunAnnotate},
      {"patch", skiff::netctl::RunPatch},       {"expose", skiff::netctl::RunExpose},
  };
  // The command is the first argument that is not a flag (global flags may
  // come before it, as with kubectl).
  static const std::set<std::string> kValueFlags = {
      "--config", "--server", "--token", "--certificate-authority", "-n", "--namespace"};
  Args rest;
  std::string command;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (command.empty() && !a.empty() && a[0] != '-') {
      command = a;
      continue;
    }
    rest.push_back(a);
    if (command.empty() && kValueFlags.count(a) && i + 1 < argc) rest.push_back(argv[++i]);
  }
  if (command.empty() || command == "help") {
    bool asked = command == "help" || std::find(rest.begin(), rest.end(), "--help") != rest.end() ||
                 std::find(rest.begin(), rest.end(), "-h") != rest.end();
    std::fputs(kUsage, asked ? stdout : stderr);
    return asked ? 0 : 2;
  }
  auto it = kCommands.find(command);
  if (it == kCommands.end()) {
    std::fprintf(stderr, "netctl: unknown command \"%s\"\n\n%s", command.c_str(), kUsage);
    return 2;
  }
  Context ctx;
  return it->second(ctx, rest);
}
