// netctl get KIND[,KIND...] [NAME...] [-n NS | -A] [-l SEL] [--field-selector SEL]
//            [-o wide|yaml|json|name] [-w] [--no-headers]
#include <google/protobuf/message.h>

#include <chrono>
#include <sstream>

#include "api/manifest.h"
#include "skiff/api/meta.pb.h"
#include "tools/netctl/commands.h"
#include "tools/netctl/printers.h"

namespace skiff::netctl {
namespace {

using google::protobuf::Message;
using ObjectList = std::vector<std::unique_ptr<Message>>;

struct GetOptions {
  std::string output;
  std::string label_selector;
  std::string field_selector;
  bool watch = false;
  bool no_headers = false;
};

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Indents a YAML document as an item of a YAML list.
std::string AsListItem(const std::string& yaml) {
  std::string out;
  std::istringstream in(yaml);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (line == "---") continue;
    out += (first ? "- " : "  ") + line + "\n";
    first = false;
  }
  return out;
}

std::string YamlList(const ObjectList& objects) {
  std::string out = "apiVersion: v1\nitems:\n";
  if (objects.empty()) out = "apiVersion: v1\nitems: []\n";
  for (const auto& o : objects)
    out += AsListItem(api::ToYaml(*o));
  out += "kind: List\nmetadata:\n  resourceVersion: \"\"\n";
  return out;
}

std::string JsonList(const ObjectList& objects) {
  std::string out = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [";
  for (size_t i = 0; i < objects.size(); ++i) {
    std::string item = api::ToJson(*objects[i], true);
    std::string indented;
    std::istringstream in(item);
    std::string line;
    while (std::getline(in, line))
      indented += "\n        " + line;
    out += (i ? "," : "") + indented;
  }
  out += objects.empty() ? "],\n" : "\n    ],\n";
  out +=
      "    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n";
  return out;
}

Status PrintObjects(Context& ctx, const api::KindInfo& kind, const ObjectList& objects,
                    const GetOptions& o, bool single, bool kind_prefix, bool header) {
  if (o.output == "yaml") {
    std::string text = single && objects.size() == 1 ? api::ToYaml(*objects[0]) : YamlList(objects);
    std::fputs(text.c_str(), ctx.out);
  } else if (o.output == "json") {
    std::string text =
        single && objects.size() == 1 ? api::ToJson(*objects[0], true) + "\n" : JsonList(objects);
    std::fputs(text.c_str(), ctx.out);
  } else if (o.output == "name") {
    for (const auto& obj : objects) {
      std::fprintf(ctx.out, "%s\n", ObjectRef(kind, api::GetObjectMeta(*obj)->name()).c_str());
    }
  } else if (o.output.empty() || o.output == "wide") {
    TableOptions t;
    t.wide = o.output == "wide";
    t.with_namespace = ctx.AllNamespaces();
    Table table;
    if (header && !o.no_headers) table.AddRow(Header(kind, t));
    for (const auto& obj : objects) {
      auto row = Row(kind, *obj, t);
      size_t name_col = t.with_namespace && kind.namespaced ? 1 : 0;
      if (kind_prefix) row[name_col] = ObjectRef(kind, row[name_col]);
      table.AddRow(std::move(row));
    }
    std::fputs(table.Render().c_str(), ctx.out);
  } else {
    return InvalidArgument("unable to match a printer suitable for the output format \"" +
                           o.output + "\", allowed formats are: json,name,wide,yaml");
  }
  std::fflush(ctx.out);
  return Status::Ok();
}

// Streams changes after `resource_version` until interrupted.
int WatchKind(Context& ctx, api::ApiClient& client, const api::KindInfo& kind,
              const std::string& ns, const std::vector<std::string>& names,
              const std::string& resource_version, const GetOptions& o) {
  api::WatchRequest req;
  req.set_kind(std::string(kind.kind));
  req.set_namespace_(ns);
  req.set_label_selector(o.label_selector);
  std::string fields = o.field_selector;
  if (names.size() == 1) fields += (fields.empty() ? "" : ",") + ("metadata.name=" + names[0]);
  req.set_field_selector(fields);
  req.set_resource_version(resource_version);
  auto stream = client.Watch(req);
  if (!stream.ok()) return Fail(ctx, stream.status());
  api::WatchEvent ev;
  for (;;) {
    auto next = (*stream)->Read(&ev, std::chrono::seconds(1));
    if (next == api::WatchStream::Next::kTimeout) continue;
    if (next == api::WatchStream::Next::kEnd) {
      Status s = (*stream)->status();
      return s.ok() ? 0 : Fail(ctx, s);
    }
    if (ev.type() == "BOOKMARK") continue;
    auto obj = ParseObject(kind, ev.object());
    if (!obj.ok()) continue;
    ObjectList one;
    one.push_back(std::move(*obj));
    if (o.output == "yaml") std::fputs("---\n", ctx.out);
    Status s = PrintObjects(ctx, kind, one, o, true, false, false);
    if (!s.ok()) return Fail(ctx, s);
    std::fflush(ctx.out);  // each change as it happens, also into a pipe
  }
}

}  // namespace

int RunGet(Context& ctx, const Args& args) {
  GetOptions o;
  FlagSet flags("netctl get KIND[,KIND...] [NAME...] [flags]",
                "Lists objects, or shows the named ones. KIND accepts kubectl's names:\n"
                "pods/pod/po, services/svc, deployments/deploy, replicasets/rs, statefulsets/sts,\n"
                "daemonsets/ds, configmaps/cm, secrets, namespaces/ns, nodes/no, endpointslices,\n"
                "hpa, events/ev, serviceaccounts/sa, roles, rolebindings, clusterroles,\n"
                "clusterrolebindings; \"all\" is pods, services and the workload kinds.");
  ctx.AddGlobalFlags(flags);
  flags.String("output", &o.output, "Output format: wide, yaml, json or name.");
  flags.String("o", &o.output, "Short for --output.");
  flags.String("selector", &o.label_selector, "Label selector, e.g. app=web,tier in (a,b).");
  flags.String("l", &o.label_selector, "Short for --selector.");
  flags.String("field-selector", &o.field_selector, "Field selector, e.g. spec.nodeName=n1.");
  flags.Bool("watch", &o.watch, "After listing, print changes as they happen.");
  flags.Bool("w", &o.watch, "Short for --watch.");
  flags.Bool("no-headers", &o.no_headers, "Omit the header row.");
  auto rest = flags.Parse(args);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  if (rest->empty()) {
    return Fail(ctx, "get: you must specify the type of resource to get, e.g. netctl get pods");
  }
  std::vector<std::string> kind_names;
  std::vector<std::string> names(rest->begin() + 1, rest->end());
  for (const auto& k : SplitComma((*rest)[0])) {
    if (k == "all") {
      // kubectl's "all" category.
      for (const char* a : {"pods", "services", "daemonsets", "deployments", "replicasets",
                            "statefulsets", "horizontalpodautoscalers", "cronjobs", "jobs"}) {
        kind_names.push_back(a);
      }
    } else {
      kind_names.push_back(k);
    }
  }
  // "pod/web" form.
  if (kind_names.size() == 1 && names.empty() && (*rest)[0].find('/') != std::string::npos) {
    auto slash = (*rest)[0].find('/');
    kind_names = {(*rest)[0].substr(0, slash)};
    names = {(*rest)[0].substr(slash + 1)};
  }
  std::vector<const api::KindInfo*> kinds;
  for (const auto& k : kind_names) {
    auto kind = ResolveKind(k);
    if (!kind.ok()) return Fail(ctx, kind.status().message());
    kinds.push_back(*kind);
  }
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());

  bool any = false, failed = false, first_table = true;
  std::string list_rv;
  ObjectList all_for_structured;
  for (const api::KindInfo* kind : kinds) {
    std::string ns = !kind->namespaced || ctx.AllNamespaces() ? "" : ctx.Namespace();
    ObjectList objects;
    if (!names.empty()) {
      for (const auto& name : names) {
        api::GetRequest get;
        get.set_kind(std::string(kind->kind));
        get.set_namespace_(ns);
        get.set_name(name);
        auto r = (*client)->Get(get);
        if (!r.ok()) {
          Fail(ctx, r.status());
          failed = true;
          continue;
        }
        auto obj = ParseObject(*kind, r->object());
        if (!obj.ok()) continue;
        list_rv = api::GetObjectMeta(**obj)->resource_version();
        objects.push_back(std::move(*obj));
      }
    } else {
      api::ListRequest list;
      list.set_kind(std::string(kind->kind));
      list.set_namespace_(ns);
      list.set_label_selector(o.label_selector);
      list.set_field_selector(o.field_selector);
      auto r = (*client)->List(list);
      if (!r.ok()) return Fail(ctx, r.status());
      list_rv = r->resource_version();
      for (const auto& item : r->items()) {
        auto obj = ParseObject(*kind, item);
        if (obj.ok()) objects.push_back(std::move(*obj));
      }
    }
    if (objects.empty()) continue;
    any = true;
    if (o.output == "yaml" || o.output == "json") {
      for (auto& obj : objects)
        all_for_structured.push_back(std::move(obj));
      continue;
    }
    if (!first_table && o.output != "name") std::fputs("\n", ctx.out);
    first_table = false;
    Status s = PrintObjects(ctx, *kind, objects, o, !names.empty(), kinds.size() > 1, true);
    if (!s.ok()) return Fail(ctx, s);
  }
  if (o.output == "yaml" || o.output == "json") {
    if (any || names.empty()) {
      bool single = names.size() == 1 && kinds.size() == 1 && all_for_structured.size() == 1;
      Status s = PrintObjects(ctx, *kinds[0], all_for_structured, o, single, false, false);
      if (!s.ok()) return Fail(ctx, s);
    }
  } else if (!any && !failed && names.empty()) {
    if (ctx.AllNamespaces() || !kinds[0]->namespaced) {
      std::fprintf(ctx.err, "No resources found\n");
    } else {
      std::fprintf(ctx.err, "No resources found in %s namespace.\n", ctx.Namespace().c_str());
    }
  }
  if (o.watch) {
    if (kinds.size() != 1) return Fail(ctx, "get -w: watch works on one kind at a time");
    std::string ns = !kinds[0]->namespaced || ctx.AllNamespaces() ? "" : ctx.Namespace();
    return WatchKind(ctx, **client, *kinds[0], ns, names, list_rv.empty() ? "0" : list_rv, o);
  }
  return failed ? 1 : 0;
}

}  // namespace skiff::netctl
