// Label lookups for the per-node filter loop. Label keys are interned process-wide (one
// string per distinct key, never freed), so a node's labels are a small array of
// (key pointer, value) pairs and a lookup compares pointers instead of hashing and
// comparing key strings. Selectors intern their keys once, when compiled.
//
// Interning is thread-safe; a LabelIndex is immutable once built.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/map.h>

namespace skiff::scheduler {

// The interned key (stable for the life of the process).
const std::string* InternLabelKey(std::string_view key);
// The interned key, or nullptr when no one ever interned it (then no node has that label).
const std::string* FindLabelKey(std::string_view key);

// Equal maps (labels, annotations, resource lists).
bool SameLabels(const google::protobuf::Map<std::string, std::string>& a,
                const google::protobuf::Map<std::string, std::string>& b);

class LabelIndex {
 public:
  LabelIndex() = default;
  explicit LabelIndex(const google::protobuf::Map<std::string, std::string>& labels);

  // The value of an interned key, or nullptr.
  const std::string* Get(const std::string* key) const {
    for (const auto& [k, v] : labels_) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  // Any key (looked up in the intern table first).
  const std::string* Get(std::string_view key) const;
  size_t size() const { return labels_.size(); }
  // Starts loading the label array into the cache (a hint; no effect on results).
  void Prefetch() const {
    const char* p = reinterpret_cast<const char*>(labels_.data());
    const char* end = reinterpret_cast<const char*>(labels_.data() + labels_.size());
    for (; p < end; p += 64)
      __builtin_prefetch(p);
  }

 private:
  std::vector<std::pair<const std::string*, std::string>> labels_;
};

}  // namespace skiff::scheduler
