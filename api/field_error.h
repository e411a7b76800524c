// FieldError: one validation failure, reported against the JSON path of the field, as the
// Kubernetes API server does ("spec.template.spec.containers[1].name: Required value"),
// and ErrorList, the builder validators use to word them the Kubernetes way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::api {

struct FieldError {
  // JSON field path with Kubernetes names: "spec.ports[0].targetPort",
  // "metadata.labels[app.kubernetes.io/name]".
  std::string path;
  // What is wrong, Kubernetes-style: `Invalid value: "Foo": ...`, `Required value`,
  // `Unsupported value: "X": supported values: "A", "B"`, `Duplicate value: "x"`,
  // `Forbidden: ...`, `Not found: "x"`, `Too long: ...`.
  std::string message;

  // "path: message".
  std::string ToString() const;
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

using FieldErrors = std::vector<FieldError>;

// All errors as one string, one "path: message" per error joined by "; ".
std::string JoinFieldErrors(const FieldErrors& errors);

// Quotes a value the way error messages show it: "abc" with \" and \\ escaped.
std::string Quote(std::string_view value);

// Field path helpers: Child("spec", "ports") == "spec.ports", Index("spec.ports", 1) ==
// "spec.ports[1]", Key("metadata.labels", "app") == "metadata.labels[app]".
std::string Child(std::string_view path, std::string_view name);
std::string Index(std::string_view path, size_t index);
std::string Key(std::string_view path, std::string_view key);

// Accumulates FieldErrors. Not thread-safe; one per validation run.
class ErrorList {
 public:
  void Required(std::string_view path, std::string_view detail = {});
  void Invalid(std::string_view path, std::string_view value, std::string_view detail);
  void Invalid(std::string_view path, int64_t value, std::string_view detail);
  // For values that are not scalars (lists, maps) the caller renders them.
  void InvalidRaw(std::string_view path, std::string_view rendered, std::string_view detail);
  void NotSupported(std::string_view path, std::string_view value,
                    const std::vector<std::string_view>& supported);
  void Duplicate(std::string_view path, std::string_view value);
  void Forbidden(std::string_view path, std::string_view detail);
  void NotFound(std::string_view path, std::string_view value);
  void TooLong(std::string_view path, int64_t max_bytes);
  void TooMany(std::string_view path, int64_t actual, int64_t max_items);
  // One Invalid error per problem, e.g. from the checks in api/names.h.
  void AddProblems(std::string_view path, std::string_view value,
                   const std::vector<std::string>& problems);
  void Add(FieldError error) { errors_.push_back(std::move(error)); }

  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  const FieldErrors& errors() const { return errors_; }
  FieldErrors Take() { return std::move(errors_); }

 private:
  FieldErrors errors_;
};

}  // namespace skiff::api
