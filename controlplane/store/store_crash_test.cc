// kill -9 of a process in the middle of a write burst: after reopening, every
// acknowledged write is present and no Txn is half-applied.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include "controlplane/store/sqlite_store.h"

namespace skiff::store {
namespace {

TEST(StoreCrash, AcknowledgedWritesSurviveKill9) {
  char tmpl[] = "/tmp/skiff-crash-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::filesystem::path dir(tmpl);
  std::string db = (dir / "skiff.db").string();
  std::string writer =
      std::string(std::getenv("SKIFF_TEST_DIR") ? std::getenv("SKIFF_TEST_DIR") : ".") +
      "/store_crash_writer";

  for (int round = 0; round < 3; ++round) {
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_t pid = fork();
    if (pid == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      execl(writer.c_str(), writer.c_str(), db.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    // Read acks until a few hundred more arrived in this round, then kill.
    std::set<int> acked;
    std::string buf;
    char chunk[4096];
    size_t want = 300;
    while (acked.size() < want) {
      ssize_t n = read(out[0], chunk, sizeof chunk);
      if (n <= 0) break;
      buf.append(chunk, n);
      size_t nl;
      while ((nl = buf.find('\n')) != std::string::npos) {
        std::string line = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        if (line.rfind("ack ", 0) == 0) acked.insert(std::stoi(line.substr(4)));
      }
    }
    kill(pid, SIGKILL);
    // Acks written before the kill but not yet read are acknowledged too.
    ssize_t n;
    while ((n = read(out[0], chunk, sizeof chunk)) > 0)
      buf.append(chunk, n);
    std::istringstream rest(buf);
    std::string word;
    int value;
    while (rest >> word >> value) {
      if (word == "ack") acked.insert(value);
    }
    close(out[0]);
    int status;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited by itself: status " << status;
    ASSERT_GE(acked.size(), want) << "writer failed early";

    SqliteStoreOptions options;
    options.path = db;
    auto store = OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    RangeRequest all;
    all.key = "/";
    all.range_end = PrefixEnd("/");
    auto r = (*store)->Range(all);
    ASSERT_TRUE(r.ok());
    std::set<std::string> keys;
    for (const auto& kv : r->kvs)
      keys.insert(kv.key);
    for (int i : acked) {
      EXPECT_TRUE(keys.count("/a/" + std::to_string(i))) << "lost acknowledged write " << i;
    }
    for (const auto& kv : r->kvs) {
      std::string twin = kv.key[1] == 'a' ? "/b/" + kv.key.substr(3) : "/a/" + kv.key.substr(3);
      EXPECT_TRUE(keys.count(twin)) << "half-applied txn: " << kv.key << " without " << twin;
      EXPECT_EQ(kv.value, kv.key.substr(3));
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace skiff::store
