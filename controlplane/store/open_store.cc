#include <filesystem>

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
  return InvalidArgument("store \"" + std::string(spec) +
                         "\": want sqlite:DIR or etcd://host:port[,host:port...]");
}

}  // namespace skiff::store
