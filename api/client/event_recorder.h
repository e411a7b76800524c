// EventRecorder: writes core/v1 Events about objects, as Kubernetes
// components do ("Scheduled", "SuccessfulCreate", "BackOff", ...). A repeat
// of the same (object, type, reason, message) within ten minutes bumps the
// existing Event's count and lastTimestamp instead of creating another one.
// Failures to record are logged, never returned: events are best effort.
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "api/client/client.h"

namespace google::protobuf {
class Message;
}

namespace skiff::api {

class EventRecorder {
 public:
  // `component`: source.component and reportingComponent ("skiff-scheduler").
  EventRecorder(ApiClient& client, std::string component, std::string host = "");

  // `type`: "Normal" or "Warning". `object` is any kind message with metadata.
  void Record(const google::protobuf::Message& object, const std::string& type,
              const std::string& reason, const std::string& message);

 private:
  struct Seen {
    std::string namespace_;
    std::string name;  // the Event's name
    int32_t count = 0;
    std::chrono::steady_clock::time_point last;
  };
  ApiClient& client_;
  std::string component_, host_;
  std::mutex mu_;
  std::map<std::string, Seen> seen_;  // key: uid|type|reason|message
};

}  // namespace skiff::api
