// On-disk reservations of one network, host-local compatible:
//   <dataDir>/<network>/<ip>                 "<containerID>\r\n<ifname>"
//   <dataDir>/<network>/last_reserved_ip.<n> the last address handed out from
//                                            range set n (round-robin start)
// Mutations happen under an exclusive flock() on the network directory, so
// concurrent plugin processes serialize; each reservation is created with
// O_EXCL as a second guard. A Store object is
// used by one thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/spec/error.h"
#include "cni/spec/ip.h"

namespace skiff::cni::ipam {

struct Reservation {
  IpAddr ip;
  std::string container_id;
  std::string ifname;
};

// True when `r` is the reservation of (container_id, ifname). Entries written
// without an interface name (old host-local) match any interface.
bool BelongsTo(const Reservation& r, std::string_view container_id, std::string_view ifname);

class Store {
 public:
  // Creates <data_dir>/<network> if needed (mode 0755) and opens it.
  // kIoFailure when the directory cannot be created or opened.
  static Expected<Store> Open(std::string_view data_dir, std::string_view network);

  Store(Store&& other) noexcept;
  Store& operator=(Store&&) = delete;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();  // releases the lock if held

  // Takes the exclusive lock, waiting up to `timeout`; kTryAgainLater when
  // another process holds it longer than that.
  Error Lock(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void Unlock();

  // Creates the reservation file; false when the address is already taken.
  Expected<bool> Reserve(const IpAddr& ip, std::string_view container_id, std::string_view ifname);
  // Removes one reservation file (absent is fine).
  Error Release(const IpAddr& ip);
  // Owner of `ip`, or nullopt when free.
  Expected<std::optional<Reservation>> Get(const IpAddr& ip) const;
  // Every reservation (files whose name is an IP address).
  Expected<std::vector<Reservation>> List() const;
  // Removes every reservation of (container_id, ifname); returns them.
  Expected<std::vector<Reservation>> ReleaseAttachment(std::string_view container_id,
                                                       std::string_view ifname);

  std::optional<IpAddr> LastReserved(size_t range_set) const;
  Error SetLastReserved(size_t range_set, const IpAddr& ip);

  const std::string& dir() const { return dir_; }

 private:
  Store(int dir_fd, std::string dir) : dir_fd_(dir_fd), dir_(std::move(dir)) {}
  Expected<std::optional<Reservation>> ReadEntry(const char* name) const;

  int dir_fd_ = -1;
  bool locked_ = false;
  std::string dir_;
};

}  // namespace skiff::cni::ipam
