// netctl version: this client's version and the server's.
#include "tools/netctl/commands.h"

namespace skiff::netctl {

int RunVersion(Context& ctx, const Args& args) {
  bool client_only = false;
  FlagSet flags("netctl version [--client]", "Prints the client and server versions.");
  ctx.AddGlobalFlags(flags);
  flags.Bool("client", &client_only, "Only the client version (no server needed).");
  auto rest = flags.Parse(args);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  std::fprintf(ctx.out, "Client Version: v%s\n", SKIFF_VERSION);
  if (client_only) return 0;
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  auto v = (*client)->Version();
  if (!v.ok()) return Fail(ctx, v.status());
  std::fprintf(ctx.out, "Server Version: v%s (store: %s)\n", v->version().c_str(),
               v->store().c_str());
  return 0;
}

}  // namespace skiff::netctl
