// Conversions between protobuf messages and Doc trees with Kubernetes JSON conventions.
// Internal to api/; manifest.h is the public interface.
#pragma once

#include <string>
#include <vector>

#include "api/doc_tree.h"

namespace google::protobuf {
class Descriptor;
class Message;
}  // namespace google::protobuf

namespace YAML {
class Node;
}  // namespace YAML

namespace skiff::api {

// Message -> Doc: JSON names, fields in field-number order, unset/empty fields omitted
// (proto3 `optional` and message fields are kept whenever set, even when zero/empty),
// int64 as JSON numbers (Kubernetes' convention, unlike protobuf's canonical JSON),
// map keys sorted, bytes as base64, Timestamp as RFC 3339, Value as written.
Doc MessageToDoc(const google::protobuf::Message& message);

// One problem found while converting YAML to a Doc.
struct ConvertError {
  std::string path;  // "spec.template.spec.containers[0].imagee"
  int line = 0;      // 1-based line within the YAML text parsed, 0 if unknown
  std::string message;
};

// YAML -> Doc for a message of type `descriptor`, walking the descriptor alongside so that
// each scalar gets the JSON type its field needs (string fields take any scalar verbatim,
// int fields take YAML 1.1/1.2 integers incl. 0644 octal, bytes must be base64, ...).
// Unknown fields, wrong shapes and bad scalars are reported with their path; conversion
// continues to collect every problem (up to a bound). `line_offset` is added to reported
// lines (the line where this YAML document starts in its file, minus one). Returns true when
// no error was added.
bool YamlToDoc(const YAML::Node& node, const google::protobuf::Descriptor* descriptor,
               const std::string& path, int line_offset, Doc* out,
               std::vector<ConvertError>* errors);

// Parses a YAML integer literal the way Kubernetes' YAML reader does (decimal with sign and
// underscores, 0x hex, 0o or leading-0 octal). False when it is not an integer.
bool ParseYamlInteger(const std::string& text, __int128* out);
// YAML 1.1 booleans: true/false, yes/no, on/off, y/n in the usual casings.
bool ParseYamlBool(const std::string& text, bool* out);

}  // namespace skiff::api
