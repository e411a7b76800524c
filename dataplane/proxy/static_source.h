// A ServiceSource reading Services and EndpointSlices from a file
// (manifest.h format). The file is re-read when it changes (polled every
// `poll_ms`) or when Reload() is called (skiff-proxy calls it on SIGHUP).
// Each reading delivers only the differences to the previous one (upserts
// and deletes) followed by kSynced. A missing or unparsable file changes
// nothing: the data plane keeps the last state, Healthy() turns false and
// the error is logged and counted.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "dataplane/core/source.h"

namespace skiff::dataplane {

class StaticFileSource : public ServiceSource {
 public:
  explicit StaticFileSource(std::string path, int poll_ms = 500);
  ~StaticFileSource() override;

  Status Start(EventHandler handler) override;
  void Stop() override;
  bool Healthy() const override { return healthy_; }
  // Asks for a re-read now (async-signal-unsafe: call from a normal thread).
  void Reload();

 private:
  void Loop();
  void ReadOnce();

  std::string path_;
  int poll_ms_;
  EventHandler handler_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool reload_ = false;
  std::atomic<bool> healthy_{false};
  std::string last_signature_;  // mtime/size/inode of the last reading
  std::map<std::string, Service> services_;
  std::map<std::string, EndpointSlice> slices_;
};

}  // namespace skiff::dataplane
