#include "tools/netctl/object_edit.h"

#include <google/protobuf/util/message_differencer.h>

#include "api/manifest.h"
#include "skiff/api/meta.pb.h"
#include "tools/netctl/context.h"

namespace skiff::netctl {
namespace {

using google::protobuf::Message;

std::string ResourceVersionOf(const json::Value& object) {
  const json::Value* meta = object.Find("metadata");
  const json::Value* rv = meta ? meta->Find("resourceVersion") : nullptr;
  return rv && rv->is_string() ? rv->as_string() : "";
}

// The edited JSON as a message of the same kind and identity as `live`.
Result<std::unique_ptr<Message>> ToMessage(const api::KindInfo& kind, const Message& live,
                                           const json::Value& edited) {
  auto parsed = api::ParseObject(json::Serialize(edited), "the patched object");
  if (!parsed.ok()) return parsed.status();
  std::unique_ptr<Message> out = std::move(*parsed);
  if (out->GetDescriptor() != kind.descriptor) {
    return InvalidArgument("the patched object is a " + api::GetKind(*out) + ", not a " +
                           std::string(kind.kind) + ": apiVersion and kind cannot be patched");
  }
  const api::ObjectMeta& was = *api::GetObjectMeta(live);
  const api::ObjectMeta& now = *api::GetObjectMeta(*out);
  if (now.name() != was.name()) {
    return InvalidArgument("metadata.name: the name cannot be changed (from \"" + was.name() +
                           "\" to \"" + now.name() + "\")");
  }
  if (now.namespace_() != was.namespace_()) {
    return InvalidArgument("metadata.namespace: the namespace cannot be changed (from \"" +
                           was.namespace_() + "\" to \"" + now.namespace_() + "\")");
  }
  return out;
}

}  // namespace

Result<EditResult> EditObject(api::ApiClient& client, const ObjectTarget& target,
                              const JsonEdit& edit, const EditOptions& options,
                              bool* local_failure) {
  const api::KindInfo& kind = *target.kind;
  bool ignored = false;
  if (!local_failure) local_failure = &ignored;
  *local_failure = false;
  for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
    api::GetRequest get;
    get.set_kind(std::string(kind.kind));
    get.set_namespace_(target.ns);
    get.set_name(target.name);
    auto bytes = client.Get(get);
    if (!bytes.ok()) return bytes.status();
    auto live = ParseObject(kind, bytes->object());
    if (!live.ok()) return live.status();
    auto original = json::Parse(api::ToJson(**live));
    if (!original.ok())
      return Internal("cannot read the live object: " + original.status().message());
    json::Value edited = *original;
    if (Status s = edit(**live, &edited); !s.ok()) {
      *local_failure = true;
      return s;
    }

    EditResult result;
    if (edited == *original) {
      result.after.reset((*live)->New());
      result.after->CopyFrom(**live);
      result.before = std::move(*live);
      return result;
    }
    auto updated = ToMessage(kind, **live, edited);
    if (!updated.ok()) {
      *local_failure = true;
      return updated.status();
    }
    if (google::protobuf::util::MessageDifferencer::Equals(**updated, **live)) {
      result.after = std::move(*updated);
      result.before = std::move(*live);
      return result;
    }
    if (options.dry_run == DryRun::kClient) {
      result.changed = true;
      result.after = std::move(*updated);
      result.before = std::move(*live);
      return result;
    }
    api::UpdateRequest update;
    update.set_kind(std::string(kind.kind));
    update.set_object((*updated)->SerializeAsString());
    update.set_subresource(options.subresource);
    update.set_dry_run(options.dry_run == DryRun::kServer);
    auto written = client.Update(update);
    if (!written.ok()) {
      bool own_precondition = ResourceVersionOf(edited) != ResourceVersionOf(*original);
      if (written.status().code() == StatusCode::kAborted && !own_precondition) continue;
      return written.status();
    }
    auto after = ParseObject(kind, written->object());
    if (!after.ok()) return after.status();
    // The server writes nothing when the object comes out the same (e.g. a
    // patch undone by defaulting); dry runs never bump the version either.
    if (options.dry_run == DryRun::kServer) {
      result.changed = !google::protobuf::util::MessageDifferencer::Equals(**after, **live);
    } else {
      result.changed = api::GetObjectMeta(**after)->resource_version() !=
                       api::GetObjectMeta(**live)->resource_version();
    }
    result.after = std::move(*after);
    result.before = std::move(*live);
    return result;
  }
  return Aborted(ObjectRef(kind, target.name) +
                 ": the object kept changing while it was being updated; try again");
}

}  // namespace skiff::netctl
