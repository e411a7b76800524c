#include <filesystem>

#include "controlplane/store/etcd/etcd_store.h"
#include "controlplane/store/sqlite_store.h"
#include "controlplane/store/store.h"

namespace skiff::store {

Result<std::unique_ptr<Store>> OpenStore(std::string_view spec) {
  if (spec.starts_with("sqlite:")) {
    std::filesystem::path dir(spec.substr(7));
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Internal("create store directory " + dir.string() + ": " + ec.message());
    SqliteStoreOptions options;
    options.path = (dir / "skiff.db").string();
    return OpenSqliteStore(options);
  }
  if (spec.starts_with("etcd://")) {
    EtcdStoreOptions options;
    std::string_view rest = spec.substr(7);
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view ep = rest.substr(0, comma);
      if (ep.starts_with("http://")) ep.remove_prefix(7);
      if (!ep.empty()) options.endpoints.emplace_back(ep);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    return OpenEtcdStore(options);
  }
  return InvalidArgument("store \"" + std::string(spec) +
                         "\": want sqlite:DIR or etcd://host:port[,host:port...]");
}

}  // namespace skiff::store
