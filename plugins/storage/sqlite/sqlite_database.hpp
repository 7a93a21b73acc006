// Thin RAII over the SQLite C API: one connection, prepared statements, and
// transactions, with every SQLite failure turned into a parley::sdk::Error.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "parley/sdk/plugin.hpp"

namespace parley::sqlite_storage {

// Maps an SQLite result code to the storage ABI's statuses (storage.h).
parley_status status_of(int sqlite_code);

class Database {
 public:
  // Opens an existing file for reading and writing; never creates it.
  explicit Database(const std::string& path);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  [[nodiscard]] sqlite3* handle() const { return db_; }
  // Throws Error with SQLite's own message when code is not OK/ROW/DONE.
  void check(int code, std::string_view doing) const;
  // Runs constant SQL text (one or more statements), each one prepared in turn.
  void execute_script(std::string_view sql);

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  // persistent: kept for the connection's life (SQLITE_PREPARE_PERSISTENT).
  Statement(Database& db, std::string_view sql, bool persistent = false);
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds text without copying: the text must outlive the step that uses it.
  void bind_text(int index, std::string_view text);
  void bind_int(int index, std::int64_t value);
  // True when a row is ready, false when done.
  bool step();
  [[nodiscard]] std::string_view column_text(int index) const;
  [[nodiscard]] std::int64_t column_int(int index) const;
  // Makes the statement reusable and drops references to bound text.
  void reset() noexcept;

 private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a cached statement however the scope ends, so it never holds a read
// snapshot or a pointer into a caller's buffer after the call.
class StatementUse {
 public:
  explicit StatementUse(Statement& statement) : statement_(statement) {}
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  ~StatementUse() { statement_.reset(); }
  Statement* operator->() { return &statement_; }

 private:
  Statement& statement_;
};

// BEGIN IMMEDIATE takes the write lock up front, so two processes migrating
// the same file serialise instead of deadlocking on a lock upgrade.
class Transaction {
 public:
  explicit Transaction(Database& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Database& db_;
  bool open_ = true;
};

}  // namespace parley::sqlite_storage
