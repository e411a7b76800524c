#include "cni/runtime/cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace skiff::cni::runtime {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Status MakeDirs(const std::string& path) {
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    std::string cur = path.substr(0, pos);
    if (!cur.empty() && mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST) {
      return Internal("cannot create " + cur + ": " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

Result<CachedAttachment> Decode(const std::string& text, const std::string& path) {
  auto v = json::Parse(text);
  if (!v.ok()) return InvalidArgument(path + ": " + v.status().message());
  auto str = [&](const char* key) -> std::string {
    const json::Value* m = v->Find(key);
    return m && m->is_string() ? m->as_string() : std::string();
  };
  if (str("kind") != "cniCacheV1") return InvalidArgument(path + ": not a cniCacheV1 entry");
  CachedAttachment a;
  a.network = str("networkName");
  a.container_id = str("containerId");
  a.ifname = str("ifName");
  a.netns = str("netns");
  auto config = Base64Decode(str("config"));
  if (!config.ok()) return InvalidArgument(path + ": config: " + config.status().message());
  a.config_bytes = std::move(*config);
  if (const json::Value* args = v->Find("cniArgs"); args && args->is_array()) {
    for (const json::Value& kv : args->as_array()) {
      if (kv.is_array() && kv.as_array().size() == 2 && kv.as_array()[0].is_string() &&
          kv.as_array()[1].is_string()) {
        a.cni_args.emplace_back(kv.as_array()[0].as_string(), kv.as_array()[1].as_string());
      }
    }
  }
  if (const json::Value* caps = v->Find("capabilityArgs"); caps && caps->is_object()) {
    a.capability_args = caps->as_object();
  }
  if (const json::Value* r = v->Find("result")) a.result = *r;
  return a;
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8) |
                 static_cast<uint8_t>(data[i + 2]);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < data.size()) {
    uint32_t n = static_cast<uint8_t>(data[i]) << 16;
    if (i + 1 < data.size()) n |= static_cast<uint8_t>(data[i + 1]) << 8;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return InvalidArgument("base64 length is not a multiple of 4");
  std::string out;
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = text[i + j];
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        v[j] = 0;
        ++pad;
      } else if (pad || (v[j] = value(c)) < 0) {
        return InvalidArgument("invalid base64");
      }
    }
    uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>(n >> 16);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

std::string ResultCache::PathFor(const std::string& network, const std::string& container_id,
                                 const std::string& ifname) const {
  return dir_ + "/results/" + network + "-" + container_id + "-" + ifname;
}

Status ResultCache::Write(const CachedAttachment& a) const {
  SKIFF_RETURN_IF_ERROR(MakeDirs(dir_ + "/results"));
  json::Array args;
  for (const auto& [k, v] : a.cni_args)
    args.emplace_back(json::Array{k, v});
  json::Object o;
  o.Set("kind", "cniCacheV1");
  o.Set("containerId", a.container_id);
  o.Set("config", Base64Encode(a.config_bytes));
  o.Set("ifName", a.ifname);
  o.Set("networkName", a.network);
  o.Set("netns", a.netns);
  o.Set("cniArgs", json::Value(std::move(args)));
  o.Set("capabilityArgs", json::Value(a.capability_args));
  if (!a.result.is_null()) o.Set("result", a.result);
  std::string text = json::Serialize(json::Value(std::move(o)));
  std::string path = PathFor(a.network, a.container_id, a.ifname);
  std::string tmp = path + ".tmp" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot write " + tmp + ": " + std::strerror(errno));
  // Atomic by rename; no fsync (like libcni): the cache only has to survive
  // process crashes, and a lost entry just means DEL without prevResult.
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return Internal("cannot write " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Result<std::optional<CachedAttachment>> ResultCache::Read(const std::string& network,
                                                          const std::string& container_id,
                                                          const std::string& ifname) const {
  std::string path = PathFor(network, container_id, ifname);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::optional<CachedAttachment>();
    return Internal("cannot read " + path + ": " + std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto a = Decode(ss.str(), path);
  if (!a.ok()) return a.status();
  return std::optional<CachedAttachment>(std::move(*a));
}

Status ResultCache::Remove(const std::string& network, const std::string& container_id,
                           const std::string& ifname) const {
  std::string path = PathFor(network, container_id, ifname);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Internal("cannot remove " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Result<std::vector<CachedAttachment>> ResultCache::List(const std::string& network) const {
  std::vector<CachedAttachment> out;
  std::string dir = dir_ + "/results";
  DIR* d = opendir(dir.c_str());
  if (!d) return out;  // nothing cached yet
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == ".." || n.find(".tmp") != std::string::npos) continue;
    if (!network.empty() && n.rfind(network + "-", 0) != 0) continue;
    names.push_back(n);
  }
  closedir(d);
  for (const std::string& n : names) {
    std::ifstream in(dir + "/" + n, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto a = Decode(ss.str(), dir + "/" + n);
    // Another network's name may share our prefix; match exactly.
    if (a.ok() && (network.empty() || a->network == network)) out.push_back(std::move(*a));
  }
  return out;
}

}  // namespace skiff::cni::runtime
