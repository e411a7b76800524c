// netctl create: kubectl's generators (namespace, configmap, secret generic|tls,
// deployment, service clusterip|nodeport, job), `create -f FILE` and
// `create token`. Every generator takes --dry-run=client|server and
// -o yaml|json|name; `--dry-run=client -o yaml` prints the object, ready for
// `netctl apply -f -`.
#include <algorithm>
#include <set>

#include "api/manifest.h"
#include "skiff/api/meta.pb.h"
#include "tools/netctl/create_commands.h"
#include "tools/netctl/create_common.h"
#include "tools/netctl/manifests.h"

namespace skiff::netctl {
namespace {

constexpr const char* kCreateUsage =
    "Usage: netctl create SUBCOMMAND ... | netctl create -f FILE\n\n"
    "  namespace NAME\n"
    "  configmap NAME [--from-literal=K=V] [--from-file=[K=]PATH] [--from-env-file=PATH]\n"
    "  secret generic NAME [--from-literal ...] [--from-file ...] [--from-env-file ...] "
    "[--type T]\n"
    "  secret tls NAME --cert=PATH --key=PATH\n"
    "  deployment NAME --image=IMAGE [--replicas=N] [--port=P] [-- COMMAND [ARGS...]]\n"
    "  service clusterip|nodeport NAME --tcp=PORT[:TARGET] [--node-port=N]\n"
    "  job NAME --from=cronjob/NAME | --image=IMAGE [-- COMMAND [ARGS...]]\n"
    "  token SERVICEACCOUNT | token --node NODE\n\n"
    "All generators take --dry-run=client|server and -o yaml|json|name.\n"
    "Run 'netctl create SUBCOMMAND --help' for its flags.\n";

bool TakesValue(const std::string& flag) {
  static const std::set<std::string> kFlags = {"-n",       "--namespace", "--config",
                                               "--server", "--token",     "--certificate-authority",
                                               "-o",       "--output"};
  return kFlags.count(flag) > 0;
}

}  // namespace

size_t SubcommandIndex(const Args& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (TakesValue(args[i])) {
      ++i;
      continue;
    }
    if (!args[i].empty() && args[i][0] != '-') return i;
  }
  return args.size();
}

std::string TakeSubcommand(Args* args) {
  size_t i = SubcommandIndex(*args);
  if (i == args->size()) return "";
  std::string word = (*args)[i];
  args->erase(args->begin() + static_cast<std::ptrdiff_t>(i));
  return word;
}

std::optional<std::string> SingleName(Context& ctx, const Args& positional) {
  if (positional.size() == 1 && !positional[0].empty()) return positional[0];
  std::fprintf(ctx.err, "error: exactly one NAME is required, got %zu\n", positional.size());
  return std::nullopt;
}

int RunCreateNamespace(Context& ctx, const Args& args) {
  WriteFlags write;
  FlagSet flags("netctl create namespace NAME [--dry-run=client|server] [-o yaml|json|name]",
                "Creates a namespace.");
  int code = 0;
  auto rest = ParseWriteFlags(ctx, flags, write, args, &code);
  if (!rest) return code;
  auto name = SingleName(ctx, *rest);
  if (!name) return 1;
  json::Object meta{{"name", *name}};
  return CreateFromJson(
      ctx, json::Object{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", std::move(meta)}},
      write);
}

int RunCreateFromFiles(Context& ctx, const Args& args) {
  WriteFlags write;
  std::vector<std::string> files;
  bool recursive = false;
  FlagSet flags("netctl create -f FILE|DIR|- [-R] [flags]",
                "Creates the objects in the manifests; an object that exists is an error\n"
                "(use apply to update).");
  flags.List("filename", &files, "Manifest file, directory or - for stdin (repeatable).");
  flags.List("f", &files, "Short for --filename.");
  flags.Bool("recursive", &recursive, "Process directories recursively.");
  flags.Bool("R", &recursive, "Short for --recursive.");
  int code = 0;
  auto rest = ParseWriteFlags(ctx, flags, write, args, &code);
  if (!rest) return code;
  if (!rest->empty()) return Fail(ctx, "create -f: unexpected argument \"" + (*rest)[0] + "\"");
  bool failed = false;
  auto objects = LoadManifestArgs(ctx, files, recursive, &failed);
  std::stable_sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) {
    return (a.kind->kind == "Namespace") > (b.kind->kind == "Namespace");
  });
  for (const auto& item : objects) {
    auto ns = TargetNamespace(ctx, *item.kind, *item.object);
    if (!ns.ok()) {
      std::fprintf(ctx.err, "error: %s: document %d: %s\n", item.source.c_str(), item.document,
                   ns.status().message().c_str());
      failed = true;
      continue;
    }
    auto doc = json::Parse(api::ToJson(*item.object));
    if (!doc.ok()) {
      failed = true;
      continue;
    }
    if (!ns->empty()) doc->as_object()["metadata"].as_object().Set("namespace", *ns);
    if (CreateFromJson(ctx, std::move(*doc), write) != 0) failed = true;
  }
  return failed ? 1 : 0;
}

int RunCreate(Context& ctx, const Args& args) {
  for (const auto& a : args) {
    if (a == "--") break;
    if (a == "-f" || a == "--filename" || a.starts_with("--filename=") || a.starts_with("-f=")) {
      return RunCreateFromFiles(ctx, args);
    }
  }
  size_t sub = SubcommandIndex(args);
  if (sub == args.size()) {
    bool help = std::find(args.begin(), args.end(), "--help") != args.end() ||
                std::find(args.begin(), args.end(), "-h") != args.end();
    std::fputs(kCreateUsage, help ? ctx.out : ctx.err);
    return help ? 0 : 1;
  }
  std::string what = args[sub];
  if (what == "token") return RunCreateToken(ctx, args);  // takes "token" itself
  Args rest = args;
  rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(sub));
  if (what == "namespace" || what == "ns") return RunCreateNamespace(ctx, rest);
  if (what == "configmap" || what == "cm") return RunCreateConfigMap(ctx, rest);
  if (what == "secret") return RunCreateSecret(ctx, rest);
  if (what == "deployment" || what == "deploy") return RunCreateDeployment(ctx, rest);
  if (what == "service" || what == "svc") return RunCreateService(ctx, rest);
  if (what == "job") return RunCreateJob(ctx, rest);
  std::fprintf(ctx.err, "error: unknown command \"%s\" for \"netctl create\"\n\n%s", what.c_str(),
               kCreateUsage);
  return 1;
}

}  // namespace skiff::netctl
