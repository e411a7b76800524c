#include "controlplane/store/store.h"

namespace skiff::store {

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& c = reinterpret_cast<unsigned char&>(end.back());
    if (c < 0xff) {
      ++c;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

bool InRange(std::string_view key, std::string_view begin, std::string_view range_end) {
  if (range_end.empty()) return key == begin;
  if (key < begin) return false;
  if (range_end.size() == 1 && range_end[0] == '\0') return true;
  return key < range_end;
}

Result<TxnResponse> Put(Store& store, std::string key, std::string value) {
  TxnRequest txn;
  txn.success.push_back(Op{Op::Type::kPut, std::move(key), "", std::move(value), false, 0});
  return store.Txn(txn);
}

Result<TxnResponse> Delete(Store& store, std::string key) {
  TxnRequest txn;
  txn.success.push_back(Op{Op::Type::kDelete, std::move(key), "", "", false, 0});
  return store.Txn(txn);
}

Result<std::optional<KeyValue>> Get(Store& store, std::string key) {
  RangeRequest req;
  req.key = std::move(key);
  auto resp = store.Range(req);
  if (!resp.ok()) return resp.status();
  if (resp->kvs.empty()) return std::optional<KeyValue>();
  return std::optional<KeyValue>(std::move(resp->kvs.front()));
}

}  // namespace skiff::store
