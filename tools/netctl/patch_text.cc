#include "tools/netctl/patch_text.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <regex>

namespace skiff::netctl {
namespace {

json::Value PlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  int64_t n = 0;
  const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
  auto [p, ec] = std::from_chars(begin, s.data() + s.size(), n);
  if (ec == std::errc() && p == s.data() + s.size()) return n;
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(s, kFloat)) return std::strtod(s.c_str(), nullptr);
  return s;
}

Result<json::Value> FromYaml(const YAML::Node& node, const std::string& path) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return json::Value(nullptr);
    case YAML::NodeType::Scalar:
      // "!" marks a quoted scalar: always a string.
      if (node.Tag() == "!") return json::Value(node.Scalar());
      return PlainScalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      json::Array out;
      for (size_t i = 0; i < node.size(); ++i) {
        auto item = FromYaml(node[i], path + "[" + std::to_string(i) + "]");
        if (!item.ok()) return item.status();
        out.push_back(std::move(*item));
      }
      return json::Value(std::move(out));
    }
    case YAML::NodeType::Map: {
      json::Object out;
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return InvalidArgument(path + ": map keys must be scalars");
        std::string key = kv.first.Scalar();
        auto value = FromYaml(kv.second, path.empty() ? key : path + "." + key);
        if (!value.ok()) return value.status();
        out.Set(key, std::move(*value));
      }
      return json::Value(std::move(out));
    }
  }
  return json::Value(nullptr);
}

}  // namespace

Result<json::Value> ParseJsonOrYaml(std::string_view text, std::string_view what) {
  auto parsed = json::Parse(text);
  if (parsed.ok()) return parsed;
  size_t first = text.find_first_not_of(" \t\r\n");
  bool looks_json = first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    if (looks_json) return InvalidArgument(std::string(what) + ": " + parsed.status().message());
    return InvalidArgument(std::string(what) + ": yaml: " + e.what());
  }
  if (!root.IsMap() && !root.IsSequence()) {
    return InvalidArgument(std::string(what) + ": want a JSON or YAML object or list, got \"" +
                           std::string(text) + "\"");
  }
  auto value = FromYaml(root, "");
  if (!value.ok()) return value.status().WithContext(std::string(what));
  return value;
}

}  // namespace skiff::netctl
