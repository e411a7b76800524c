#include "tools/netctl/strategic_merge.h"

#include <algorithm>
#include <string_view>

namespace skiff::netctl {
namespace {

constexpr std::string_view kPatch = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";
constexpr std::string_view kSetElementOrder = "$setElementOrder/";

bool IsDirective(std::string_view key) {
  return !key.empty() && key[0] == '$';
}

bool IsContainerList(std::string_view field) {
  return field == "containers" || field == "initContainers" || field == "ephemeralContainers";
}

// The patchMergeKey of a list field of the object model; "" for lists that
// are replaced whole. `in_container`: the list belongs to a container.
std::string_view MergeKey(std::string_view field, bool in_container) {
  if (IsContainerList(field) || field == "env" || field == "volumes" ||
      field == "imagePullSecrets" || field == "readinessGates" || field == "resourceClaims") {
    return field == "readinessGates" ? "conditionType" : "name";
  }
  if (field == "volumeMounts") return "mountPath";
  if (field == "volumeDevices") return "devicePath";
  if (field == "ports") return in_container ? "containerPort" : "port";
  if (field == "hostAliases") return "ip";
  if (field == "conditions") return "type";
  if (field == "ownerReferences") return "uid";
  if (field == "topologySpreadConstraints") return "topologyKey";
  return "";
}

// Lists of strings that merge as sets (patchStrategy "merge" on scalars).
bool IsSetList(std::string_view field) {
  return field == "finalizers";
}

// The value without directives, for values that are new to the object.
json::Value Strip(const json::Value& v) {
  if (v.is_object()) {
    json::Object out;
    for (const auto& m : v.as_object()) {
      if (!IsDirective(m.key)) out.Set(m.key, Strip(m.value));
    }
    return out;
  }
  if (v.is_array()) {
    json::Array out;
    for (const auto& item : v.as_array()) {
      const json::Value* directive = item.Find(kPatch);
      if (directive) continue;  // delete/replace markers mean nothing for a new list
      out.push_back(Strip(item));
    }
    return out;
  }
  return v;
}

// The $patch directive of a map ("" when absent).
Result<std::string> PatchDirective(const json::Object& patch, const std::string& path) {
  const json::Value* d = patch.Find(kPatch);
  if (!d) return std::string();
  if (!d->is_string() ||
      (d->as_string() != "replace" && d->as_string() != "delete" && d->as_string() != "merge")) {
    return InvalidArgument(path + ": $patch must be \"replace\", \"delete\" or \"merge\", not " +
                           json::Serialize(*d));
  }
  return d->as_string() == "merge" ? std::string() : d->as_string();
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

struct Merger {
  // *deleted is set when the patch deletes the whole map.
  Result<json::Value> MergeMap(const json::Value& original, const json::Object& patch,
                               const std::string& path, bool in_container, bool* deleted);
  Result<json::Value> MergeKeyed(const json::Array& original, const json::Array& patch,
                                 std::string_view key, const std::string& path,
                                 bool elements_are_containers);
  Result<json::Value> MergeValue(const json::Value* current, const json::Value& patch,
                                 std::string_view field, const std::string& path, bool in_container,
                                 bool* deleted);
};

Result<json::Value> Merger::MergeValue(const json::Value* current, const json::Value& patch,
                                       std::string_view field, const std::string& path,
                                       bool in_container, bool* deleted) {
  if (patch.is_object()) {
    return MergeMap(current ? *current : json::Value(), patch.as_object(), path, false, deleted);
  }
  if (!patch.is_array()) return patch;
  std::string_view key = MergeKey(field, in_container);
  bool keyed = !key.empty();
  if (!current || !current->is_array() || (!keyed && !IsSetList(field))) {
    if (keyed) {
      // Check the keys even when there is nothing to merge with.
      auto merged = MergeKeyed(json::Array(), patch.as_array(), key, path, IsContainerList(field));
      if (!merged.ok()) return merged.status();
    }
    return Strip(patch);
  }
  if (keyed) {
    return MergeKeyed(current->as_array(), patch.as_array(), key, path, IsContainerList(field));
  }
  json::Array out = current->as_array();
  for (const auto& item : patch.as_array()) {
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
  }
  return json::Value(std::move(out));
}

Result<json::Value> Merger::MergeMap(const json::Value& original, const json::Object& patch,
                                     const std::string& path, bool in_container, bool* deleted) {
  *deleted = false;
  auto directive = PatchDirective(patch, path.empty() ? "the patch" : path);
  if (!directive.ok()) return directive.status();
  if (*directive == "delete") {
    *deleted = true;
    return json::Value();
  }
  if (*directive == "replace") return Strip(json::Value(patch));

  json::Value result = original.is_object() ? original : json::Value(json::Object());
  json::Object& out = result.as_object();
  for (const auto& [key, value] : patch) {
    if (key.starts_with(kDeleteFromPrimitiveList)) {
      std::string field = key.substr(kDeleteFromPrimitiveList.size());
      json::Value* list = out.Find(field);
      if (!value.is_array()) {
        return InvalidArgument(Join(path, key) + ": must be a list of values to remove");
      }
      if (list && list->is_array()) {
        json::Array& items = list->as_array();
        for (const auto& gone : value.as_array()) {
          items.erase(std::remove(items.begin(), items.end(), gone), items.end());
        }
      }
      continue;
    }
    if (IsDirective(key)) continue;  // $patch, $retainKeys, $setElementOrder: below
    if (value.is_null()) {
      out.Erase(key);
      continue;
    }
    bool child_deleted = false;
    auto merged =
        MergeValue(out.Find(key), value, key, Join(path, key), in_container, &child_deleted);
    if (!merged.ok()) return merged.status();
    if (child_deleted) {
      out.Erase(key);
    } else {
      out.Set(key, std::move(*merged));
    }
  }
  // $setElementOrder/<field>: the listed elements first, in that order.
  for (const auto& [key, value] : patch) {
    if (!key.starts_with(kSetElementOrder) || !value.is_array()) continue;
    std::string field = key.substr(kSetElementOrder.size());
    json::Value* list = out.Find(field);
    if (!list || !list->is_array()) continue;
    std::string_view merge_key = MergeKey(field, in_container);
    auto rank = [&](const json::Value& item) {
      const json::Array& order = value.as_array();
      for (size_t i = 0; i < order.size(); ++i) {
        const json::Value* k = merge_key.empty() ? &item : item.Find(merge_key);
        const json::Value* o = merge_key.empty() ? &order[i] : order[i].Find(merge_key);
        if (k && o && *k == *o) return i;
      }
      return order.size();
    };
    std::stable_sort(list->as_array().begin(), list->as_array().end(),
                     [&](const json::Value& a, const json::Value& b) { return rank(a) < rank(b); });
  }
  if (const json::Value* retain = patch.Find(kRetainKeys)) {
    if (!retain->is_array()) return InvalidArgument(Join(path, kRetainKeys) + ": must be a list");
    json::Object kept;
    for (const auto& m : out) {
      if (std::find(retain->as_array().begin(), retain->as_array().end(), json::Value(m.key)) !=
          retain->as_array().end()) {
        kept.Set(m.key, m.value);
      }
    }
    out = std::move(kept);
  }
  return result;
}

Result<json::Value> Merger::MergeKeyed(const json::Array& original, const json::Array& patch,
                                       std::string_view key, const std::string& path,
                                       bool elements_are_containers) {
  for (const auto& item : patch) {
    const json::Value* d = item.Find(kPatch);
    if (d && d->is_string() && d->as_string() == "replace") return Strip(json::Value(patch));
  }
  json::Array out = original;
  for (size_t i = 0; i < patch.size(); ++i) {
    const json::Value& item = patch[i];
    std::string where = path + "[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      return InvalidArgument(where + ": want an object with the merge key \"" + std::string(key) +
                             "\", got a " + std::string(json::TypeName(item.type())));
    }
    const json::Value* k = item.Find(key);
    if (!k) {
      return InvalidArgument(where + ": does not contain the merge key \"" + std::string(key) +
                             "\"");
    }
    auto directive = PatchDirective(item.as_object(), where);
    if (!directive.ok()) return directive.status();
    auto match = std::find_if(out.begin(), out.end(), [&](const json::Value& e) {
      const json::Value* ek = e.Find(key);
      return ek && *ek == *k;
    });
    if (*directive == "delete") {
      out.erase(std::remove_if(out.begin(), out.end(),
                               [&](const json::Value& e) {
                                 const json::Value* ek = e.Find(key);
                                 return ek && *ek == *k;
                               }),
                out.end());
      continue;
    }
    if (match == out.end()) {
      out.push_back(Strip(item));
      continue;
    }
    bool deleted = false;
    auto merged = MergeMap(*match, item.as_object(), where, elements_are_containers, &deleted);
    if (!merged.ok()) return merged.status();
    *match = std::move(*merged);
  }
  return json::Value(std::move(out));
}

}  // namespace

Result<json::Value> ApplyStrategicMergePatch(const json::Value& original,
                                             const json::Value& patch) {
  if (!patch.is_object()) {
    return InvalidArgument("a strategic merge patch must be an object, not a " +
                           std::string(json::TypeName(patch.type())));
  }
  bool deleted = false;
  Merger merger;
  auto result = merger.MergeMap(original, patch.as_object(), "", false, &deleted);
  if (!result.ok()) return result.status();
  if (deleted) return InvalidArgument("the patch deletes the whole object ($patch: delete)");
  return result;
}

}  // namespace skiff::netctl
