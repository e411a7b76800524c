// Temporary driver for the inspection library until netctl grows `lb`
// subcommands: skiff-lb-inspect [--bpf-root DIR] [--json]
//   services | backends SVC | maglev SVC | conntrack [SVC] | stats
#include <cstdio>
#include <string>
#include <vector>

#include "dataplane/inspect/inspect.h"

int main(int argc, char** argv) {
  std::string root = SKIFF_PIN_ROOT;
  bool as_json = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--bpf-root" && i + 1 < argc) {
      root = argv[++i];
    } else if (a == "--json") {
      as_json = true;
    } else {
      args.push_back(a);
    }
  }
  using namespace skiff::dataplane::inspect;
  if (args.empty()) {
    std::fprintf(stderr,
                 "usage: skiff-lb-inspect [--bpf-root DIR] [--json] "
                 "services|backends SVC|maglev SVC|conntrack [SVC]|stats\n");
    return 2;
  }
  skiff::Result<Table> t = skiff::NotFound("unknown command " + args[0]);
  const std::string& cmd = args[0];
  std::string svc = args.size() > 1 ? args[1] : "";
  if (cmd == "services")
    t = Services(root);
  else if (cmd == "backends" && !svc.empty())
    t = Backends(root, svc);
  else if (cmd == "maglev" && !svc.empty())
    t = Maglev(root, svc);
  else if (cmd == "conntrack")
    t = Conntrack(root, svc);
  else if (cmd == "stats")
    t = Stats(root);
  if (!t.ok()) {
    std::fprintf(stderr, "skiff-lb-inspect: %s\n", t.status().ToString().c_str());
    return 1;
  }
  std::string out = as_json ? skiff::json::Serialize(t->ToJson(), {2}) + "\n" : t->ToText();
  std::fputs(out.c_str(), stdout);
  return 0;
}
