// Command-line flags for Skiff's binaries: --name=value, --name value, bare
// --name for booleans (and --name=false), repeatable list flags (also
// comma-separated), "--" ends flags. Unknown flags and bad values are
// INVALID_ARGUMENT naming the flag. --help is recognised by the caller via
// help_requested().
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace skiff {

class FlagSet {
 public:
  // `usage`: the synopsis line, e.g. "skiff-server [flags]".
  FlagSet(std::string usage, std::string description);

  void String(std::string name, std::string* target, std::string help);
  void Int(std::string name, int64_t* target, std::string help);
  void Bool(std::string name, bool* target, std::string help);
  void Duration(std::string name, std::chrono::milliseconds* target, std::string help);
  // Repeatable; "a,b" adds two values. The default is replaced by the first use.
  void List(std::string name, std::vector<std::string>* target, std::string help);

  // Parses argv[first..]; returns the positional arguments.
  Result<std::vector<std::string>> Parse(int argc, char** argv, int first = 1);
  Result<std::vector<std::string>> Parse(const std::vector<std::string>& args);

  bool help_requested() const { return help_; }
  // Usage, description and every flag with its default and help.
  std::string Help() const;

 private:
  struct Flag {
    std::string help;
    std::string default_text;
    bool is_bool = false;
    std::function<Status(std::string_view)> set;
  };
  std::string usage_, description_;
  std::map<std::string, Flag> flags_;
  bool help_ = false;
};

// "90s", "5m", "1h30m", "250ms", "2" (seconds). INVALID_ARGUMENT otherwise.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace skiff
