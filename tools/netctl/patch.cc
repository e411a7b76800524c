// netctl patch (KIND NAME... | KIND/NAME... | -f FILE) (-p PATCH | --patch-file FILE)
//              [--type strategic|merge|json] [--subresource status]
//              [--dry-run=client|server] [-o yaml|json|name]
//
// The patch is applied here to the live object (json_patch.h,
// strategic_merge.h) and the result written back with the live
// resourceVersion as precondition, starting over on a conflict: the same
// outcome as kubectl's server-side PATCH, through Skiff's update API.
// Prints "deployment.apps/web patched" or "... patched (no change)".
#include <google/protobuf/descriptor.h>

#include <fstream>
#include <sstream>

#include "skiff/api/meta.pb.h"
#include "tools/netctl/commands.h"
#include "tools/netctl/json_patch.h"
#include "tools/netctl/manifests.h"
#include "tools/netctl/object_edit.h"
#include "tools/netctl/patch_text.h"
#include "tools/netctl/strategic_merge.h"
#include "tools/netctl/targets.h"
#include "tools/netctl/write_flags.h"

namespace skiff::netctl {
namespace {

Result<std::string> ReadFile(const std::string& path, const std::string& flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(flag + ": cannot read \"" + path + "\"");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

JsonEdit MakePatchEdit(const std::string& type, const json::Value& patch) {
  return [&type, &patch](const google::protobuf::Message&, json::Value* object) -> Status {
    if (type == "json") return ApplyJsonPatch(patch, object);
    if (type == "merge") {
      *object = ApplyMergePatch(*object, patch);
      return Status::Ok();
    }
    auto merged = ApplyStrategicMergePatch(*object, patch);
    if (!merged.ok()) return merged.status();
    *object = std::move(*merged);
    return Status::Ok();
  };
}

// Targets from -f manifests: each object's kind, namespace and name.
Result<std::vector<ObjectTarget>> FileTargets(Context& ctx, const std::vector<std::string>& files) {
  bool failed = false;
  std::vector<ObjectTarget> out;
  for (const auto& item : LoadManifestArgs(ctx, files, false, &failed)) {
    auto ns = TargetNamespace(ctx, *item.kind, *item.object);
    if (!ns.ok()) return ns.status();
    out.push_back({item.kind, *ns, api::GetObjectMeta(*item.object)->name()});
  }
  if (failed) return InvalidArgument("cannot read the objects to patch from -f");
  return out;
}

}  // namespace

int RunPatch(Context& ctx, const Args& args) {
  std::string patch_text, patch_file, type = "strategic", subresource;
  std::vector<std::string> files;
  WriteFlags write;
  FlagSet flags(
      "netctl patch (KIND NAME | KIND/NAME | -f FILE) (-p PATCH | --patch-file FILE) "
      "[flags]",
      "Changes fields of objects with a patch: strategic (default; lists of\n"
      "containers, env, ports, volumes, volumeMounts merge by their key), merge\n"
      "(RFC 7386) or json (RFC 6902 operations). PATCH is JSON or YAML.");
  flags.String("patch", &patch_text, "The patch, JSON or YAML.");
  flags.String("p", &patch_text, "Short for --patch.");
  flags.String("patch-file", &patch_file, "Read the patch from this file.");
  flags.String("type", &type, "strategic, merge or json.");
  flags.String("subresource", &subresource, "Patch this subresource: status.");
  flags.List("filename", &files, "Patch the objects named in these manifests.");
  flags.List("f", &files, "Short for --filename.");
  int code = 0;
  auto rest = ParseWriteFlags(ctx, flags, write, args, &code);
  if (!rest) return code;
  const auto dry_run = write.Check();
  if (type != "strategic" && type != "merge" && type != "json") {
    return Fail(ctx, "--type must be one of [json merge strategic], not \"" + type + "\"");
  }
  if (!subresource.empty() && subresource != "status") {
    return Fail(ctx, "--subresource=" + subresource +
                         ": Skiff's API serves the status subresource only (scale: use "
                         "netctl scale)");
  }
  if (!patch_text.empty() && !patch_file.empty()) {
    return Fail(ctx, "--patch and --patch-file cannot be used together");
  }
  if (!patch_file.empty()) {
    auto text = ReadFile(patch_file, "--patch-file");
    if (!text.ok()) return Fail(ctx, text.status().message());
    patch_text = *text;
  }
  if (patch_text.empty()) {
    return Fail(ctx, "must specify --patch or --patch-file containing the contents of the patch");
  }
  auto patch = ParseJsonOrYaml(patch_text, patch_file.empty() ? "--patch" : "--patch-file");
  if (!patch.ok()) return Fail(ctx, patch.status().message());
  if (type == "json" && !patch->is_array()) {
    return Fail(ctx,
                "--type json: the patch must be a list of operations, e.g. "
                "[{\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 3}]");
  }
  if (type != "json" && !patch->is_object()) {
    return Fail(ctx, "--type " + type + ": the patch must be an object (a list is --type json)");
  }

  Result<std::vector<ObjectTarget>> targets = std::vector<ObjectTarget>();
  if (!files.empty()) {
    if (!rest->empty()) return Fail(ctx, "patch: give either -f or KIND NAME, not both");
    targets = FileTargets(ctx, files);
  } else {
    if (rest->empty()) {
      return Fail(ctx,
                  "patch: you must specify the object, e.g. deployment/web or "
                  "deployment web");
    }
    targets = ResolveTargets(ctx, TargetQuery{*rest, "", false});
  }
  if (!targets.ok()) return Fail(ctx, targets.status());
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());

  EditOptions options;
  options.dry_run = *dry_run;
  options.subresource = subresource;
  bool failed = false;
  for (const auto& t : *targets) {
    std::string ref = ObjectRef(*t.kind, t.name);
    if (subresource == "status" && !t.kind->descriptor->FindFieldByName("status")) {
      std::fprintf(ctx.err, "error: %s has no status subresource\n", ref.c_str());
      failed = true;
      continue;
    }
    bool local = false;
    auto edited = EditObject(**client, t, MakePatchEdit(type, *patch), options, &local);
    if (!edited.ok()) {
      ReportObjectError(ctx, ref, edited.status(), local);
      failed = true;
      continue;
    }
    PrintWriteResult(ctx, *t.kind, *edited->after, write.output,
                     edited->changed ? "patched" : "patched (no change)", *dry_run);
  }
  return failed ? 1 : 0;
}

}  // namespace skiff::netctl
