#include "sqlite_database.hpp"

namespace parley::sqlite_storage {

using parley::sdk::Error;

parley_status status_of(int sqlite_code) {
  switch (sqlite_code & 0xff) {  // the primary code; extended codes refine it
    case SQLITE_NOTADB: return PARLEY_ERR_UNSUPPORTED;
    case SQLITE_CORRUPT:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_PROTOCOL: return PARLEY_ERR_IO;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return PARLEY_ERR_TIMEOUT;  // still locked after busy_timeout
    case SQLITE_TOOBIG: return PARLEY_ERR_LIMIT;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE: return PARLEY_ERR_INVALID_ARGUMENT;
    default: return PARLEY_ERR_INTERNAL;
  }
}

Database::Database(const std::string& path) {
  // NOFOLLOW: a symlink planted at the store's path must not redirect our writes.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX;
  const int code = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (code != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(status_of(code), "cannot open " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  sqlite3_close_v2(db_);
}

void Database::check(int code, std::string_view doing) const {
  if (code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE) return;
  throw Error(status_of(code), std::string(doing) + ": " + sqlite3_errmsg(db_));
}

void Database::execute_script(std::string_view sql) {
  while (!sql.empty()) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    check(sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, &tail),
          "prepare script");
    if (raw == nullptr) break;  // only whitespace or comments were left
    const int code = sqlite3_step(raw);
    sqlite3_finalize(raw);
    check(code, "run script");
    sql.remove_prefix(static_cast<std::size_t>(tail - sql.data()));
  }
}

Statement::Statement(Database& db, std::string_view sql, bool persistent) : db_(db) {
  const unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0u;
  db_.check(sqlite3_prepare_v3(db_.handle(), sql.data(), static_cast<int>(sql.size()), flags,
                               &stmt_, nullptr),
            "prepare statement");
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::bind_text(int index, std::string_view text) {
  // A null pointer would bind SQL NULL; an empty string is still a string.
  const char* data = text.data() != nullptr ? text.data() : "";
  db_.check(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8),
            "bind text");
}

void Statement::bind_int(int index, std::int64_t value) {
  db_.check(sqlite3_bind_int64(stmt_, index, value), "bind integer");
}

bool Statement::step() {
  const int code = sqlite3_step(stmt_);
  db_.check(code, "step");
  return code == SQLITE_ROW;
}

std::string_view Statement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index));
  return text == nullptr ? std::string_view{} : std::string_view{text, size};
}

std::int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Transaction::Transaction(Database& db) : db_(db) {
  db_.execute_script("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!open_) return;
  try {
    db_.execute_script("ROLLBACK");
  } catch (const Error&) {
    // SQLite already rolled back after the error that brought us here.
  }
}

void Transaction::commit() {
  db_.execute_script("COMMIT");
  open_ = false;
}

}  // namespace parley::sqlite_storage
