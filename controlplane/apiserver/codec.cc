#include "controlplane/apiserver/codec.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>

#include <charconv>

#include "skiff/api/meta.pb.h"

namespace skiff::apiserver {
namespace {

// Field numbers fixed by the object model: every kind's metadata is field 3;
// ObjectMeta.resource_version is field 6 (checked by codec_test).
constexpr uint32_t kMetadataField = 3;
constexpr uint32_t kResourceVersionField = 6;

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

}  // namespace

std::string ObjectKey(const api::KindInfo& kind, std::string_view ns, std::string_view name) {
  std::string key(kRegistryPrefix);
  key += kind.resource;
  key += '/';
  if (kind.namespaced) {
    key += ns;
    key += '/';
  }
  key += name;
  return key;
}

std::string KindPrefix(const api::KindInfo& kind, std::string_view ns) {
  std::string key(kRegistryPrefix);
  key += kind.resource;
  key += '/';
  if (kind.namespaced && !ns.empty()) {
    key += ns;
    key += '/';
  }
  return key;
}

Result<std::unique_ptr<google::protobuf::Message>> Decode(const api::KindInfo& kind,
                                                          std::string_view bytes) {
  auto msg = kind.New();
  if (!msg->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return InvalidArgument("object is not a valid serialized " + std::string(kind.kind));
  }
  return msg;
}

std::string EncodeForStore(const google::protobuf::Message& object) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    object.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string WithResourceVersion(std::string bytes, int64_t revision) {
  std::string digits = FormatRevision(revision);
  std::string inner;
  AppendVarint(inner, (kResourceVersionField << 3) | 2);
  AppendVarint(inner, digits.size());
  inner += digits;
  AppendVarint(bytes, (kMetadataField << 3) | 2);
  AppendVarint(bytes, inner.size());
  bytes += inner;
  return bytes;
}

std::string FormatRevision(int64_t revision) {
  return std::to_string(revision);
}

Result<int64_t> ParseResourceVersion(std::string_view text) {
  if (text.empty()) return int64_t{0};
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 0) {
    return InvalidArgument("invalid resourceVersion \"" + std::string(text) +
                           "\": want a non-negative integer");
  }
  return v;
}

}  // namespace skiff::apiserver
