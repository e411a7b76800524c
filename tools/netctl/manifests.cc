#include "tools/netctl/manifests.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <sstream>

#include "skiff/api/meta.pb.h"

namespace skiff::netctl {
namespace {

namespace fs = std::filesystem;

bool IsManifestFile(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

}  // namespace

std::vector<api::ManifestObject> LoadManifestArgs(Context& ctx,
                                                  const std::vector<std::string>& paths,
                                                  bool recursive, bool* failed) {
  std::vector<api::ManifestObject> out;
  *failed = false;
  auto take = [&](api::LoadResult r) {
    for (const auto& e : r.errors) {
      std::fprintf(ctx.err, "error: %s\n", e.ToString().c_str());
      *failed = true;
    }
    for (auto& o : r.objects)
      out.push_back(std::move(o));
  };
  for (const auto& path : paths) {
    if (path == "-") {
      std::string text((std::istreambuf_iterator<char>(std::cin)),
                       std::istreambuf_iterator<char>());
      take(api::LoadManifests(text, "<stdin>"));
      continue;
    }
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> files;
      auto add = [&](const fs::directory_entry& e) {
        if (e.is_regular_file() && IsManifestFile(e.path())) files.push_back(e.path());
      };
      if (recursive) {
        for (const auto& e : fs::recursive_directory_iterator(path))
          add(e);
      } else {
        for (const auto& e : fs::directory_iterator(path))
          add(e);
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        std::fprintf(ctx.err, "error: no .yaml, .yml or .json files in directory %s\n",
                     path.c_str());
        *failed = true;
      }
      for (const auto& f : files)
        take(api::LoadManifestFile(f.string()));
      continue;
    }
    if (!fs::exists(path, ec)) {
      std::fprintf(ctx.err, "error: the path \"%s\" does not exist\n", path.c_str());
      *failed = true;
      continue;
    }
    take(api::LoadManifestFile(path));
  }
  return out;
}

Result<std::string> TargetNamespace(Context& ctx, const api::KindInfo& kind,
                                    const google::protobuf::Message& object) {
  if (!kind.namespaced) return std::string();
  const std::string& own = api::GetObjectMeta(object)->namespace_();
  if (!own.empty() && ctx.NamespaceGiven() && own != ctx.Namespace()) {
    return InvalidArgument(
        "the namespace from the provided object \"" + own + "\" does not match the namespace \"" +
        ctx.Namespace() + "\". You must pass '--namespace=" + own + "' to perform this operation.");
  }
  return own.empty() ? ctx.Namespace() : own;
}

}  // namespace skiff::netctl
