#include "tools/netctl/exec.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "tools/netctl/agent_client.h"

namespace skiff::netctl {
namespace {

struct ExecFlags {
  std::string container;
  bool stdin_ = false;
  bool tty = false;
  std::chrono::milliseconds timeout{0};
};

void AddExecFlags(FlagSet& f, ExecFlags* o) {
  f.String("container", &o->container, "Container name (default: the only or first one).");
  f.String("c", &o->container, "Short for --container.");
  f.Bool("stdin", &o->stdin_, "Send netctl's stdin (read to its end) to the command.");
  f.Bool("i", &o->stdin_, "Short for --stdin.");
  f.Bool("tty", &o->tty, "Not supported: exec is not interactive.");
  f.Bool("t", &o->tty, "Short for --tty.");
  f.Duration("timeout", &o->timeout, "Stop the command after this long (0: no limit).");
}

std::string ReadAll(FILE* in) {
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, in)) > 0)
    out.append(buf, n);
  return out;
}

}  // namespace

int RunExec(Context& ctx, const Args& args) {
  // Flags and the pod come before "--"; the command after it.
  auto dash = std::find(args.begin(), args.end(), "--");
  Args own(args.begin(), dash);
  Args command = dash == args.end() ? Args{} : Args(dash + 1, args.end());
  ExecFlags o;
  FlagSet flags("netctl exec POD [-c CONTAINER] [-i] [--timeout DURATION] -- COMMAND [ARGS...]",
                "Runs a command in a container of a pod, through the agent of its node.");
  ctx.AddGlobalFlags(flags);
  AddExecFlags(flags, &o);
  auto rest = flags.Parse(own);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  if (rest->size() != 1) {
    return Fail(ctx, "expected one pod name before \"--\" (netctl exec POD -- COMMAND [ARGS...])");
  }
  if (command.empty() || command[0].empty()) {
    return Fail(ctx, "you must specify at least one command for the container (after \"--\")");
  }
  if (o.tty) {
    return Fail(ctx, "--tty/-t is not supported: netctl exec runs commands without a terminal");
  }
  if (o.timeout.count() < 0) return Fail(ctx, "--timeout must not be negative");
  ExecFlags ignored;
  auto target = ResolveContainer(
      ctx, own, [&](FlagSet& f) { AddExecFlags(f, &ignored); }, (*rest)[0], o.container);
  if (!target.ok()) return Fail(ctx, target.status());
  const std::string& phase = target->pod.status().phase();
  if (phase == "Succeeded" || phase == "Failed") {
    return Fail(ctx, "cannot exec into a container in a completed pod; current phase is " + phase);
  }
  AgentRequest req;
  req.method = "POST";
  req.token = target->token;
  req.path_and_query = target->Path("exec") + "?";
  for (const auto& c : command)
    req.path_and_query += "command=" + EscapeUrlPart(c) + "&";
  if (o.timeout.count() > 0) {
    req.path_and_query +=
        "timeoutSeconds=" + std::to_string((o.timeout.count() + 999) / 1000) + "&";
  }
  req.path_and_query.pop_back();
  if (o.stdin_) req.body = ReadAll(stdin);
  std::string output;
  auto r = CallAgent(target->agent, req, [&](std::string_view data) { output.append(data); });
  if (!r.ok()) return Fail(ctx, r.status());
  if (r->status != 200) return FailFromAgent(ctx, *r);
  size_t stdout_bytes = 0;
  std::string n = r->Header("X-Skiff-Stdout-Bytes");
  std::from_chars(n.data(), n.data() + n.size(), stdout_bytes);
  stdout_bytes = std::min(stdout_bytes, output.size());
  std::fwrite(output.data(), 1, stdout_bytes, ctx.out);
  std::fflush(ctx.out);
  std::fwrite(output.data() + stdout_bytes, 1, output.size() - stdout_bytes, ctx.err);
  int exit_code = 1;
  std::string code = r->Header("X-Skiff-Exit-Code");
  std::from_chars(code.data(), code.data() + code.size(), exit_code);
  if (exit_code != 0) {
    std::fprintf(ctx.err, "command terminated with exit code %d\n", exit_code);
  }
  return exit_code;
}

}  // namespace skiff::netctl
