// netctl describe KIND NAME... : an object for people — metadata, its spec
// and status as indented key/value lines, and the Events that name it.
// Secret values are never printed, only their sizes.
#include <google/protobuf/message.h>

#include <sstream>

#include "api/manifest.h"
#include "skiff/api/core.pb.h"
#include "skiff/api/meta.pb.h"
#include "tools/netctl/commands.h"
#include "tools/netctl/printers.h"

namespace skiff::netctl {
namespace {

using google::protobuf::Message;

std::string Pad(const std::string& label, size_t width = 14) {
  std::string out = label + ":";
  if (out.size() < width)
    out += std::string(width - out.size(), ' ');
  else
    out += " ";
  return out;
}

std::string MapLines(const google::protobuf::Map<std::string, std::string>& m, size_t indent) {
  if (m.empty()) return "<none>\n";
  std::vector<std::string> lines;
  for (const auto& [k, v] : m)
    lines.push_back(k + "=" + v);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    out += (i ? std::string(indent, ' ') : "") + lines[i] + "\n";
  }
  return out;
}

// A section ("Spec", "Status") from the object's YAML form, indented.
std::string Section(const std::string& yaml, const std::string& key) {
  std::istringstream in(yaml);
  std::string line, out;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '-') {
      inside = line.rfind(key + ":", 0) == 0;
      continue;
    }
    if (inside) out += line + "\n";
  }
  return out;
}

std::string Describe(const api::KindInfo& kind, const Message& object,
                     const std::vector<api::Event>& events) {
  const api::ObjectMeta& meta = *api::GetObjectMeta(object);
  std::string out;
  out += Pad("Name") + meta.name() + "\n";
  if (kind.namespaced) out += Pad("Namespace") + meta.namespace_() + "\n";
  out += Pad("Labels") + MapLines(meta.labels(), 14);
  std::string yaml;
  if (object.GetDescriptor() == api::Secret::descriptor()) {
    const auto& secret = static_cast<const api::Secret&>(object);
    google::protobuf::Map<std::string, std::string> annotations = meta.annotations();
    annotations.erase("kubectl.kubernetes.io/last-applied-configuration");
    out += Pad("Annotations") + MapLines(annotations, 14);
    out += "\n" + Pad("Type") + (secret.type().empty() ? "Opaque" : secret.type()) +
           "\n\nData\n====\n";
    std::vector<std::string> keys;
    for (const auto& [k, v] : secret.data())
      keys.push_back(k + ":  " + std::to_string(v.size()) + " bytes");
    std::sort(keys.begin(), keys.end());
    for (const auto& k : keys)
      out += k + "\n";
  } else {
    out += Pad("Annotations") + MapLines(meta.annotations(), 14);
    out += Pad("Created") + AgeOf(meta.creation_timestamp()) + " ago\n";
    if (meta.has_deletion_timestamp()) out += Pad("Terminating") + "since deletion was requested\n";
    for (const auto& ref : meta.owner_references()) {
      out += Pad("Controlled By") + ref.kind() + "/" + ref.name() + "\n";
    }
    yaml = api::ToYaml(object);
    for (const char* section : {"spec", "data", "rules", "subjects", "roleRef", "status"}) {
      std::string body = Section(yaml, section);
      if (body.empty()) continue;
      std::string title = section;
      title[0] = static_cast<char>(std::toupper(title[0]));
      out += title + ":\n" + body;
    }
  }
  if (events.empty()) {
    out += "Events:       <none>\n";
  } else {
    Table table;
    table.AddRow({"  Type", "Reason", "Age", "From", "Message"});
    table.AddRow({"  ----", "------", "----", "----", "-------"});
    for (const auto& e : events) {
      table.AddRow(
          {"  " + e.type(), e.reason(),
           AgeOf(e.has_last_timestamp() ? e.last_timestamp() : e.metadata().creation_timestamp()),
           e.source().component(), e.message()});
    }
    out += "Events:\n" + table.Render();
  }
  return out;
}

}  // namespace

int RunDescribe(Context& ctx, const Args& args) {
  FlagSet flags("netctl describe KIND [NAME...] [flags]",
                "Shows objects in detail, with the events that concern them.");
  ctx.AddGlobalFlags(flags);
  std::string selector;
  flags.String("selector", &selector, "Label selector instead of names.");
  flags.String("l", &selector, "Short for --selector.");
  auto rest = flags.Parse(args);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  if (rest->empty()) return Fail(ctx, "describe: you must specify the type of resource");
  std::string kind_name = (*rest)[0];
  std::vector<std::string> names(rest->begin() + 1, rest->end());
  if (names.empty() && kind_name.find('/') != std::string::npos) {
    names.push_back(kind_name.substr(kind_name.find('/') + 1));
    kind_name = kind_name.substr(0, kind_name.find('/'));
  }
  auto kind = ResolveKind(kind_name);
  if (!kind.ok()) return Fail(ctx, kind.status().message());
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  std::string ns = (*kind)->namespaced && !ctx.AllNamespaces() ? ctx.Namespace() : "";

  std::vector<std::string> objects;
  if (names.empty()) {
    api::ListRequest list;
    list.set_kind(std::string((*kind)->kind));
    list.set_namespace_(ns);
    list.set_label_selector(selector);
    auto r = (*client)->List(list);
    if (!r.ok()) return Fail(ctx, r.status());
    objects.assign(r->items().begin(), r->items().end());
  } else {
    for (const auto& name : names) {
      api::GetRequest get;
      get.set_kind(std::string((*kind)->kind));
      get.set_namespace_(ns);
      get.set_name(name);
      auto r = (*client)->Get(get);
      if (!r.ok()) return Fail(ctx, r.status());
      objects.push_back(r->object());
    }
  }
  bool first = true;
  for (const auto& bytes : objects) {
    auto obj = ParseObject(**kind, bytes);
    if (!obj.ok()) continue;
    const auto* meta = api::GetObjectMeta(**obj);
    api::ListRequest ev;
    ev.set_kind("Event");
    ev.set_namespace_((*kind)->namespaced ? meta->namespace_() : "");
    ev.set_field_selector("involvedObject.kind=" + std::string((*kind)->kind) +
                          ",involvedObject.name=" + meta->name());
    std::vector<api::Event> events;
    if (auto r = (*client)->List(ev); r.ok()) {
      for (const auto& item : r->items()) {
        api::Event e;
        if (e.ParseFromString(item) &&
            (e.involved_object().uid().empty() || e.involved_object().uid() == meta->uid())) {
          events.push_back(std::move(e));
        }
      }
    }
    if (!first) std::fputs("\n\n", ctx.out);
    first = false;
    std::fputs(Describe(**kind, **obj, events).c_str(), ctx.out);
  }
  return 0;
}

}  // namespace skiff::netctl
