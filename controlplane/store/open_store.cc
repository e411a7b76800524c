#include <filesystem>

#include "controlplane/store/etcd/etcd_store.h"
#include "controlplane/store/sqlite_store.h"
#include "controlplane/store/store.h"

namespace skiff::store {

Result<std::unique_ptr<Store>> OpenStore(std::string_view spec) {
  if (spec.starts_with("sqlite:")) {
    // sqlite:DIR[?sync=full|normal]
    std::string_view rest = spec.substr(7);
    SqliteStoreOptions options;
    if (size_t q = rest.find('?'); q != std::string_view::npos) {
      std::string_view query = rest.substr(q + 1);
      rest = rest.substr(0, q);
      if (query == "sync=normal") {
        options.synchronous_full = false;
      } else if (query != "sync=full") {
        return InvalidArgument("store \"" + std::string(spec) + "\": unknown option \"" +
                               std::string(query) + "\" (want sync=full or sync=normal)");
      }
    }
    std::filesystem::path dir(rest);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Internal("create store directory " + dir.string() + ": " + ec.message());
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
