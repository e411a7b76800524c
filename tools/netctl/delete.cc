// netctl delete (-f FILE | KIND NAME... | KIND -l SEL | KIND --all) [flags]
#include <google/protobuf/message.h>

#include <chrono>
#include <thread>

#include "api/manifest.h"
#include "skiff/api/meta.pb.h"
#include "tools/netctl/commands.h"
#include "tools/netctl/manifests.h"

namespace skiff::netctl {
namespace {

struct Target {
  const api::KindInfo* kind;
  std::string ns;
  std::string name;
};

struct DeleteOptions {
  std::string cascade = "background";
  int64_t grace = -1;
  bool ignore_not_found = false;
  bool wait = true;
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

// Deletes one object; prints `kind "name" deleted`. Returns false on error.
bool DeleteOne(Context& ctx, api::ApiClient& client, const Target& t, const DeleteOptions& o) {
  api::DeleteRequest req;
  req.set_kind(std::string(t.kind->kind));
  req.set_namespace_(t.ns);
  req.set_name(t.name);
  std::string policy = o.cascade == "foreground" ? "Foreground"
                       : o.cascade == "orphan"   ? "Orphan"
                                                 : "Background";
  req.set_propagation_policy(policy);
  if (o.grace >= 0) req.set_grace_period_seconds(o.grace);
  auto r = client.Delete(req);
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kNotFound && o.ignore_not_found) return true;
    Fail(ctx, r.status());
    return false;
  }
  std::string ref = ObjectRef(*t.kind, t.name);
  std::string quoted = ref.substr(0, ref.find('/')) + " \"" + t.name + "\"";
  std::fprintf(ctx.out, "%s deleted\n", quoted.c_str());
  std::fflush(ctx.out);
  if (!o.wait) return true;
  // Gone means: no object of that name with the deleted object's uid (a
  // StatefulSet or the user may create a new one under the name at once).
  std::string uid;
  if (auto deleted = ParseObject(*t.kind, r->object()); deleted.ok()) {
    if (const auto* meta = api::GetObjectMeta(**deleted)) uid = meta->uid();
  }
  auto deadline = std::chrono::steady_clock::now() + o.timeout;
  api::GetRequest get;
  get.set_kind(std::string(t.kind->kind));
  get.set_namespace_(t.ns);
  get.set_name(t.name);
  while (std::chrono::steady_clock::now() < deadline) {
    auto g = client.Get(get);
    if (!g.ok() && g.status().code() == StatusCode::kNotFound) return true;
    if (g.ok() && !uid.empty()) {
      auto live = ParseObject(*t.kind, g->object());
      const auto* meta = live.ok() ? api::GetObjectMeta(**live) : nullptr;
      if (meta && meta->uid() != uid) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Fail(ctx,
       "timed out waiting for " + ref + " to go away (it is terminating; see netctl describe)");
  return false;
}

}  // namespace

int RunDelete(Context& ctx, const Args& args) {
  DeleteOptions o;
  std::vector<std::string> files;
  std::string selector;
  bool all = false, now = false, recursive = false;
  FlagSet flags("netctl delete (-f FILE | KIND NAME... | KIND -l SELECTOR | KIND --all) [flags]",
                "Deletes objects. Dependents (ownerReferences) are deleted in the background\n"
                "by default; --cascade=foreground deletes them first, orphan keeps them.");
  ctx.AddGlobalFlags(flags);
  flags.List("filename", &files, "Delete the objects in these manifests.");
  flags.List("f", &files, "Short for --filename.");
  flags.Bool("R", &recursive, "Process -f directories recursively.");
  flags.String("selector", &selector, "Delete objects matching this label selector.");
  flags.String("l", &selector, "Short for --selector.");
  flags.Bool("all", &all, "Delete every object of the kind in the namespace.");
  flags.String("cascade", &o.cascade, "background, foreground or orphan.");
  flags.Int("grace-period", &o.grace, "Seconds a pod gets to terminate; -1 uses the pod's own.");
  flags.Bool("now", &now, "Same as --grace-period=1.");
  flags.Bool("ignore-not-found", &o.ignore_not_found, "Succeed when an object is missing.");
  flags.Bool("wait", &o.wait, "Wait until the objects are gone.");
  flags.Duration("timeout", &o.timeout, "How long to wait with --wait.");
  auto rest = flags.Parse(args);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  if (o.cascade == "true") o.cascade = "background";
  if (o.cascade == "false") o.cascade = "orphan";
  if (o.cascade != "background" && o.cascade != "foreground" && o.cascade != "orphan") {
    return Fail(ctx, "--cascade=" + o.cascade + ": want background, foreground or orphan");
  }
  if (now) o.grace = 1;

  std::vector<Target> targets;
  bool failed = false;
  if (!files.empty()) {
    if (!rest->empty()) return Fail(ctx, "delete: give either -f or KIND NAME, not both");
    for (const auto& item : LoadManifestArgs(ctx, files, recursive, &failed)) {
      auto ns = TargetNamespace(ctx, *item.kind, *item.object);
      if (!ns.ok()) return Fail(ctx, ns.status().message());
      targets.push_back({item.kind, *ns, api::GetObjectMeta(*item.object)->name()});
    }
    o.ignore_not_found = true;  // kubectl semantics for -f
  } else {
    if (rest->empty()) return Fail(ctx, "delete: you must specify KIND NAME, -l, --all or -f");
    std::string kind_name = (*rest)[0];
    std::vector<std::string> names(rest->begin() + 1, rest->end());
    if (names.empty() && kind_name.find('/') != std::string::npos) {
      names.push_back(kind_name.substr(kind_name.find('/') + 1));
      kind_name = kind_name.substr(0, kind_name.find('/'));
    }
    auto kind = ResolveKind(kind_name);
    if (!kind.ok()) return Fail(ctx, kind.status().message());
    std::string ns = (*kind)->namespaced ? ctx.Namespace() : "";
    if (names.empty()) {
      if (selector.empty() && !all) {
        return Fail(ctx,
                    "delete: resource(s) were provided, but no name was specified; use --all "
                    "to delete every " +
                        std::string((*kind)->singular));
      }
      auto client = ctx.Client();
      if (!client.ok()) return Fail(ctx, client.status());
      api::ListRequest list;
      list.set_kind(std::string((*kind)->kind));
      list.set_namespace_(ns);
      list.set_label_selector(selector);
      auto r = (*client)->List(list);
      if (!r.ok()) return Fail(ctx, r.status());
      for (const auto& item : r->items()) {
        auto obj = ParseObject(**kind, item);
        if (obj.ok()) targets.push_back({*kind, ns, api::GetObjectMeta(**obj)->name()});
      }
      if (targets.empty()) std::fprintf(ctx.err, "No resources found\n");
    } else {
      for (const auto& n : names)
        targets.push_back({*kind, ns, n});
    }
  }
  if (targets.empty()) return failed ? 1 : 0;
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  for (const auto& t : targets) {
    if (!DeleteOne(ctx, **client, t, o)) failed = true;
  }
  return failed ? 1 : 0;
}

}  // namespace skiff::netctl
