#include "tools/netctl/logs.h"

#include <cstdio>

#include "tools/netctl/agent_client.h"

namespace skiff::netctl {
namespace {

struct LogFlags {
  std::string container;
  bool follow = false;
  bool previous = false;
  int64_t tail = -1;
  int64_t limit_bytes = -1;
};

void AddLogFlags(FlagSet& f, LogFlags* o) {
  f.String("container", &o->container, "Container name (default: the only or first one).");
  f.String("c", &o->container, "Short for --container.");
  f.Bool("follow", &o->follow, "Stream the log as it grows.");
  f.Bool("f", &o->follow, "Short for --follow.");
  f.Bool("previous", &o->previous, "The previous (crashed) instance of the container.");
  f.Bool("p", &o->previous, "Short for --previous.");
  f.Int("tail", &o->tail, "Lines from the end to show (-1: all).");
  f.Int("limit-bytes", &o->limit_bytes, "Most bytes to show (-1: no limit).");
}

}  // namespace

int RunLogs(Context& ctx, const Args& args) {
  LogFlags o;
  FlagSet flags("netctl logs POD [-c CONTAINER] [-f] [-p] [--tail N] [--limit-bytes N]",
                "Prints the log of a container of a pod, from the agent of its node.");
  ctx.AddGlobalFlags(flags);
  AddLogFlags(flags, &o);
  auto rest = flags.Parse(args);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  if (rest->size() != 1) {
    return Fail(ctx, "expected exactly one pod name (netctl logs POD [-c CONTAINER])");
  }
  if (o.tail < -1) return Fail(ctx, "--tail must be -1 or more");
  if (o.limit_bytes == 0 || o.limit_bytes < -1) return Fail(ctx, "--limit-bytes must be positive");
  LogFlags ignored;
  auto target = ResolveContainer(
      ctx, args, [&](FlagSet& f) { AddLogFlags(f, &ignored); }, (*rest)[0], o.container);
  if (!target.ok()) return Fail(ctx, target.status());
  AgentRequest req;
  req.token = target->token;
  req.path_and_query = target->Path("containerLogs");
  std::string query;
  auto add = [&](const std::string& kv) { query += (query.empty() ? "?" : "&") + kv; };
  if (o.follow) add("follow=true");
  if (o.previous) add("previous=true");
  if (o.tail >= 0) add("tailLines=" + std::to_string(o.tail));
  if (o.limit_bytes > 0) add("limitBytes=" + std::to_string(o.limit_bytes));
  req.path_and_query += query;
  auto r = CallAgent(target->agent, req, [&](std::string_view data) {
    std::fwrite(data.data(), 1, data.size(), ctx.out);
    std::fflush(ctx.out);
  });
  if (!r.ok()) return Fail(ctx, r.status());
  return r->status == 200 ? 0 : FailFromAgent(ctx, *r);
}

}  // namespace skiff::netctl
