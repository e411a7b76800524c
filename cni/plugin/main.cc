// skiff-cni: the CNI plugin binary. Reads the network configuration from
// stdin, the CNI_* variables from the environment, prints the result or error.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cni/plugin/plugin.h"

namespace {

std::string ReadAll(int fd) {
  std::string data;
  char buf[16384];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      data.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return data;
}

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n > 0) {
      off += static_cast<size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      return;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--help" || a == "-h" || a == "--version" || a == "version") {
      WriteAll(STDOUT_FILENO, skiff::cni::plugin::About());
      return 0;
    }
  }
  const char* command = std::getenv("CNI_COMMAND");
  if (command == nullptr || *command == '\0') {
    // Someone ran the binary by hand: say what it is (the error JSON still
    // goes to stdout below, as the spec wants).
    WriteAll(STDERR_FILENO, skiff::cni::plugin::About());
  }
  // A terminal on stdin means no runtime is feeding a configuration: do not
  // wait for one.
  std::string input = isatty(STDIN_FILENO) ? std::string() : ReadAll(STDIN_FILENO);
  auto outcome = skiff::cni::plugin::Run([](const char* name) { return std::getenv(name); }, input);
  WriteAll(STDOUT_FILENO, outcome.out);
  return outcome.exit_code;
}
