// Typed reads of JSON object members that name the offending field in every
// error ("ipam.ranges[0][1].subnet must be a string, got integer"). Used for
// network configurations (code kInvalidConfig) and results (kDecodingFailure).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cni/spec/error.h"
#include "cni/spec/ip.h"
#include "common/json/json.h"

namespace skiff::cni {

class Fields {
 public:
  // `obj` must outlive the reader. A non-object `obj` fails every read with
  // "<path> must be an object".
  Fields(const json::Value& obj, std::string path, int code)
      : obj_(obj), path_(std::move(path)), code_(code) {}

  // Fails unless the value itself is an object.
  Error RequireObject() const;

  // Member or nullptr (also nullptr when the member is JSON null).
  const json::Value* Get(std::string_view key) const;
  // "prefix.key" (or "key" at the top level).
  std::string Path(std::string_view key) const;

  // Each read leaves *out untouched when the member is absent (or null) and
  // fails when `required` and absent, or when the type or range is wrong.
  Error String(std::string_view key, std::string* out, bool required = false) const;
  Error Int(std::string_view key, int64_t* out, int64_t min, int64_t max,
            bool required = false) const;
  Error Bool(std::string_view key, bool* out) const;
  Error StringList(std::string_view key, std::vector<std::string>* out) const;
  Error Ip(std::string_view key, IpAddr* out, bool required = false) const;
  Error Prefix(std::string_view key, IpPrefix* out, bool required = false) const;

  // An error for `key` with this reader's code: "<path>: <what>".
  Error Invalid(std::string_view key, std::string_view what) const;

 private:
  Error TypeError(std::string_view key, std::string_view want, const json::Value& got) const;

  const json::Value& obj_;
  std::string path_;
  int code_;
};

}  // namespace skiff::cni
