#include "tools/netctl/apply_merge.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <map>
#include <string>

namespace skiff::netctl {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool IsAtomic(const Descriptor* d) {
  // Well-known types hold one value each (IntOrString, timestamps, JSON).
  return d->file()->package() == "google.protobuf";
}

bool IsSet(const Message& m, const FieldDescriptor* f) {
  const Reflection* r = m.GetReflection();
  return f->is_repeated() ? r->FieldSize(m, f) > 0 : r->HasField(m, f);
}

// The key of a list element, or "" when the element type has none.
std::string ElementKey(const Message& m) {
  static const char* kKeyFields[] = {"mount_path", "name", "container_port", "port", "key",
                                     "ip",         "type"};
  const Descriptor* d = m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  for (const char* name : kKeyFields) {
    const FieldDescriptor* f = d->FindFieldByName(name);
    if (!f || f->is_repeated() || !r->HasField(m, f)) continue;
    std::string key = name;
    key += '=';
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      key += r->GetString(m, f);
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
      key += std::to_string(r->GetInt32(m, f));
      if (const FieldDescriptor* proto = d->FindFieldByName("protocol")) {
        key += "/" + r->GetString(m, proto);
      }
    } else {
      continue;
    }
    return key;
  }
  return "";
}

void Merge(Message* result, const Message& manifest, const Message* last);

// result.f = manifest.f (whole field).
void CopyField(Message* result, const Message& manifest, const FieldDescriptor* f) {
  std::unique_ptr<Message> holder(manifest.New());
  holder->CopyFrom(manifest);
  result->GetReflection()->SwapFields(result, holder.get(), {f});
}

// Map entries by their key's text form.
std::map<std::string, const Message*> MapEntries(const Message& m, const FieldDescriptor* f) {
  std::map<std::string, const Message*> out;
  const Reflection* r = m.GetReflection();
  const FieldDescriptor* key_field = f->message_type()->map_key();
  for (int i = 0; i < r->FieldSize(m, f); ++i) {
    const Message& entry = r->GetRepeatedMessage(m, f, i);
    out[entry.GetReflection()->GetString(entry, key_field)] = &entry;
  }
  return out;
}

void MergeMap(Message* result, const Message& manifest, const Message* last,
              const FieldDescriptor* f) {
  auto live = MapEntries(*result, f);
  auto want = MapEntries(manifest, f);
  std::map<std::string, const Message*> before;
  if (last) before = MapEntries(*last, f);
  std::map<std::string, std::unique_ptr<Message>> merged;
  for (const auto& [k, e] : live) {
    if (before.count(k) && !want.count(k)) continue;  // removed by the user
    merged[k].reset(e->New());
    merged[k]->CopyFrom(*e);
  }
  for (const auto& [k, e] : want) {
    merged[k].reset(e->New());
    merged[k]->CopyFrom(*e);
  }
  const Reflection* r = result->GetReflection();
  r->ClearField(result, f);
  for (auto& [k, e] : merged)
    r->AddMessage(result, f)->CopyFrom(*e);
}

void MergeList(Message* result, const Message& manifest, const Message* last,
               const FieldDescriptor* f) {
  const Reflection* r = result->GetReflection();
  int n = manifest.GetReflection()->FieldSize(manifest, f);
  bool keyed = n > 0;
  for (int i = 0; i < n && keyed; ++i) {
    keyed = !ElementKey(manifest.GetReflection()->GetRepeatedMessage(manifest, f, i)).empty();
  }
  std::map<std::string, std::unique_ptr<Message>> live_by_key, last_by_key;
  if (keyed) {
    for (int i = 0; i < r->FieldSize(*result, f); ++i) {
      const Message& e = r->GetRepeatedMessage(*result, f, i);
      auto& slot = live_by_key[ElementKey(e)];
      slot.reset(e.New());
      slot->CopyFrom(e);
    }
    if (last) {
      for (int i = 0; i < last->GetReflection()->FieldSize(*last, f); ++i) {
        const Message& e = last->GetReflection()->GetRepeatedMessage(*last, f, i);
        auto& slot = last_by_key[ElementKey(e)];
        slot.reset(e.New());
        slot->CopyFrom(e);
      }
    }
  }
  r->ClearField(result, f);
  for (int i = 0; i < n; ++i) {
    const Message& want = manifest.GetReflection()->GetRepeatedMessage(manifest, f, i);
    Message* out = r->AddMessage(result, f);
    auto live = keyed ? live_by_key.find(ElementKey(want)) : live_by_key.end();
    if (live == live_by_key.end()) {
      out->CopyFrom(want);
      continue;
    }
    out->CopyFrom(*live->second);
    auto prev = last_by_key.find(ElementKey(want));
    Merge(out, want, prev == last_by_key.end() ? nullptr : prev->second.get());
  }
}

void Merge(Message* result, const Message& manifest, const Message* last) {
  const Descriptor* d = result->GetDescriptor();
  const Reflection* r = result->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    bool in_manifest = IsSet(manifest, f);
    bool in_last = last && IsSet(*last, f);
    if (!in_manifest) {
      if (in_last) r->ClearField(result, f);
      continue;
    }
    if (f->is_map()) {
      MergeMap(result, manifest, last, f);
    } else if (f->is_repeated()) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !IsAtomic(f->message_type())) {
        MergeList(result, manifest, in_last ? last : nullptr, f);
      } else {
        CopyField(result, manifest, f);  // repeated scalars and atomic messages: replaced
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !IsAtomic(f->message_type())) {
      const Message& want = manifest.GetReflection()->GetMessage(manifest, f);
      Message* out = r->MutableMessage(result, f);
      Merge(out, want, in_last ? &last->GetReflection()->GetMessage(*last, f) : nullptr);
    } else {
      CopyField(result, manifest, f);  // scalars and atomic messages
    }
  }
}

}  // namespace

std::unique_ptr<Message> ThreeWayMerge(const Message& live, const Message& manifest,
                                       const Message* last) {
  std::unique_ptr<Message> result(live.New());
  result->CopyFrom(live);
  Merge(result.get(), manifest, last);
  return result;
}

}  // namespace skiff::netctl
