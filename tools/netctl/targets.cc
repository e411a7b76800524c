#include "tools/netctl/targets.h"

#include "skiff/api/meta.pb.h"

namespace skiff::netctl {
namespace {

std::string NamespaceOf(Context& ctx, const api::KindInfo& kind) {
  return kind.namespaced ? ctx.Namespace() : "";
}

}  // namespace

Result<std::vector<ObjectTarget>> ResolveTargets(Context& ctx, const TargetQuery& query) {
  std::vector<ObjectTarget> out;
  if (query.args.empty()) {
    return InvalidArgument("you must specify the type of resource, e.g. pods or deployment/web");
  }
  bool selecting = !query.selector.empty() || query.all;
  if (query.args[0].find('/') != std::string::npos) {
    if (selecting) return InvalidArgument("-l and --all cannot be used with KIND/NAME arguments");
    for (const auto& arg : query.args) {
      auto slash = arg.find('/');
      if (slash == std::string::npos) {
        return InvalidArgument(
            "there is no need to specify a resource type as a separate "
            "argument when passing arguments in resource/name form (\"" +
            arg + "\")");
      }
      auto kind = ResolveKind(arg.substr(0, slash));
      if (!kind.ok()) return kind.status();
      if (slash + 1 == arg.size()) return InvalidArgument("\"" + arg + "\": the name is empty");
      out.push_back({*kind, NamespaceOf(ctx, **kind), arg.substr(slash + 1)});
    }
    return out;
  }
  auto kind = ResolveKind(query.args[0]);
  if (!kind.ok()) return kind.status();
  if (query.args.size() > 1) {
    if (selecting) return InvalidArgument("names cannot be given together with -l or --all");
    for (size_t i = 1; i < query.args.size(); ++i) {
      out.push_back({*kind, NamespaceOf(ctx, **kind), query.args[i]});
    }
    return out;
  }
  if (!selecting) {
    return InvalidArgument(
        "resource(s) were provided, but no name was specified (or use -l "
        "SELECTOR or --all)");
  }
  auto client = ctx.Client();
  if (!client.ok()) return client.status();
  api::ListRequest list;
  list.set_kind(std::string((*kind)->kind));
  list.set_namespace_(ctx.AllNamespaces() ? "" : NamespaceOf(ctx, **kind));
  list.set_label_selector(query.selector);
  auto r = (*client)->List(list);
  if (!r.ok()) return r.status();
  for (const auto& item : r->items()) {
    auto obj = ParseObject(**kind, item);
    if (!obj.ok()) return obj.status();
    const auto* meta = api::GetObjectMeta(**obj);
    out.push_back({*kind, meta->namespace_(), meta->name()});
  }
  return out;
}

}  // namespace skiff::netctl
