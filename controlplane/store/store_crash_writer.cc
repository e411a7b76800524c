// Test helper for store_crash_test: writes pairs of keys in one Txn each from
// several threads as fast as it can and prints "ack N" to stdout after each
// acknowledged Txn, until it is killed.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/store/sqlite_store.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DB_PATH\n", argv[0]);
    return 2;
  }
  skiff::store::SqliteStoreOptions options;
  options.path = argv[1];
  auto store = skiff::store::OpenSqliteStore(options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t;; i += kThreads) {
        std::string n = std::to_string(i);
        skiff::store::TxnRequest txn;
        txn.success.push_back({skiff::store::Op::Type::kPut, "/a/" + n, "", n, false, 0});
        txn.success.push_back({skiff::store::Op::Type::kPut, "/b/" + n, "", n, false, 0});
        auto r = (*store)->Txn(txn);
        if (!r.ok()) _exit(1);
        std::string line = "ack " + n + "\n";
        // One write() per line: lines from threads never interleave.
        if (write(STDOUT_FILENO, line.data(), line.size()) < 0) _exit(1);
      }
    });
  }
  for (auto& t : threads)
    t.join();
}
