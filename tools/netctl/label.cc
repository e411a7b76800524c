// netctl label and netctl annotate: one implementation for the two maps of
// metadata, with kubectl's arguments, checks, messages and exit codes:
//
//   netctl label KIND NAME... | KIND/NAME... | KIND -l SEL | KIND --all
//                key=value... key-... [--overwrite] [--list] [--resource-version RV]
//                [--dry-run=client|server] [-o yaml|json|name]
//
// Per object: "pod/web labeled" ("not labeled" when nothing changed) or
// "pod/web annotated"; a failing object is reported and the others still
// go ahead (exit code 1 when any failed).
#include <map>
#include <set>

#include "api/names.h"
#include "skiff/api/meta.pb.h"
#include "tools/netctl/commands.h"
#include "tools/netctl/object_edit.h"
#include "tools/netctl/targets.h"
#include "tools/netctl/write_flags.h"

namespace skiff::netctl {
namespace {

struct MapCommand {
  std::string name;      // "label"
  std::string field;     // JSON name in metadata: "labels"
  std::string done;      // "labeled"
  std::string not_done;  // "not labeled": the word when nothing changed ("" = same as done)
  bool check_values;     // label values have a syntax; annotation values do not
};

const MapCommand kLabel{"label", "labels", "labeled", "not labeled", true};
const MapCommand kAnnotate{"annotate", "annotations", "annotated", "", false};

struct Changes {
  std::map<std::string, std::string> set;
  std::vector<std::string> remove;
};

std::string JoinProblems(const api::Problems& problems) {
  std::string out;
  for (const auto& p : problems)
    out += (out.empty() ? "" : "; ") + p;
  return out;
}

Status CheckKey(const MapCommand& cmd, const std::string& spec, const std::string& key) {
  api::Problems p = api::CheckQualifiedName(key);
  if (p.empty()) return Status::Ok();
  return InvalidArgument("invalid " + cmd.name + " spec: " + spec + ": key \"" + key +
                         "\": " + JoinProblems(p));
}

// Splits "k=v" and "k-" arguments (after the resources).
Result<Changes> ParseChanges(const MapCommand& cmd, const std::vector<std::string>& specs) {
  Changes out;
  for (const auto& spec : specs) {
    if (auto eq = spec.find('='); eq != std::string::npos) {
      std::string key = spec.substr(0, eq), value = spec.substr(eq + 1);
      SKIFF_RETURN_IF_ERROR(CheckKey(cmd, spec, key));
      if (cmd.check_values) {
        if (api::Problems p = api::CheckLabelValue(value); !p.empty()) {
          return InvalidArgument("invalid label spec: " + spec + ": value \"" + value +
                                 "\": " + JoinProblems(p));
        }
      }
      out.set[key] = value;
    } else {
      std::string key = spec.substr(0, spec.size() - 1);
      SKIFF_RETURN_IF_ERROR(CheckKey(cmd, spec, key));
      out.remove.push_back(key);
    }
  }
  std::string both;
  for (const auto& key : out.remove) {
    if (out.set.count(key)) both += (both.empty() ? "" : ", ") + key;
  }
  if (!both.empty()) {
    return InvalidArgument("can not both modify and remove the following " + cmd.name +
                           "(s) in the same command: " + both);
  }
  return out;
}

// Is `arg` a change ("k=v", "k-") rather than a resource? As kubectl decides.
bool IsChange(const std::string& arg) {
  return (arg.find('=') != std::string::npos && arg[0] != '=') ||
         (arg.size() > 1 && arg.back() == '-');
}

const google::protobuf::Map<std::string, std::string>& MapOf(const MapCommand& cmd,
                                                             const google::protobuf::Message& o) {
  const api::ObjectMeta& meta = *api::GetObjectMeta(o);
  return cmd.field == "labels" ? meta.labels() : meta.annotations();
}

// The edit for one object; `missing` collects keys to remove that it lacks.
JsonEdit MakeEdit(const MapCommand& cmd, const Changes& changes, bool overwrite,
                  const std::string& resource_version, std::vector<std::string>* missing) {
  return [&cmd, &changes, overwrite, resource_version, missing](
             const google::protobuf::Message& live, json::Value* object) -> Status {
    const auto& current = MapOf(cmd, live);
    if (!overwrite) {
      for (const auto& [key, value] : changes.set) {
        auto it = current.find(key);
        if (it != current.end() && it->second != value) {
          return FailedPrecondition("'" + key + "' already has a value (" + it->second +
                                    "), and --overwrite is false");
        }
      }
    }
    missing->clear();
    json::Value& meta = object->as_object()["metadata"];
    if (!meta.is_object()) meta = json::Object();
    json::Value& map = meta.as_object()[cmd.field];
    if (!map.is_object()) map = json::Object();
    for (const auto& [key, value] : changes.set)
      map.as_object().Set(key, value);
    for (const auto& key : changes.remove) {
      if (!map.as_object().Erase(key)) missing->push_back(key);
    }
    if (map.as_object().empty()) meta.as_object().Erase(cmd.field);
    if (!resource_version.empty()) meta.as_object().Set("resourceVersion", resource_version);
    return Status::Ok();
  };
}

void PrintList(Context& ctx, const MapCommand& cmd, const ObjectTarget& t,
               const google::protobuf::Message& object, bool one) {
  std::string indent;
  if (!one) {
    std::fprintf(ctx.out, "Listing %s for %s.%s/%s:\n", cmd.field.c_str(),
                 std::string(t.kind->kind).c_str(), std::string(t.kind->group).c_str(),
                 t.name.c_str());
    indent = " ";
  }
  std::map<std::string, std::string> sorted(MapOf(cmd, object).begin(), MapOf(cmd, object).end());
  for (const auto& [k, v] : sorted)
    std::fprintf(ctx.out, "%s%s=%s\n", indent.c_str(), k.c_str(), v.c_str());
}

int RunMapCommand(Context& ctx, const MapCommand& cmd, const Args& raw_args) {
  TargetQuery query;
  bool overwrite = false, list = false;
  std::string resource_version;
  WriteFlags write;
  std::string synopsis = "netctl " + cmd.name +
                         " (KIND NAME... | KIND/NAME... | KIND -l SELECTOR | KIND --all) "
                         "KEY=VALUE... KEY-... [flags]";
  FlagSet flags(synopsis, "Sets (KEY=VALUE) and removes (KEY-) " + cmd.field +
                              " of objects. Changing an existing value needs --overwrite.");
  flags.Bool("overwrite", &overwrite, "Allow changing values that are already set.");
  flags.Bool("list", &list, "Print the " + cmd.field + " instead of changing them.");
  flags.String("selector", &query.selector, "Act on the objects matching this label selector.");
  flags.String("l", &query.selector, "Short for --selector.");
  flags.Bool("all", &query.all, "Act on every object of the kind in the namespace.");
  flags.String("resource-version", &resource_version,
               "Only change the object if it is still at this resourceVersion.");
  int code = 0;
  auto rest = ParseWriteFlags(ctx, flags, write, raw_args, &code);
  if (!rest) return code;
  const auto dry_run = write.Check();
  std::vector<std::string> specs;
  for (const auto& arg : *rest) {
    if (IsChange(arg)) {
      specs.push_back(arg);
    } else if (!specs.empty()) {
      return Fail(ctx, "all resources must be specified before " + cmd.name + " changes: " + arg);
    } else {
      query.args.push_back(arg);
    }
  }
  if (query.args.empty()) {
    return Fail(ctx,
                "one or more resources must be specified as <resource> <name> or "
                "<resource>/<name>");
  }
  if (specs.empty() && !list) return Fail(ctx, "at least one " + cmd.name + " update is required");
  if (!specs.empty() && list) return Fail(ctx, "--list cannot be combined with changes");
  auto changes = ParseChanges(cmd, specs);
  if (!changes.ok()) return Fail(ctx, changes.status().message());
  auto targets = ResolveTargets(ctx, query);
  if (!targets.ok()) return Fail(ctx, targets.status());
  if (targets->empty()) {
    std::fprintf(ctx.err, "No resources found\n");
    return 0;
  }
  if (!resource_version.empty() && targets->size() != 1) {
    return Fail(ctx, "--resource-version may only be used with a single resource");
  }
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  bool failed = false;
  std::vector<std::string> missing;
  EditOptions options;
  options.dry_run = *dry_run;
  for (const auto& t : *targets) {
    std::string ref = ObjectRef(*t.kind, t.name);
    if (list) {
      api::GetRequest get;
      get.set_kind(std::string(t.kind->kind));
      get.set_namespace_(t.ns);
      get.set_name(t.name);
      auto r = (*client)->Get(get);
      auto obj = r.ok() ? ParseObject(*t.kind, r->object())
                        : Result<std::unique_ptr<google::protobuf::Message>>(r.status());
      if (!obj.ok()) {
        failed = true;
        Fail(ctx, obj.status());
        continue;
      }
      PrintList(ctx, cmd, t, **obj, targets->size() == 1);
      continue;
    }
    bool local = false;
    auto edited =
        EditObject(**client, t, MakeEdit(cmd, *changes, overwrite, resource_version, &missing),
                   options, &local);
    if (!edited.ok()) {
      failed = true;
      if (local && edited.status().code() == StatusCode::kFailedPrecondition) {
        // kubectl's exact line for --overwrite refusals.
        std::fprintf(ctx.err, "error: %s\n", edited.status().message().c_str());
      } else {
        ReportObjectError(ctx, ref, edited.status(), local);
      }
      continue;
    }
    for (const auto& key : missing) {
      if (cmd.check_values)
        std::fprintf(ctx.out, "%s \"%s\" not found.\n", cmd.name.c_str(), key.c_str());
    }
    bool changed = edited->changed || cmd.not_done.empty();
    PrintWriteResult(ctx, *t.kind, *edited->after, write.output, changed ? cmd.done : cmd.not_done,
                     *dry_run);
  }
  return failed ? 1 : 0;
}

}  // namespace

int RunLabel(Context& ctx, const Args& args) {
  return RunMapCommand(ctx, kLabel, args);
}
int RunAnnotate(Context& ctx, const Args& args) {
  return RunMapCommand(ctx, kAnnotate, args);
}

}  // namespace skiff::netctl
