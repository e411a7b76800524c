#include "cni/spec/error.h"

namespace skiff::cni {

std::string_view ErrorCodeName(int code) {
  switch (code) {
    case kOk:
      return "ok";
    case kIncompatibleVersion:
      return "incompatible CNI version";
    case kUnsupportedField:
      return "unsupported field in network configuration";
    case kUnknownContainer:
      return "container unknown or does not exist";
    case kInvalidEnvironment:
      return "invalid necessary environment variables";
    case kIoFailure:
      return "I/O failure";
    case kDecodingFailure:
      return "failed to decode content";
    case kInvalidConfig:
      return "invalid network config";
    case kTryAgainLater:
      return "try again later";
    case kPluginNotAvailable:
      return "plugin not available";
    case kLimitedConnectivity:
      return "plugin not available, existing containers may have limited connectivity";
    case kCheckFailed:
      return "check failed";
    case kNetlinkFailure:
      return "netlink operation failed";
    case kInternal:
      return "internal error";
    default:
      return "plugin error";
  }
}

Error Error::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string m(context);
  m += ": ";
  m += msg_;
  return Error(code_, std::move(m), details_);
}

json::Value Error::ToJson(std::string_view cni_version) const {
  json::Object o;
  o.Set("cniVersion", json::Value(cni_version));
  o.Set("code", json::Value(code_));
  o.Set("msg", json::Value(msg_));
  o.Set("details", json::Value(details_));
  return json::Value(std::move(o));
}

Error FromStatus(const Status& status, int code, std::string_view context) {
  if (status.ok()) return Error();
  if (context.empty()) return Error(code, status.message());
  return Error(code, std::string(context) + ": " + status.message());
}

}  // namespace skiff::cni
