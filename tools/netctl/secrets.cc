// netctl secrets reencrypt: rewrites every Secret so that it is stored under
// the server's current encryption key (after a key rotation in the
// EncryptionConfiguration). Values never leave the server in output.
#include "api/client/typed.h"
#include "skiff/api/core.pb.h"
#include "tools/netctl/commands.h"

namespace skiff::netctl {

int RunSecrets(Context& ctx, const Args& args) {
  FlagSet flags("netctl secrets reencrypt [-n NS | -A]",
                "Rewrites Secrets so the server stores them under its current encryption key.\n"
                "Without -n, every namespace.");
  ctx.AddGlobalFlags(flags);
  auto rest = flags.Parse(args);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  if (rest->size() != 1 || (*rest)[0] != "reencrypt") {
    return Fail(ctx, "secrets: want the subcommand reencrypt");
  }
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  std::string ns = ctx.NamespaceGiven() && !ctx.AllNamespaces() ? ctx.Namespace() : "";
  auto secrets = api::ListObjects<api::Secret>(**client, ns);
  if (!secrets.ok()) return Fail(ctx, secrets.status());
  int done = 0, failed = 0;
  for (const auto& s : *secrets) {
    api::UpdateRequest req;
    req.set_kind("Secret");
    req.set_object(s.SerializeAsString());
    req.set_force(true);
    auto r = (*client)->Update(req);
    if (r.ok()) {
      ++done;
    } else if (r.status().code() != StatusCode::kNotFound) {
      ++failed;
      std::fprintf(ctx.err, "secret %s/%s: %s\n", s.metadata().namespace_().c_str(),
                   s.metadata().name().c_str(), r.status().ToString().c_str());
    }
  }
  std::fprintf(ctx.out, "%d secrets re-encrypted%s\n", done,
               failed ? (", " + std::to_string(failed) + " failed").c_str() : "");
  return failed ? 1 : 0;
}

}  // namespace skiff::netctl
