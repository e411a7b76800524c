#include "controlplane/metrics/summary.h"

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include "common/json/json.h"

namespace skiff::metrics {
namespace {

using google::protobuf::util::TimeUtil;

Status Bad(const std::string& path, const std::string& what) {
  return InvalidArgument("stats summary: " + path + ": " + what);
}

std::string Child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// `*out` is the object at `key`, or nullptr when absent or null.
Status OptionalObject(const json::Object& parent, std::string_view key, const std::string& path,
                      const json::Object** out) {
  *out = nullptr;
  const json::Value* v = parent.Find(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_object()) return Bad(Child(path, key), "must be an object");
  *out = &v->as_object();
  return Status::Ok();
}

Status OptionalString(const json::Object& parent, std::string_view key, const std::string& path,
                      std::string* out) {
  const json::Value* v = parent.Find(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_string()) return Bad(Child(path, key), "must be a string");
  *out = v->as_string();
  return Status::Ok();
}

Status OptionalCount(const json::Object& parent, std::string_view key, const std::string& path,
                     std::optional<int64_t>* out) {
  const json::Value* v = parent.Find(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_int() || v->as_int() < 0) {
    return Bad(Child(path, key), "must be a non-negative integer");
  }
  *out = v->as_int();
  return Status::Ok();
}

Status OptionalTime(const json::Object& parent, std::string_view key, const std::string& path,
                    int64_t* unix_ns) {
  std::string text;
  SKIFF_RETURN_IF_ERROR(OptionalString(parent, key, path, &text));
  if (text.empty()) return Status::Ok();
  google::protobuf::Timestamp ts;
  if (!TimeUtil::FromString(text, &ts)) {
    return Bad(Child(path, key), "\"" + text + "\" is not an RFC 3339 time");
  }
  *unix_ns = ts.seconds() * 1'000'000'000LL + ts.nanos();
  return Status::Ok();
}

Status ParseUsage(const json::Object& parent, const std::string& path, UsageSample* out) {
  const json::Object* cpu = nullptr;
  const json::Object* memory = nullptr;
  SKIFF_RETURN_IF_ERROR(OptionalObject(parent, "cpu", path, &cpu));
  SKIFF_RETURN_IF_ERROR(OptionalObject(parent, "memory", path, &memory));
  if (cpu) {
    SKIFF_RETURN_IF_ERROR(
        OptionalCount(*cpu, "usageCoreNanoSeconds", Child(path, "cpu"), &out->cpu_usage_core_ns));
  }
  if (memory) {
    SKIFF_RETURN_IF_ERROR(OptionalCount(*memory, "workingSetBytes", Child(path, "memory"),
                                        &out->memory_working_set_bytes));
  }
  return Status::Ok();
}

Status RequiredString(const json::Object& parent, std::string_view key, const std::string& path,
                      std::string* out) {
  SKIFF_RETURN_IF_ERROR(OptionalString(parent, key, path, out));
  if (out->empty()) return Bad(Child(path, key), "required");
  return Status::Ok();
}

Status ParsePod(const json::Value& value, const std::string& path, PodSummary* pod) {
  if (!value.is_object()) return Bad(path, "must be an object");
  const json::Object& v = value.as_object();
  const json::Object* ref = nullptr;
  SKIFF_RETURN_IF_ERROR(OptionalObject(v, "podRef", path, &ref));
  if (!ref) return Bad(Child(path, "podRef"), "required");
  const json::Object& ref_value = *ref;
  std::string ref_path = Child(path, "podRef");
  SKIFF_RETURN_IF_ERROR(RequiredString(ref_value, "name", ref_path, &pod->name));
  SKIFF_RETURN_IF_ERROR(RequiredString(ref_value, "namespace", ref_path, &pod->ns));
  SKIFF_RETURN_IF_ERROR(OptionalString(ref_value, "uid", ref_path, &pod->uid));
  const json::Value* containers = v.Find("containers");
  if (containers == nullptr || containers->is_null()) return Status::Ok();
  std::string cpath = Child(path, "containers");
  if (!containers->is_array()) return Bad(cpath, "must be an array");
  for (size_t i = 0; i < containers->as_array().size(); ++i) {
    const json::Value& cv = containers->as_array()[i];
    std::string p = cpath + "[" + std::to_string(i) + "]";
    if (!cv.is_object()) return Bad(p, "must be an object");
    const json::Object& c = cv.as_object();
    ContainerSummary cs;
    SKIFF_RETURN_IF_ERROR(RequiredString(c, "name", p, &cs.name));
    SKIFF_RETURN_IF_ERROR(OptionalTime(c, "startTime", p, &cs.start_time_unix_ns));
    SKIFF_RETURN_IF_ERROR(ParseUsage(c, p, &cs.usage));
    pod->containers.push_back(std::move(cs));
  }
  return Status::Ok();
}

}  // namespace

Result<NodeSummary> ParseSummary(std::string_view json_text) {
  if (json_text.size() > kMaxSummaryBytes) {
    return InvalidArgument("stats summary: " + std::to_string(json_text.size()) +
                           " bytes is more than the limit of " + std::to_string(kMaxSummaryBytes));
  }
  auto doc = json::Parse(json_text);
  if (!doc.ok()) return doc.status().WithContext("stats summary");
  if (!doc->is_object()) return Bad("(document)", "must be an object");
  const json::Object& root = doc->as_object();
  NodeSummary out;
  const json::Object* node = nullptr;
  SKIFF_RETURN_IF_ERROR(OptionalObject(root, "node", "", &node));
  if (!node) return Bad("node", "required");
  const json::Object& node_value = *node;
  SKIFF_RETURN_IF_ERROR(RequiredString(node_value, "nodeName", "node", &out.node_name));
  SKIFF_RETURN_IF_ERROR(ParseUsage(node_value, "node", &out.usage));
  const json::Value* pods = root.Find("pods");
  if (pods == nullptr || pods->is_null()) return out;
  if (!pods->is_array()) return Bad("pods", "must be an array");
  if (pods->as_array().size() > kMaxSummaryPods) {
    return Bad("pods", std::to_string(pods->as_array().size()) +
                           " pods is more than the limit of " + std::to_string(kMaxSummaryPods));
  }
  out.pods.reserve(pods->as_array().size());
  for (size_t i = 0; i < pods->as_array().size(); ++i) {
    PodSummary pod;
    SKIFF_RETURN_IF_ERROR(ParsePod(pods->as_array()[i], "pods[" + std::to_string(i) + "]", &pod));
    out.pods.push_back(std::move(pod));
  }
  return out;
}

}  // namespace skiff::metrics
