// Thin RAII wrappers over the sqlite3 C API: a connection and a prepared
// statement. Not thread-safe: one thread uses a connection at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace skiff::store {

class SqliteStatement {
 public:
  SqliteStatement() = default;
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStatement(SqliteStatement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  SqliteStatement& operator=(SqliteStatement&& o) noexcept;
  ~SqliteStatement();

  // Binds are 1-based, as in SQLite.
  void Bind(int index, int64_t value);
  void Bind(int index, std::string_view blob);  // as BLOB
  void BindText(int index, std::string_view text);
  void BindNull(int index);

  // Runs one step: true when a row is available, false when done; errors as
  // INTERNAL with SQLite's message.
  Result<bool> Step();
  // Step() until done, then Reset().
  Status Run();
  void Reset();  // ready to re-bind and re-run

  int64_t Int(int column) const;
  std::string_view Blob(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  // Opens (creating) `path`. INTERNAL on failure, naming the path.
  static Result<SqliteDb> Open(const std::string& path);
  SqliteDb(SqliteDb&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  SqliteDb& operator=(SqliteDb&&) = delete;
  ~SqliteDb();

  Status Exec(std::string_view sql);
  Result<SqliteStatement> Prepare(std::string_view sql);
  sqlite3* raw() const { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace skiff::store
