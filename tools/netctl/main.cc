// netctl: the command-line client of a Skiff cluster, shaped like kubectl.
#include <cstdio>
#include <cstring>
#include <map>

#include "tools/netctl/commands.h"

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
      {"version", skiff::netctl::RunVersion},
  };
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  auto it = kCommands.find(argv[1]);
  if (it == kCommands.end()) {
    std::fprintf(stderr, "netctl: unknown command \"%s\"\n\n%s", argv[1], kUsage);
    return 2;
  }
  Context ctx;
  return it->second(ctx, Args(argv + 2, argv + argc));
}
