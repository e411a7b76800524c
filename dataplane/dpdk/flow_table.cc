#include "dataplane/dpdk/flow_table.h"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

#include <cstring>

namespace skiff::dataplane::dpdk {

Result<std::unique_ptr<FlowTable>> FlowTable::Create(const std::string& name, uint8_t family,
                                                     uint32_t capacity, int socket) {
  std::unique_ptr<FlowTable> t(new FlowTable());
  t->family_ = family;
  rte_hash_parameters p;
  std::memset(&p, 0, sizeof(p));
  p.name = name.c_str();
  p.entries = capacity;
  p.key_len = static_cast<uint32_t>(t->key_len());
  p.hash_func = rte_hash_crc;
  p.hash_func_init_val = 0;
  p.socket_id = socket;
  // Extendable buckets: every one of `capacity` keys fits, whatever the
  // cuckoo displacement luck. No concurrency flags: one lcore owns it.
  p.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
  t->hash_ = rte_hash_create(&p);
  if (!t->hash_)
    return Status(StatusCode::kResourceExhausted,
                  "flow table " + name + " (" + std::to_string(capacity) + " entries): " +
                      rte_strerror(rte_errno) + "; lower --dpdk-flows or raise --dpdk-memory-mb");
  t->capacity_ = static_cast<uint32_t>(rte_hash_max_key_id(t->hash_)) + 1;
  t->flows_ = std::make_unique<Flow[]>(t->capacity_);
  return t;
}

FlowTable::~FlowTable() {
  if (hash_) rte_hash_free(hash_);
}

void FlowTable::LookupBulk(const void* const* keys, uint32_t n, int32_t* positions) const {
  if (rte_hash_lookup_bulk(hash_, const_cast<const void**>(keys), n, positions) != 0)
    for (uint32_t i = 0; i < n; ++i)
      positions[i] = -1;
  for (uint32_t i = 0; i < n; ++i)
    if (positions[i] < 0) positions[i] = -1;
}

int32_t FlowTable::Lookup(const void* key) const {
  int32_t pos = rte_hash_lookup(hash_, key);
  return pos < 0 ? -1 : pos;
}

int32_t FlowTable::Add(const void* key) {
  int32_t pos = rte_hash_add_key(hash_, key);
  if (pos < 0) return -1;
  flows_[pos] = Flow();
  ++size_;
  return pos;
}

void FlowTable::ReplyKey(const void* fwd_key, const Flow& f, void* out) const {
  if (family_ == kFamily4) {
    auto* k = static_cast<const FlowKey4*>(fwd_key);
    FlowKey4 r{};
    std::memcpy(&r.saddr, f.addr.b, 4);
    std::memcpy(&r.daddr, f.addr2.b, 4);
    r.sport = f.port_be;
    r.dport = f.port2_be;
    r.proto = k->proto;
    std::memcpy(out, &r, sizeof(r));
  } else {
    auto* k = static_cast<const FlowKey6*>(fwd_key);
    FlowKey6 r{};
    std::memcpy(r.saddr, f.addr.b, 16);
    std::memcpy(r.daddr, f.addr2.b, 16);
    r.sport = f.port_be;
    r.dport = f.port2_be;
    r.proto = k->proto;
    std::memcpy(out, &r, sizeof(r));
  }
}

void FlowTable::Remove(int32_t pos) {
  Flow& f = flows_[pos];
  if (f.kind == FlowKind::kFree) return;
  void* key = nullptr;
  if (rte_hash_get_key_with_position(hash_, pos, &key) != 0) return;
  if (f.kind == FlowKind::kForward && (f.flags & kFlowSnat)) {
    alignas(8) uint8_t rk[sizeof(FlowKey6)];
    ReplyKey(key, f, rk);
    int32_t rpos = rte_hash_lookup(hash_, rk);
    if (rpos >= 0 && flows_[rpos].kind == FlowKind::kReply &&
        flows_[rpos].gen == static_cast<uint32_t>(pos)) {
      rte_hash_del_key(hash_, rk);
      flows_[rpos].kind = FlowKind::kFree;
      --size_;
    }
  }
  if (f.kind == FlowKind::kReply) {
    // Its forward entry no longer has a reply side.
    Flow& fwd = flows_[f.gen];
    if (fwd.kind == FlowKind::kForward) fwd.flags &= static_cast<uint8_t>(~kFlowSnat);
  }
  // `key` points into the hash's key store: delete by a copy.
  alignas(8) uint8_t copy[sizeof(FlowKey6)];
  std::memcpy(copy, key, key_len());
  rte_hash_del_key(hash_, copy);
  f.kind = FlowKind::kFree;
  --size_;
}

bool FlowTable::Expired(const Flow& f, uint32_t now_ms, const FlowTimeouts& t) const {
  uint32_t idle = now_ms - f.last_ms;
  if (f.flags & kFlowClosing) return idle > t.closing_ms;
  return idle > (f.proto == 17 ? t.udp_ms : t.tcp_ms);
}

uint32_t FlowTable::Sweep(uint32_t now_ms, const FlowTimeouts& t, uint32_t budget) {
  uint32_t removed = 0;
  for (uint32_t i = 0; i < budget && size_ > 0; ++i) {
    uint32_t pos = cursor_;
    cursor_ = cursor_ + 1 == capacity_ ? 0 : cursor_ + 1;
    const Flow& f = flows_[pos];
    if (f.kind != FlowKind::kForward || !Expired(f, now_ms, t)) continue;
    uint32_t before = size_;
    Remove(static_cast<int32_t>(pos));
    removed += before - size_;
  }
  return removed;
}

}  // namespace skiff::dataplane::dpdk
