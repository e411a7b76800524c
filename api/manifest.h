// Kubernetes manifests: multi-document YAML (or JSON) in, protobuf kind messages out, and
// back to JSON/YAML.
//
// Loading: the text is split into `---` documents; empty documents are skipped (but still
// counted, so document numbers match the file); `kind: List` (and `<Kind>List`) documents
// are expanded into their items. Each document is parsed by yaml-cpp, converted to JSON
// while walking the kind's protobuf descriptor (so scalars get the JSON type their field
// needs, and unknown fields / wrong types / bad scalars are reported with their exact
// path), then parsed by protobuf's JSON parser.
//
// A bad document produces errors and no object; the other documents still load. Callers
// that must be all-or-nothing check LoadResult::ok() before using any object.
//
// Error text: "<source>[:<line>]: document <n> (<Kind> <name>): <path>: <message>", e.g.
//   web.yaml:14: document 2 (Deployment web): spec.template.spec.containers[0].imagee:
//   unknown field "imagee"
// All functions are thread-safe (no shared mutable state).
#pragma once

#include <google/protobuf/message.h>  // ManifestObject owns messages

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/kinds.h"
#include "common/status.h"

namespace skiff::api {

struct ManifestError {
  std::string source;  // file name, "<stdin>", ...
  int document = 0;    // 1-based document index; 0 when the whole source failed
  std::string kind;    // when known
  std::string name;    // "name" or "namespace/name", when known
  int line = 0;        // 1-based line in the source; 0 when unknown
  std::string path;    // field path ("spec.replicas", "items[1].kind"); "" for the document
  std::string message;

  std::string ToString() const;
};

struct ManifestObject {
  std::unique_ptr<google::protobuf::Message> object;
  const KindInfo* kind = nullptr;
  std::string source;
  int document = 0;  // 1-based
  int item = -1;     // index within a List document, -1 otherwise
  int line = 0;      // first line of the document or list item
};

struct LoadResult {
  std::vector<ManifestObject> objects;  // in file order
  std::vector<ManifestError> errors;    // in file order

  bool ok() const { return errors.empty(); }
  // OK, or INVALID_ARGUMENT whose message lists every error, one per line.
  Status status() const;
};

// Loads every object in `text`. `source` names the text in errors (a file name).
LoadResult LoadManifests(std::string_view text, std::string_view source);

// Reads and loads a file; an unreadable file is one error with document 0.
LoadResult LoadManifestFile(const std::string& path);

// Exactly one object (e.g. an API request body, YAML or JSON). More or fewer than one
// object, or any error, is INVALID_ARGUMENT with the error text.
Result<std::unique_ptr<google::protobuf::Message>> ParseObject(std::string_view text,
                                                               std::string_view source);

// Message -> JSON with Kubernetes field names; unset and empty fields are omitted, int64s
// are numbers, apiVersion/kind are filled from the registry when the message lacks them.
// pretty: indented with 4 spaces like `kubectl get -o json`, else one line.
std::string ToJson(const google::protobuf::Message& message, bool pretty = false);

// Message -> YAML in block style like `kubectl get -o yaml` (apiVersion, kind, metadata,
// spec, status in that order). Loading the output gives back an equal message.
std::string ToYaml(const google::protobuf::Message& message);

// Several messages as one YAML stream, documents separated by "---".
std::string ToYaml(const std::vector<const google::protobuf::Message*>& messages);

}  // namespace skiff::api
