#include "node/shim/config.h"

#include <cstdlib>

#include "common/json/json.h"

namespace skiff::node::shim {
namespace {

json::Array Strings(const std::vector<std::string>& v) {
  json::Array a;
  for (const auto& s : v)
    a.emplace_back(s);
  return a;
}

Status StringList(const json::Value& obj, std::string_view key, std::vector<std::string>* out) {
  const json::Value* v = obj.Find(key);
  if (!v) return Status::Ok();
  if (!v->is_array())
    return InvalidArgument("shim config: \"" + std::string(key) + "\" must be a list");
  for (const auto& e : v->as_array()) {
    if (!e.is_string()) {
      return InvalidArgument("shim config: \"" + std::string(key) + "\" must hold strings");
    }
    out->push_back(e.as_string());
  }
  return Status::Ok();
}

Status Str(const json::Value& obj, std::string_view key, std::string* out) {
  const json::Value* v = obj.Find(key);
  if (!v) return Status::Ok();
  if (!v->is_string())
    return InvalidArgument("shim config: \"" + std::string(key) + "\" must be a string");
  *out = v->as_string();
  return Status::Ok();
}

Status Int(const json::Value& obj, std::string_view key, int64_t* out) {
  const json::Value* v = obj.Find(key);
  if (!v) return Status::Ok();
  if (!v->is_int())
    return InvalidArgument("shim config: \"" + std::string(key) + "\" must be an integer");
  *out = v->as_int();
  return Status::Ok();
}

Status Bool(const json::Value& obj, std::string_view key, bool* out) {
  const json::Value* v = obj.Find(key);
  if (!v) return Status::Ok();
  if (!v->is_bool())
    return InvalidArgument("shim config: \"" + std::string(key) + "\" must be a boolean");
  *out = v->as_bool();
  return Status::Ok();
}

}  // namespace

std::string EncodeShimConfig(const ShimConfig& c) {
  json::Object o;
  o.Set("args", Strings(c.args));
  o.Set("env", Strings(c.env));
  o.Set("cwd", c.cwd);
  o.Set("pidNs", c.pid_ns);
  o.Set("netNs", c.net_ns);
  o.Set("hostname", c.hostname);
  o.Set("newMountNs", c.new_mount_ns);
  json::Array mounts;
  for (const auto& m : c.mounts) {
    mounts.emplace_back(
        json::Object{{"source", m.source}, {"target", m.target}, {"readOnly", m.read_only}});
  }
  o.Set("mounts", std::move(mounts));
  o.Set("cgroupProcs", Strings(c.cgroup_procs));
  o.Set("logPath", c.log_path);
  o.Set("exitPath", c.exit_path);
  o.Set("uid", c.uid);
  o.Set("gid", c.gid);
  json::Array groups;
  for (int64_t g : c.supplemental_groups)
    groups.emplace_back(g);
  o.Set("groups", std::move(groups));
  o.Set("noNewPrivileges", c.no_new_privileges);
  o.Set("pause", c.pause);
  o.Set("targetPid", c.target_pid);
  return json::Serialize(json::Value(std::move(o)));
}

Result<ShimConfig> DecodeShimConfig(std::string_view text) {
  auto v = json::Parse(text);
  if (!v.ok()) return InvalidArgument("shim config: " + v.status().message());
  if (!v->is_object()) return InvalidArgument("shim config: not a JSON object");
  ShimConfig c;
  SKIFF_RETURN_IF_ERROR(StringList(*v, "args", &c.args));
  SKIFF_RETURN_IF_ERROR(StringList(*v, "env", &c.env));
  SKIFF_RETURN_IF_ERROR(Str(*v, "cwd", &c.cwd));
  SKIFF_RETURN_IF_ERROR(Str(*v, "pidNs", &c.pid_ns));
  SKIFF_RETURN_IF_ERROR(Str(*v, "netNs", &c.net_ns));
  SKIFF_RETURN_IF_ERROR(Str(*v, "hostname", &c.hostname));
  SKIFF_RETURN_IF_ERROR(Bool(*v, "newMountNs", &c.new_mount_ns));
  if (const json::Value* m = v->Find("mounts")) {
    if (!m->is_array()) return InvalidArgument("shim config: \"mounts\" must be a list");
    for (const auto& e : m->as_array()) {
      BindMount b;
      SKIFF_RETURN_IF_ERROR(Str(e, "source", &b.source));
      SKIFF_RETURN_IF_ERROR(Str(e, "target", &b.target));
      SKIFF_RETURN_IF_ERROR(Bool(e, "readOnly", &b.read_only));
      if (b.source.empty() || b.target.empty()) {
        return InvalidArgument("shim config: a mount needs \"source\" and \"target\"");
      }
      c.mounts.push_back(std::move(b));
    }
  }
  SKIFF_RETURN_IF_ERROR(StringList(*v, "cgroupProcs", &c.cgroup_procs));
  SKIFF_RETURN_IF_ERROR(Str(*v, "logPath", &c.log_path));
  SKIFF_RETURN_IF_ERROR(Str(*v, "exitPath", &c.exit_path));
  SKIFF_RETURN_IF_ERROR(Int(*v, "uid", &c.uid));
  SKIFF_RETURN_IF_ERROR(Int(*v, "gid", &c.gid));
  if (const json::Value* g = v->Find("groups")) {
    if (!g->is_array()) return InvalidArgument("shim config: \"groups\" must be a list");
    for (const auto& e : g->as_array()) {
      if (!e.is_int()) return InvalidArgument("shim config: \"groups\" must hold integers");
      c.supplemental_groups.push_back(e.as_int());
    }
  }
  SKIFF_RETURN_IF_ERROR(Bool(*v, "noNewPrivileges", &c.no_new_privileges));
  SKIFF_RETURN_IF_ERROR(Bool(*v, "pause", &c.pause));
  SKIFF_RETURN_IF_ERROR(Int(*v, "targetPid", &c.target_pid));
  if (c.args.empty() && !c.pause) return InvalidArgument("shim config: \"args\" is empty");
  if (c.pid_ns.empty()) return InvalidArgument("shim config: \"pidNs\" is empty");
  return c;
}

std::string EncodeExitRecord(const ExitRecord& r) {
  return std::to_string(r.exit_code) + " " + std::to_string(r.signal) + " " +
         std::to_string(r.finished_unix_nanos) + "\n";
}

Result<ExitRecord> DecodeExitRecord(std::string_view text) {
  ExitRecord r;
  std::string s(text);
  char* p = s.data();
  char* end = nullptr;
  r.exit_code = static_cast<int>(std::strtol(p, &end, 10));
  if (end == p) return InvalidArgument("exit record: missing exit code");
  p = end;
  r.signal = static_cast<int>(std::strtol(p, &end, 10));
  if (end == p) return InvalidArgument("exit record: missing signal");
  p = end;
  r.finished_unix_nanos = std::strtoll(p, &end, 10);
  if (end == p) return InvalidArgument("exit record: missing finish time");
  return r;
}

std::string EncodeSyncReport(const SyncReport& r) {
  if (r.ok) return "started " + std::to_string(r.pid) + " " + std::to_string(r.start_ticks) + "\n";
  std::string msg = r.message;
  for (char& c : msg) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return "error " + r.stage + "\t" + std::to_string(r.err) + "\t" + msg + "\n";
}

Result<SyncReport> DecodeSyncReport(std::string_view line) {
  SyncReport r;
  while (!line.empty() && line.back() == '\n')
    line.remove_suffix(1);
  if (line.substr(0, 8) == "started ") {
    std::string rest(line.substr(8));
    char* end = nullptr;
    r.pid = std::strtoll(rest.c_str(), &end, 10);
    if (r.pid <= 0) return InvalidArgument("shim report: bad pid in \"" + std::string(line) + "\"");
    r.start_ticks = std::strtoull(end, nullptr, 10);
    r.ok = true;
    return r;
  }
  if (line.substr(0, 6) == "error ") {
    std::string rest(line.substr(6));
    size_t t1 = rest.find('\t');
    size_t t2 = t1 == std::string::npos ? std::string::npos : rest.find('\t', t1 + 1);
    if (t2 == std::string::npos) return InvalidArgument("shim report: malformed error line");
    r.stage = rest.substr(0, t1);
    r.err = std::atoi(rest.substr(t1 + 1, t2 - t1 - 1).c_str());
    r.message = rest.substr(t2 + 1);
    return r;
  }
  return InvalidArgument("shim report: unexpected \"" + std::string(line) + "\"");
}

}  // namespace skiff::node::shim
