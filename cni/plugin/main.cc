// skiff-cni: the CNI plugin binary. Reads the network configuration from
// stdin, the CNI_* variables from the environment, prints the result or error.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

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

int main() {
  std::string input = ReadAll(STDIN_FILENO);
  auto outcome = skiff::cni::plugin::Run([](const char* name) { return std::getenv(name); }, input);
  WriteAll(STDOUT_FILENO, outcome.out);
  return outcome.exit_code;
}
