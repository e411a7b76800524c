#include "api/manifest.h"

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "api/doc_tree.h"
#include "api/field_error.h"
#include "api/proto_doc.h"

namespace skiff::api {
namespace {

struct Chunk {
  std::string text;
  int first_line = 1;  // line of the chunk's first line in the source
  int index = 0;       // 1-based document number
};

bool IsMarker(std::string_view line, std::string_view marker) {
  if (line.substr(0, 3) != marker) return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

// Only blank lines, comments and directives.
bool IsBlank(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] != '#' && line[first] != '%') {
      // "---" alone (a document start marker) carries no content.
      std::string_view rest = line.substr(first);
      if (!(IsMarker(rest, "---") &&
            rest.find_first_not_of(" \t\r", 3) == std::string_view::npos)) {
        return false;
      }
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return true;
}

// Splits a YAML stream at "---" lines (and after "..." lines). Document markers at column 0
// always end a document in YAML, even inside block scalars, so a line scan is exact.
std::vector<Chunk> SplitDocuments(std::string_view text) {
  std::vector<Chunk> chunks;
  Chunk current;
  bool explicit_start = false;  // current began with "---"
  bool closed = false;          // current ended with "..."
  int line_no = 0;
  auto flush = [&](int next_line) {
    if (explicit_start || !IsBlank(current.text)) {
      current.index = static_cast<int>(chunks.size()) + 1;
      chunks.push_back(current);
    }
    current = Chunk();
    current.first_line = next_line;
    explicit_start = false;
    closed = false;
  };
  current.first_line = 1;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    bool last = nl == std::string_view::npos;
    std::string_view line = text.substr(pos, last ? text.npos : nl - pos);
    ++line_no;
    if (IsMarker(line, "---")) {
      if (explicit_start || closed || !IsBlank(current.text)) {
        flush(line_no);
      } else {
        current = Chunk();  // leading comments before the first "---" belong to nobody
        current.first_line = line_no;
      }
      explicit_start = true;
      current.text.append(line);
      current.text.push_back('\n');
    } else if (IsMarker(line, "...")) {
      closed = true;
    } else {
      if (closed && line.find_first_not_of(" \t\r") != std::string_view::npos &&
          line[line.find_first_not_of(" \t\r")] != '#') {
        flush(line_no);  // a bare document after "..."
      }
      if (!closed) {
        current.text.append(line);
        current.text.push_back('\n');
      }
    }
    if (last) break;
    pos = nl + 1;
  }
  if (explicit_start || !IsBlank(current.text)) {
    current.index = static_cast<int>(chunks.size()) + 1;
    chunks.push_back(current);
  }
  return chunks;
}

std::string ScalarAt(const YAML::Node& map, const char* key) {
  if (!map.IsMap()) return "";
  const YAML::Node v = map[key];
  return v.IsDefined() && v.IsScalar() ? v.Scalar() : "";
}

std::string ObjectName(const YAML::Node& node) {
  if (!node.IsMap()) return "";
  const YAML::Node meta = node["metadata"];
  if (!meta.IsDefined() || !meta.IsMap()) return "";
  std::string name = ScalarAt(meta, "name");
  if (name.empty()) {
    std::string generate = ScalarAt(meta, "generateName");
    if (!generate.empty()) name = generate + "*";
  }
  std::string ns = ScalarAt(meta, "namespace");
  if (!ns.empty() && !name.empty()) return ns + "/" + name;
  return name;
}

int LineOf(const YAML::Node& n, int offset) {
  YAML::Mark m = n.Mark();
  return m.is_null() ? 0 : m.line + 1 + offset;
}

// Known kinds, for "unknown kind" messages.
std::string KnownKinds() {
  std::string out;
  for (const KindInfo* k : AllKinds()) {
    if (!out.empty()) out += ", ";
    out += k->kind;
  }
  return out;
}

class Loader {
 public:
  Loader(std::string_view source, LoadResult* result) : source_(source), result_(result) {}

  void LoadChunk(const Chunk& chunk) {
    const int offset = chunk.first_line - 1;
    YAML::Node root;
    try {
      root = YAML::Load(chunk.text);
    } catch (const YAML::Exception& e) {
      ManifestError err = Base(chunk.index);
      err.line = e.mark.is_null() ? 0 : e.mark.line + 1 + offset;
      err.message = "invalid YAML";
      if (!e.mark.is_null()) err.message += " at column " + std::to_string(e.mark.column + 1);
      err.message += ": " + e.msg;
      result_->errors.push_back(std::move(err));
      return;
    }
    if (root.IsNull() || !root.IsDefined()) return;  // empty document
    if (!root.IsMap()) {
      ManifestError err = Base(chunk.index);
      err.line = LineOf(root, offset);
      err.message = "expected an object (a map with apiVersion, kind and metadata), got " +
                    std::string(root.IsSequence() ? "a list" : "a scalar");
      result_->errors.push_back(std::move(err));
      return;
    }
    std::string kind = ScalarAt(root, "kind");
    if (kind == "List" || (kind.size() > 4 && kind.ends_with("List") &&
                           FindKind(std::string_view(kind).substr(0, kind.size() - 4)))) {
      LoadList(root, chunk.index, offset);
      return;
    }
    LoadObject(root, "", chunk.index, -1, offset);
  }

 private:
  ManifestError Base(int document) const {
    ManifestError e;
    e.source = std::string(source_);
    e.document = document;
    return e;
  }

  void Fail(const YAML::Node& at, int document, int offset, std::string kind, std::string name,
            std::string path, std::string message) {
    ManifestError e = Base(document);
    e.kind = std::move(kind);
    e.name = std::move(name);
    e.line = LineOf(at, offset);
    e.path = std::move(path);
    e.message = std::move(message);
    result_->errors.push_back(std::move(e));
  }

  void LoadList(const YAML::Node& root, int document, int offset) {
    std::string kind = ScalarAt(root, "kind");
    const YAML::Node items = root["items"];
    for (auto it = root.begin(); it != root.end(); ++it) {
      const YAML::Node key_node = it->first;
      std::string key = key_node.IsScalar() ? key_node.Scalar() : "";
      if (key != "apiVersion" && key != "kind" && key != "items" && key != "metadata") {
        Fail(key_node, document, offset, kind, "", key, "unknown field " + Quote(key));
        return;
      }
    }
    if (!items.IsDefined() || items.IsNull()) return;  // an empty list
    if (!items.IsSequence()) {
      Fail(items, document, offset, kind, "", "items",
           std::string("expected a list, got ") + (items.IsMap() ? "a map" : "a scalar"));
      return;
    }
    for (size_t i = 0; i < items.size(); ++i) {
      const YAML::Node item = items[i];
      std::string path = Index("items", i);
      if (!item.IsMap()) {
        Fail(item, document, offset, "", "", path,
             "expected an object (a map with apiVersion, kind and metadata)");
        continue;
      }
      LoadObject(item, path, document, static_cast<int>(i), offset);
    }
  }

  void LoadObject(const YAML::Node& node, const std::string& prefix, int document, int item,
                  int offset) {
    std::string kind = ScalarAt(node, "kind");
    std::string api_version = ScalarAt(node, "apiVersion");
    std::string name = ObjectName(node);
    const YAML::Node kind_node = node["kind"];
    const YAML::Node version_node = node["apiVersion"];
    if (kind.empty()) {
      Fail(kind_node.IsDefined() ? kind_node : node, document, offset, "", name,
           Child(prefix, "kind"), "missing required field \"kind\"");
      return;
    }
    const KindInfo* info = FindKind(kind);
    if (info == nullptr) {
      std::string message = "unknown kind " + Quote(kind);
      if (const KindInfo* near = FindResource(kind)) {
        message += "; did you mean " + Quote(near->kind) + "?";
      } else {
        message += " (known kinds: " + KnownKinds() + ")";
      }
      Fail(kind_node, document, offset, kind, name, Child(prefix, "kind"), message);
      return;
    }
    if (api_version.empty()) {
      Fail(version_node.IsDefined() ? version_node : node, document, offset, kind, name,
           Child(prefix, "apiVersion"),
           "missing required field \"apiVersion\" (want " + Quote(info->api_version) + ")");
      return;
    }
    if (api_version != info->api_version) {
      Fail(version_node, document, offset, kind, name, Child(prefix, "apiVersion"),
           "unknown apiVersion " + Quote(api_version) + " for kind " + kind + " (want " +
               Quote(info->api_version) + ")");
      return;
    }

    Doc doc;
    std::vector<ConvertError> errors;
    if (!YamlToDoc(node, info->descriptor, prefix, offset, &doc, &errors)) {
      for (ConvertError& e : errors) {
        ManifestError m = Base(document);
        m.kind = kind;
        m.name = name;
        m.line = e.line;
        m.path = std::move(e.path);
        m.message = std::move(e.message);
        result_->errors.push_back(std::move(m));
      }
      return;
    }
    std::unique_ptr<google::protobuf::Message> message = info->New();
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    auto status =
        google::protobuf::util::JsonStringToMessage(DocToJson(doc), message.get(), options);
    if (!status.ok()) {
      // The walk above should have caught everything; report what protobuf says.
      Fail(node, document, offset, kind, name, prefix,
           "cannot decode object: " + std::string(status.message()));
      return;
    }
    ManifestObject obj;
    obj.object = std::move(message);
    obj.kind = info;
    obj.source = std::string(source_);
    obj.document = document;
    obj.item = item;
    obj.line = LineOf(node, offset);
    result_->objects.push_back(std::move(obj));
  }

  std::string_view source_;
  LoadResult* result_;
};

Doc ObjectDoc(const google::protobuf::Message& message) {
  Doc doc = MessageToDoc(message);
  const KindInfo* info = FindKindOf(message);
  if (info == nullptr || doc.type != Doc::Type::kMap) return doc;
  // Kubernetes output always names apiVersion and kind, first.
  auto has = [&](std::string_view key) {
    for (const auto& f : doc.fields) {
      if (f.first == key) return true;
    }
    return false;
  };
  if (!has("kind"))
    doc.fields.insert(doc.fields.begin(), {"kind", Doc::String(std::string(info->kind))});
  if (!has("apiVersion")) {
    doc.fields.insert(doc.fields.begin(),
                      {"apiVersion", Doc::String(std::string(info->api_version))});
  }
  return doc;
}

}  // namespace

std::string ManifestError::ToString() const {
  std::string s = source;
  if (line > 0) s += ":" + std::to_string(line);
  s += ": ";
  if (document > 0) {
    s += "document " + std::to_string(document);
    if (!kind.empty() || !name.empty()) {
      s += " (";
      s += kind.empty() ? std::string("object") : kind;
      if (!name.empty()) s += " " + name;
      s += ")";
    }
    s += ": ";
  }
  if (!path.empty()) s += path + ": ";
  s += message;
  return s;
}

Status LoadResult::status() const {
  if (errors.empty()) return Status::Ok();
  std::string m;
  for (const ManifestError& e : errors) {
    if (!m.empty()) m += "\n";
    m += e.ToString();
  }
  return InvalidArgument(m);
}

LoadResult LoadManifests(std::string_view text, std::string_view source) {
  LoadResult result;
  Loader loader(source, &result);
  // A UTF-8 byte order mark (Windows editors) would hide a leading "---" from the splitter.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  for (const Chunk& chunk : SplitDocuments(text))
    loader.LoadChunk(chunk);
  return result;
}

LoadResult LoadManifestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    ManifestError e;
    e.source = path;
    e.message = std::string("cannot read file: ") + std::strerror(errno);
    result.errors.push_back(std::move(e));
    return result;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return LoadManifests(buf.str(), path);
}

Result<std::unique_ptr<google::protobuf::Message>> ParseObject(std::string_view text,
                                                               std::string_view source) {
  LoadResult r = LoadManifests(text, source);
  if (!r.ok()) return r.status();
  if (r.objects.size() != 1) {
    return InvalidArgument(std::string(source) + ": expected exactly one object, found " +
                           std::to_string(r.objects.size()));
  }
  return std::move(r.objects[0].object);
}

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  return DocToJson(ObjectDoc(message), pretty ? 4 : 0);
}

std::string ToYaml(const google::protobuf::Message& message) {
  return DocToYaml(ObjectDoc(message));
}

std::string ToYaml(const std::vector<const google::protobuf::Message*>& messages) {
  std::string out;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) out += "---\n";
    out += ToYaml(*messages[i]);
  }
  return out;
}

}  // namespace skiff::api
