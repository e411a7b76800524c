#include "tools/netctl/create_common.h"

#include <algorithm>
#include <charconv>

#include "api/manifest.h"
#include "api/names.h"
#include "skiff/api/meta.pb.h"

namespace skiff::netctl {

int CreateFromJson(Context& ctx, json::Value object, const WriteFlags& write,
                   const std::string& verb) {
  auto dry_run = write.Check();
  if (!dry_run.ok()) return Fail(ctx, dry_run.status().message());
  const json::Value* api_version = object.Find("apiVersion");
  const json::Value* kind_name = object.Find("kind");
  const api::KindInfo* kind =
      api_version && kind_name && api_version->is_string() && kind_name->is_string()
          ? api::FindKind(api_version->as_string(), kind_name->as_string())
          : nullptr;
  if (!kind) return Fail(ctx, "internal: the generated object has no known kind");
  json::Value& meta = object.as_object()["metadata"];
  if (!meta.is_object()) meta = json::Object();
  if (kind->namespaced && !meta.as_object().Contains("namespace")) {
    meta.as_object().Set("namespace", ctx.Namespace());
  }
  auto message = api::ParseObject(json::Serialize(object), "the new " + std::string(kind->kind));
  if (!message.ok()) {
    std::fprintf(ctx.err, "error: %s\n", message.status().message().c_str());
    return 1;
  }
  if (*dry_run == DryRun::kClient) {
    PrintWriteResult(ctx, *kind, **message, write.output, verb, *dry_run);
    return 0;
  }
  auto client = ctx.Client();
  if (!client.ok()) return Fail(ctx, client.status());
  api::CreateRequest create;
  create.set_kind(std::string(kind->kind));
  create.set_object((*message)->SerializeAsString());
  create.set_dry_run(*dry_run == DryRun::kServer);
  auto created = (*client)->Create(create);
  if (!created.ok()) return Fail(ctx, created.status());
  auto stored = ParseObject(*kind, created->object());
  if (!stored.ok()) return Fail(ctx, stored.status());
  PrintWriteResult(ctx, *kind, **stored, write.output, verb, *dry_run);
  return 0;
}

Status CheckPort(int64_t port, const std::string& flag) {
  if (port >= 1 && port <= 65535) return Status::Ok();
  return InvalidArgument(flag + "=" + std::to_string(port) +
                         ": must be a port number between 1 and 65535");
}

Result<json::Value> ParseTargetPort(const std::string& text, const std::string& flag) {
  int64_t target = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), target);
  if (ec == std::errc() && p == text.data() + text.size()) {
    SKIFF_RETURN_IF_ERROR(CheckPort(target, flag));
    return json::Value(target);
  }
  if (api::Problems problems = api::CheckPortName(text); !problems.empty()) {
    return InvalidArgument(flag + ": target port \"" + text +
                           "\" is neither a port number nor a port name: " + problems[0]);
  }
  return json::Value(text);
}

Result<json::Value> ServicePortFromSpec(const std::string& spec, const std::string& protocol,
                                        const std::string& flag) {
  std::string port_text = spec, target_text;
  if (auto colon = spec.find(':'); colon != std::string::npos) {
    port_text = spec.substr(0, colon);
    target_text = spec.substr(colon + 1);
  }
  int64_t port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size()) {
    return InvalidArgument(flag + "=" + spec + ": \"" + port_text + "\" is not a port number");
  }
  SKIFF_RETURN_IF_ERROR(CheckPort(port, flag));
  json::Object out;
  std::string name = spec;
  std::replace(name.begin(), name.end(), ':', '-');
  out.Set("name", name);
  out.Set("protocol", protocol);
  out.Set("port", port);
  if (target_text.empty()) {
    out.Set("targetPort", port);
    return json::Value(std::move(out));
  }
  auto target = ParseTargetPort(target_text, flag + "=" + spec);
  if (!target.ok()) return target.status();
  out.Set("targetPort", std::move(*target));
  return json::Value(std::move(out));
}

}  // namespace skiff::netctl
