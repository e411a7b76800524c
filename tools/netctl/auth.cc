// netctl create token and netctl auth can-i.
#include <cstdlib>

#include "api/client/config.h"
#include "tools/netctl/commands.h"

namespace skiff::netctl {

int RunCreateToken(Context& ctx, const Args& args) {
  std::chrono::milliseconds duration{std::chrono::hours(1)};
  std::string node, config_out;
  FlagSet flags("netctl create token (SERVICEACCOUNT [-n NS] | --node NODE) [flags]",
                "Issues a bearer token for a ServiceAccount, or (cluster admins) for a node's\n"
                "agent. Prints the token, or writes a whole client config with --config-out.");
  ctx.AddGlobalFlags(flags);
  flags.Duration("duration", &duration, "How long the token is valid.");
  flags.String("node", &node, "Issue a node agent token (user system:node:NODE).");
  flags.String("config-out", &config_out,
               "Write a client config (this cluster, the new token) to this file.");
  auto rest = flags.Parse(args);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  if (rest->empty() || (*rest)[0] != "token") return Fail(ctx, "create: want `create token ...`");
  if (node.empty() && rest->size() != 2) {
    return Fail(ctx, "create token: name one ServiceAccount, or --node NODE");
  }
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  api::CreateTokenRequest req;
  req.set_namespace_(ctx.Namespace());
  if (node.empty()) req.set_service_account((*rest)[1]);
  req.set_node(node);
  req.set_expiration_seconds(std::chrono::duration_cast<std::chrono::seconds>(duration).count());
  auto r = (*client)->CreateToken(req);
  if (!r.ok()) return Fail(ctx, r.status());
  if (config_out.empty()) {
    std::fprintf(ctx.out, "%s\n", r->token().c_str());
    return 0;
  }
  auto cfg = ctx.Config();
  if (!cfg.ok()) return Fail(ctx, cfg.status());
  cfg->token = r->token();
  Status s = api::SaveClientConfig(*cfg, config_out);
  if (!s.ok()) return Fail(ctx, s);
  std::fprintf(ctx.out, "wrote %s for %s\n", config_out.c_str(), r->user().c_str());
  return 0;
}

int RunAuth(Context& ctx, const Args& args) {
  std::string as;
  std::vector<std::string> groups;
  FlagSet flags("netctl auth can-i VERB RESOURCE [NAME] [-n NS] [--as USER] [--as-group G]",
                "Says whether you (or another user) may do VERB on RESOURCE; exits 0 for yes,\n"
                "1 for no.");
  ctx.AddGlobalFlags(flags);
  flags.String("as", &as, "Ask for this user (needs permission to impersonate).");
  flags.List("as-group", &groups, "Groups of --as.");
  auto rest = flags.Parse(args);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  if (rest->size() < 3 || (*rest)[0] != "can-i") {
    return Fail(ctx, "auth: want `auth can-i VERB RESOURCE [NAME]`");
  }
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  api::AccessReviewRequest req;
  req.set_verb((*rest)[1]);
  std::string resource = (*rest)[2];
  if (auto slash = resource.find('/');
      slash != std::string::npos && rest->size() == 3 &&
      resource.find('/', slash + 1) == std::string::npos && !resource.ends_with("/log") &&
      !resource.ends_with("/status") && !resource.ends_with("/token")) {
    req.set_name(resource.substr(slash + 1));  // "pod/web"
    resource = resource.substr(0, slash);
  }
  req.set_resource(resource);
  if (rest->size() > 3) req.set_name((*rest)[3]);
  req.set_namespace_(ctx.AllNamespaces() ? "" : ctx.Namespace());
  req.set_user(as);
  for (const auto& g : groups)
    req.add_groups(g);
  auto r = (*client)->AccessReview(req);
  if (!r.ok()) return Fail(ctx, r.status());
  std::fprintf(ctx.out, "%s\n", r->allowed() ? "yes" : "no");
  return r->allowed() ? 0 : 1;
}

}  // namespace skiff::netctl
