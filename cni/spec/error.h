// CNI errors as the specification defines them: {cniVersion, code, msg,
// details} on stdout with a non-zero exit. Codes 1-99 are the spec's
// well-known codes; 100+ are plugin-specific. Expected<T> carries either a
// value or such an error through the plugin without exceptions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "common/json/json.h"
#include "common/status.h"

namespace skiff::cni {

enum ErrorCode : int {
  kOk = 0,
  kIncompatibleVersion = 1,
  kUnsupportedField = 2,
  kUnknownContainer = 3,
  kInvalidEnvironment = 4,
  kIoFailure = 5,
  kDecodingFailure = 6,
  kInvalidConfig = 7,
  kTryAgainLater = 11,
  kPluginNotAvailable = 50,
  kLimitedConnectivity = 51,
  // Plugin-specific (>= 100).
  kCheckFailed = 100,     // CHECK found the attachment differs from the result
  kNetlinkFailure = 101,  // the kernel refused an interface/address/route change
  kInternal = 999,        // what Go's skel uses for untyped errors
};

// "incompatible CNI version", "invalid network config", ... ("plugin error"
// for codes without a name).
std::string_view ErrorCodeName(int code);

class [[nodiscard]] Error {
 public:
  Error() = default;
  Error(int code, std::string msg, std::string details = {})
      : code_(code), msg_(std::move(msg)), details_(std::move(details)) {}

  bool ok() const { return code_ == kOk; }
  int code() const { return code_; }
  const std::string& msg() const { return msg_; }
  const std::string& details() const { return details_; }

  // Prepends context to msg: "ipam: <msg>". No-op when OK.
  Error WithContext(std::string_view context) const;

  // {"cniVersion": version, "code": N, "msg": "...", "details": "..."}; the
  // spec's shape, with every key always present ("details" may be "").
  json::Value ToJson(std::string_view cni_version) const;

 private:
  int code_ = kOk;
  std::string msg_;
  std::string details_;
};

inline Error OkError() {
  return Error();
}

// Wraps a Status from a lower layer (netlink, files) with a CNI code.
Error FromStatus(const Status& status, int code, std::string_view context = {});

template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Expected(Error error) : v_(std::move(error)) {}  // NOLINT: must not be OK

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Error& error() const {
    static const Error kNone;
    return ok() ? kNone : std::get<Error>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace skiff::cni

#define CNI_RETURN_IF_ERROR(expr)            \
  do {                                       \
    ::skiff::cni::Error cni_error_ = (expr); \
    if (!cni_error_.ok()) return cni_error_; \
  } while (0)
