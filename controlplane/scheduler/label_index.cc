#include "controlplane/scheduler/label_index.h"

#include <mutex>
#include <shared_mutex>
#include <unordered_set>

namespace skiff::scheduler {
namespace {

struct Pool {
  std::shared_mutex mu;
  std::unordered_set<std::string> keys;
};

Pool& GetPool() {
  static Pool* pool = new Pool();
  return *pool;
}

}  // namespace

const std::string* FindLabelKey(std::string_view key) {
  Pool& p = GetPool();
  std::shared_lock lock(p.mu);
  auto it = p.keys.find(std::string(key));
  return it == p.keys.end() ? nullptr : &*it;
}

const std::string* InternLabelKey(std::string_view key) {
  if (const std::string* found = FindLabelKey(key)) return found;
  Pool& p = GetPool();
  std::unique_lock lock(p.mu);
  return &*p.keys.emplace(key).first;
}

bool SameLabels(const google::protobuf::Map<std::string, std::string>& a,
                const google::protobuf::Map<std::string, std::string>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end() || it->second != v) return false;
  }
  return true;
}

LabelIndex::LabelIndex(const google::protobuf::Map<std::string, std::string>& labels) {
  labels_.reserve(labels.size());
  for (const auto& [k, v] : labels)
    labels_.emplace_back(InternLabelKey(k), v);
}

const std::string* LabelIndex::Get(std::string_view key) const {
  const std::string* k = FindLabelKey(key);
  return k ? Get(k) : nullptr;
}

}  // namespace skiff::scheduler
