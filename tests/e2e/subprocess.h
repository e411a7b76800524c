// Child processes for the end-to-end tests and benchmarks: one-shot commands
// with their output captured, and long-running daemons whose output goes to a
// log file. Every child is started with fork/exec and ended by its own PID
// (never by name, never by process group), and every wait is bounded.
// Not thread-safe: one owner per Daemon; Run() may be called from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"

namespace skiff::e2e {

struct RunResult {
  int code = -1;  // exit code; -1 when killed by a signal or not started
  bool timed_out = false;
  std::string out;  // stdout and stderr, interleaved
  bool ok() const { return code == 0 && !timed_out; }
};

// Runs argv[0] (searched in $PATH) with argv, waits at most `timeout`; on
// timeout the child gets SIGKILL (by PID) and `timed_out` is set.
RunResult Run(const std::vector<std::string>& argv,
              std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A long-running child: stdout+stderr appended to `log_path`. `cpus` is a
// CPU list for sched_setaffinity ("1", "0-1"; "" = inherit), applied in the
// child before exec so the daemon and everything it starts stay there.
class Daemon {
 public:
  Daemon() = default;
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  // Stops the child if it still runs (Stop with a short grace).
  ~Daemon();

  Status Start(const std::vector<std::string>& argv, const std::string& log_path,
               const std::string& cpus = "");
  // SIGTERM, then SIGKILL after `grace`; reaps the child. Returns how it
  // ended ("exit 0", "signal 6", "killed after grace"), "" when not running.
  std::string Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // True while the child has not exited (reaps it when it has).
  bool Running();
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::string exit_;
};

// A child whose stdout (and stderr) is read line by line as it is written,
// e.g. `netctl get pods -w`. Stop() (or the destructor) ends it by PID.
class LineStream {
 public:
  LineStream() = default;
  LineStream(const LineStream&) = delete;
  LineStream& operator=(const LineStream&) = delete;
  ~LineStream();

  Status Start(const std::vector<std::string>& argv);
  // The next complete line (without '\n'); false on end of output or when
  // `timeout` passes first (then *timed_out is set when given).
  bool ReadLine(std::string* line, std::chrono::milliseconds timeout, bool* timed_out = nullptr);
  void Stop();

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

// Parses a CPU list ("0", "1,3", "0-2") into a mask; INVALID_ARGUMENT naming
// the text when malformed.
Result<cpu_set_t> ParseCpuList(const std::string& cpus);

// The last `lines` lines of a file ("" when unreadable).
std::string TailFile(const std::string& path, int lines);

}  // namespace skiff::e2e
