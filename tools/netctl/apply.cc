// netctl apply -f FILE|DIR|- : create what is missing, update what differs
// (three-way merge, see apply_merge.h), and say per object whether it was
// created, configured or unchanged.
#include <google/protobuf/message.h>

#include <algorithm>

#include "api/manifest.h"
#include "skiff/api/meta.pb.h"
#include "tools/netctl/apply_merge.h"
#include "tools/netctl/commands.h"
#include "tools/netctl/manifests.h"

namespace skiff::netctl {
namespace {

using google::protobuf::Message;

constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

// Applies one object; prints its outcome. Returns false on error (printed).
bool ApplyOne(Context& ctx, api::ApiClient& client, const api::ManifestObject& item, bool dry_run) {
  const api::KindInfo& kind = *item.kind;
  std::unique_ptr<Message> manifest(item.object->New());
  manifest->CopyFrom(*item.object);
  api::SetTypeMeta(manifest.get());
  api::ObjectMeta* meta = api::MutableObjectMeta(manifest.get());
  std::string where = item.source + ": document " + std::to_string(item.document);
  auto ns = TargetNamespace(ctx, kind, *manifest);
  if (!ns.ok()) {
    std::fprintf(ctx.err, "error: %s: %s\n", where.c_str(), ns.status().message().c_str());
    return false;
  }
  if (meta->name().empty()) {
    std::fprintf(ctx.err, "error: %s (%s): metadata.name: Required value (apply needs a name)\n",
                 where.c_str(), std::string(kind.kind).c_str());
    return false;
  }
  meta->set_namespace_(*ns);
  // Remember what was applied, without the annotation itself.
  meta->mutable_annotations()->erase(kLastApplied);
  std::string applied_json = api::ToJson(*manifest);
  (*meta->mutable_annotations())[kLastApplied] = applied_json + "\n";
  std::string ref = ObjectRef(kind, meta->name());
  std::string suffix = dry_run ? " (dry run)" : "";

  for (int attempt = 0; attempt < 3; ++attempt) {
    api::GetRequest get;
    get.set_kind(std::string(kind.kind));
    get.set_namespace_(*ns);
    get.set_name(meta->name());
    auto live_bytes = client.Get(get);
    if (!live_bytes.ok() && live_bytes.status().code() != StatusCode::kNotFound) {
      Fail(ctx, live_bytes.status());
      return false;
    }
    if (!live_bytes.ok()) {
      api::CreateRequest create;
      create.set_kind(std::string(kind.kind));
      create.set_object(manifest->SerializeAsString());
      create.set_dry_run(dry_run);
      auto created = client.Create(create);
      if (created.ok()) {
        std::fprintf(ctx.out, "%s created%s\n", ref.c_str(), suffix.c_str());
        return true;
      }
      if (created.status().code() == StatusCode::kAlreadyExists) continue;  // raced: update
      Fail(ctx, created.status().WithContext(where));
      return false;
    }
    auto live = ParseObject(kind, live_bytes->object());
    if (!live.ok()) {
      Fail(ctx, live.status());
      return false;
    }
    std::unique_ptr<Message> last;
    const auto& annotations = api::GetObjectMeta(**live)->annotations();
    if (auto it = annotations.find(kLastApplied); it != annotations.end()) {
      auto parsed = api::ParseObject(it->second, "last-applied-configuration");
      if (parsed.ok() && (*parsed)->GetDescriptor() == kind.descriptor) last = std::move(*parsed);
    }
    auto merged = ThreeWayMerge(**live, *manifest, last.get());
    api::UpdateRequest update;
    update.set_kind(std::string(kind.kind));
    update.set_object(merged->SerializeAsString());
    update.set_dry_run(dry_run);
    auto updated = client.Update(update);
    if (!updated.ok()) {
      if (updated.status().code() == StatusCode::kAborted) continue;  // changed meanwhile
      Fail(ctx, updated.status().WithContext(where));
      return false;
    }
    auto after = ParseObject(kind, updated->object());
    bool unchanged = after.ok() && api::GetObjectMeta(**after)->resource_version() ==
                                       api::GetObjectMeta(**live)->resource_version();
    std::fprintf(ctx.out, "%s %s%s\n", ref.c_str(), unchanged ? "unchanged" : "configured",
                 suffix.c_str());
    return true;
  }
  Fail(ctx, Aborted(ref + " kept changing while applying; try again"));
  return false;
}

}  // namespace

int RunApply(Context& ctx, const Args& args) {
  std::vector<std::string> files;
  bool recursive = false, dry_run = false;
  FlagSet flags("netctl apply -f FILE|DIR|- [-f ...] [flags]",
                "Creates or updates the objects in the manifests. Prints, per object,\n"
                "whether it was created, configured or unchanged.");
  ctx.AddGlobalFlags(flags);
  flags.List("filename", &files, "Manifest file, directory or - for stdin (repeatable).");
  flags.List("f", &files, "Short for --filename.");
  flags.Bool("recursive", &recursive, "Process directories recursively.");
  flags.Bool("R", &recursive, "Short for --recursive.");
  flags.Bool("dry-run", &dry_run, "Validate on the server, change nothing.");
  auto rest = flags.Parse(args);
  if (!rest.ok()) return Fail(ctx, rest.status().message());
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), ctx.out);
    return 0;
  }
  if (files.empty()) return Fail(ctx, "apply: must specify one of -f or --filename");
  if (!rest->empty()) return Fail(ctx, "apply: unexpected argument \"" + (*rest)[0] + "\"");

  bool failed = false;
  auto objects = LoadManifestArgs(ctx, files, recursive, &failed);
  // Namespaces first, so objects in a new namespace can be created in one go.
  std::stable_sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) {
    return (a.kind->kind == "Namespace") > (b.kind->kind == "Namespace");
  });
  if (objects.empty()) return failed ? 1 : Fail(ctx, "apply: no objects passed to apply");
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  for (const auto& item : objects) {
    if (!ApplyOne(ctx, **client, item, dry_run)) failed = true;
  }
  return failed ? 1 : 0;
}

}  // namespace skiff::netctl
