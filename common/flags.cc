#include "common/flags.h"

#include <charconv>
#include <memory>
#include <sstream>

namespace skiff {

FlagSet::FlagSet(std::string usage, std::string description)
    : usage_(std::move(usage)), description_(std::move(description)) {}

void FlagSet::String(std::string name, std::string* target, std::string help) {
  flags_[name] = Flag{std::move(help), *target, false, [target](std::string_view v) {
                        *target = std::string(v);
                        return Status::Ok();
                      }};
}

void FlagSet::Int(std::string name, int64_t* target, std::string help) {
  flags_[name] =
      Flag{std::move(help), std::to_string(*target), false, [target, name](std::string_view v) {
             int64_t n = 0;
             auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
             if (ec != std::errc() || p != v.data() + v.size()) {
               return InvalidArgument("--" + name + "=" + std::string(v) + ": want an integer");
             }
             *target = n;
             return Status::Ok();
           }};
}

void FlagSet::Bool(std::string name, bool* target, std::string help) {
  flags_[name] =
      Flag{std::move(help), *target ? "true" : "false", true, [target, name](std::string_view v) {
             if (v == "" || v == "true" || v == "1") {
               *target = true;
             } else if (v == "false" || v == "0") {
               *target = false;
             } else {
               return InvalidArgument("--" + name + "=" + std::string(v) + ": want true or false");
             }
             return Status::Ok();
           }};
}

void FlagSet::Duration(std::string name, std::chrono::milliseconds* target, std::string help) {
  flags_[name] = Flag{std::move(help), std::to_string(target->count()) + "ms", false,
                      [target, name](std::string_view v) {
                        auto d = ParseDuration(v);
                        if (!d.ok()) return d.status().WithContext("--" + name);
                        *target = *d;
                        return Status::Ok();
                      }};
}

void FlagSet::List(std::string name, std::vector<std::string>* target, std::string help) {
  std::string def;
  for (const auto& v : *target)
    def += (def.empty() ? "" : ",") + v;
  auto first = std::make_shared<bool>(true);
  flags_[name] = Flag{std::move(help), def, false, [target, first](std::string_view v) {
                        if (*first) target->clear();
                        *first = false;
                        std::stringstream ss{std::string(v)};
                        std::string item;
                        while (std::getline(ss, item, ',')) {
                          if (!item.empty()) target->push_back(item);
                        }
                        return Status::Ok();
                      }};
}

Result<std::vector<std::string>> FlagSet::Parse(int argc, char** argv, int first) {
  std::vector<std::string> args;
  for (int i = first; i < argc; ++i)
    args.emplace_back(argv[i]);
  return Parse(args);
}

Result<std::vector<std::string>> FlagSet::Parse(const std::vector<std::string>& args) {
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      positional.insert(positional.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (a.size() < 2 || a[0] != '-' || a == "-") {
      positional.push_back(a);
      continue;
    }
    std::string body = a.substr(a[1] == '-' ? 2 : 1);
    std::string name = body, value;
    bool has_value = false;
    if (auto eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    if (name == "help" || name == "h") {
      help_ = true;
      continue;
    }
    auto it = flags_.find(name);
    if (it == flags_.end()) {
      return InvalidArgument("unknown flag --" + name + " (see --help)");
    }
    if (!has_value && !it->second.is_bool) {
      if (i + 1 >= args.size()) return InvalidArgument("flag --" + name + " needs a value");
      value = args[++i];
    }
    SKIFF_RETURN_IF_ERROR(it->second.set(value));
  }
  return positional;
}

std::string FlagSet::Help() const {
  std::string out = "Usage: " + usage_ + "\n\n" + description_ + "\n\nFlags:\n";
  for (const auto& [name, f] : flags_) {
    out += "  --" + name + (f.is_bool ? "" : " VALUE") + "\n      " + f.help;
    if (!f.default_text.empty()) out += " (default " + f.default_text + ")";
    out += "\n";
  }
  out += "  --help\n      Show this help.\n";
  return out;
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("duration \"" + std::string(text) +
                           "\": want e.g. 250ms, 30s, 5m, 1h30m");
  };
  if (text.empty()) return bad();
  std::chrono::milliseconds total{0};
  std::string_view rest = text;
  bool any = false;
  while (!rest.empty()) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (ec != std::errc() || n < 0) return bad();
    rest.remove_prefix(p - rest.data());
    int64_t unit_ms = 1000;
    if (rest.starts_with("ms")) {
      unit_ms = 1;
      rest.remove_prefix(2);
    } else if (rest.starts_with("s")) {
      rest.remove_prefix(1);
    } else if (rest.starts_with("m")) {
      unit_ms = 60000;
      rest.remove_prefix(1);
    } else if (rest.starts_with("h")) {
      unit_ms = 3600000;
      rest.remove_prefix(1);
    } else if (!rest.empty() || any) {
      return bad();
    }
    total += std::chrono::milliseconds(n * unit_ms);
    any = true;
  }
  return total;
}

}  // namespace skiff
