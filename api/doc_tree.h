// Doc: a small ordered JSON-shaped tree, the meeting point between YAML, JSON and protobuf
// messages in the manifest code. Numbers keep their literal text so integers of any width
// survive unchanged. Internal to api/ (manifest.h is the public interface).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace skiff::api {

struct DocField;

struct Doc {
  enum class Type { kNull, kBool, kNumber, kString, kList, kMap };

  Type type = Type::kNull;
  bool bool_value = false;
  std::string text;              // number literal (JSON syntax) or string value
  std::vector<Doc> items;        // kList
  std::vector<DocField> fields;  // kMap, in insertion order

  static Doc Null();
  static Doc Bool(bool b);
  static Doc Number(std::string literal);
  static Doc String(std::string s);
  static Doc List();
  static Doc Map();

  bool is_scalar() const { return type != Type::kList && type != Type::kMap; }
};

// One key of a map; `first`/`second` like std::pair (which cannot hold the incomplete Doc).
struct DocField {
  DocField(std::string key, Doc value) : first(std::move(key)), second(std::move(value)) {}
  std::string first;
  Doc second;
};

// JSON text. indent == 0: compact, one line; indent > 0: pretty, that many spaces per level.
std::string DocToJson(const Doc& doc, int indent = 0);

// YAML text in block style, like `kubectl get -o yaml`: sequences not indented under their
// key, strings quoted only when YAML would read them as something else, multi-line strings
// as literal blocks. Loading the text back with any YAML 1.1/1.2 parser gives the same tree.
std::string DocToYaml(const Doc& doc);

// Appends `s` as a JSON string literal (with quotes) to `out`.
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace skiff::api
