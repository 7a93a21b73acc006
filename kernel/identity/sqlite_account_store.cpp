// The SQLite AccountStore. One connection behind a mutex: each call is a few
// microseconds of SQL against tens of milliseconds of Argon2, so a pool would
// buy nothing.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "identity/account_store.hpp"

namespace parley::login {
namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS accounts (
  user_id TEXT PRIMARY KEY NOT NULL,
  argon2_memory_kib INTEGER NOT NULL,
  argon2_iterations INTEGER NOT NULL,
  argon2_parallelism INTEGER NOT NULL,
  salt BLOB NOT NULL,
  hash BLOB NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL
) STRICT;
)sql";

constexpr const char* kColumns =
    "user_id, argon2_memory_kib, argon2_iterations, argon2_parallelism, salt, hash, disabled, "
    "created_at, password_changed_at";

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &statement_, nullptr) !=
        SQLITE_OK) {
      throw std::runtime_error("SQLite cannot prepare a statement: " +
                               std::string(sqlite3_errmsg(db)));
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(statement_); }

  // One run of the statement, reset when the run goes out of scope: a
  // statement left mid-result would hold its read transaction open.
  class Run {
   public:
    explicit Run(sqlite3_stmt* statement) : statement_(statement) {
      sqlite3_clear_bindings(statement_);
    }
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;
    ~Run() { sqlite3_reset(statement_); }
    operator sqlite3_stmt*() const { return statement_; }  // NOLINT(google-explicit-constructor)

   private:
    sqlite3_stmt* statement_;
  };
  Run run() { return Run(statement_); }

 private:
  sqlite3_stmt* statement_ = nullptr;
};

void bind_text(sqlite3_stmt* statement, int index, std::string_view text) {
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

template <typename Bytes>
void bind_blob(sqlite3_stmt* statement, int index, const Bytes& bytes) {
  sqlite3_bind_blob(statement, index, bytes.data(), static_cast<int>(bytes.size()),
                    SQLITE_TRANSIENT);
}

template <typename Array>
bool read_blob(sqlite3_stmt* statement, int column, Array& out) {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement, column));
  if (data == nullptr || sqlite3_column_bytes(statement, column) != static_cast<int>(out.size())) {
    return false;
  }
  std::copy_n(data, out.size(), out.begin());
  return true;
}

std::uint32_t read_u32(sqlite3_stmt* statement, int column) {
  const auto value = sqlite3_column_int64(statement, column);
  return value < 0 || value > 0xffffffffLL ? 0 : static_cast<std::uint32_t>(value);
}

Account read_account(sqlite3_stmt* statement) {
  Account account;
  const auto* id = sqlite3_column_text(statement, 0);
  account.user_id = id != nullptr ? reinterpret_cast<const char*>(id) : "";
  account.password.parameters.memory_kib = read_u32(statement, 1);
  account.password.parameters.iterations = read_u32(statement, 2);
  account.password.parameters.parallelism = read_u32(statement, 3);
  if (!read_blob(statement, 4, account.password.salt) ||
      !read_blob(statement, 5, account.password.hash)) {
    throw std::runtime_error("account '" + account.user_id + "' has a damaged password hash");
  }
  account.disabled = sqlite3_column_int(statement, 6) != 0;
  account.created_at_s = sqlite3_column_int64(statement, 7);
  account.password_changed_at_s = sqlite3_column_int64(statement, 8);
  return account;
}

class SqliteAccountStore final : public AccountStore {
 public:
  explicit SqliteAccountStore(const std::filesystem::path& file) : file_(file) {
    // Created by us first, 0600: SQLite would use the umask (often 0644), and
    // it gives its -wal and -shm files the database file's permissions.
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw std::runtime_error("cannot open account database " + file.string());
    ::close(fd);
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("cannot open account database " + file.string() + ": " + message);
    }
    try {
      sqlite3_busy_timeout(db_, 5000);  // the admin tool and the server share the file
      execute("PRAGMA journal_mode=WAL");
      // FULL: the WAL is synced at every commit, so an acknowledged
      // registration survives kill -9 and power loss.
      execute("PRAGMA synchronous=FULL");
      execute(kSchema);
      execute("PRAGMA user_version=" + std::to_string(kSchemaVersion));
      insert_ =
          std::make_unique<Statement>(db_, std::string("INSERT INTO accounts (") + kColumns +
                                               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
      find_ = std::make_unique<Statement>(
          db_, std::string("SELECT ") + kColumns + " FROM accounts WHERE user_id = ?1");
      update_password_ = std::make_unique<Statement>(
          db_,
          "UPDATE accounts SET argon2_memory_kib = ?2, argon2_iterations = ?3, "
          "argon2_parallelism = ?4, salt = ?5, hash = ?6, password_changed_at = ?7 "
          "WHERE user_id = ?1");
      set_disabled_ =
          std::make_unique<Statement>(db_, "UPDATE accounts SET disabled = ?2 WHERE user_id = ?1");
      list_ = std::make_unique<Statement>(
          db_, std::string("SELECT ") + kColumns + " FROM accounts ORDER BY user_id");
      count_ = std::make_unique<Statement>(db_, "SELECT count(*) FROM accounts");
    } catch (...) {
      insert_.reset();
      find_.reset();
      update_password_.reset();
      set_disabled_.reset();
      list_.reset();
      count_.reset();
      sqlite3_close(db_);
      throw;
    }
  }

  SqliteAccountStore(const SqliteAccountStore&) = delete;
  SqliteAccountStore& operator=(const SqliteAccountStore&) = delete;

  ~SqliteAccountStore() override {
    insert_.reset();
    find_.reset();
    update_password_.reset();
    set_disabled_.reset();
    list_.reset();
    count_.reset();
    sqlite3_close(db_);
  }

  StoreResult create(const Account& account) override {
    const std::lock_guard lock(mutex_);
    const auto statement = insert_->run();
    bind_text(statement, 1, account.user_id);
    sqlite3_bind_int64(statement, 2, account.password.parameters.memory_kib);
    sqlite3_bind_int64(statement, 3, account.password.parameters.iterations);
    sqlite3_bind_int64(statement, 4, account.password.parameters.parallelism);
    bind_blob(statement, 5, account.password.salt);
    bind_blob(statement, 6, account.password.hash);
    sqlite3_bind_int(statement, 7, account.disabled ? 1 : 0);
    sqlite3_bind_int64(statement, 8, account.created_at_s);
    sqlite3_bind_int64(statement, 9, account.password_changed_at_s);
    const int result = sqlite3_step(statement);
    if (result == SQLITE_DONE) return StoreResult::ok;
    if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY) return StoreResult::exists;
    throw failure("cannot create an account");
  }

  std::optional<Account> find(std::string_view user_id) override {
    const std::lock_guard lock(mutex_);
    const auto statement = find_->run();
    bind_text(statement, 1, user_id);
    const int result = sqlite3_step(statement);
    if (result == SQLITE_ROW) return read_account(statement);
    if (result == SQLITE_DONE) return std::nullopt;
    throw failure("cannot read an account");
  }

  StoreResult update_password(std::string_view user_id, const PasswordHash& password,
                              std::int64_t changed_at_s) override {
    const std::lock_guard lock(mutex_);
    const auto statement = update_password_->run();
    bind_text(statement, 1, user_id);
    sqlite3_bind_int64(statement, 2, password.parameters.memory_kib);
    sqlite3_bind_int64(statement, 3, password.parameters.iterations);
    sqlite3_bind_int64(statement, 4, password.parameters.parallelism);
    bind_blob(statement, 5, password.salt);
    bind_blob(statement, 6, password.hash);
    sqlite3_bind_int64(statement, 7, changed_at_s);
    return step_update(statement, "cannot change a password");
  }

  StoreResult set_disabled(std::string_view user_id, bool disabled) override {
    const std::lock_guard lock(mutex_);
    const auto statement = set_disabled_->run();
    bind_text(statement, 1, user_id);
    sqlite3_bind_int(statement, 2, disabled ? 1 : 0);
    return step_update(statement, "cannot change an account");
  }

  std::vector<Account> list() override {
    const std::lock_guard lock(mutex_);
    const auto statement = list_->run();
    std::vector<Account> accounts;
    int result = 0;
    while ((result = sqlite3_step(statement)) == SQLITE_ROW) {
      accounts.push_back(read_account(statement));
    }
    if (result != SQLITE_DONE) throw failure("cannot list accounts");
    return accounts;
  }

  std::size_t count() override {
    const std::lock_guard lock(mutex_);
    const auto statement = count_->run();
    if (sqlite3_step(statement) != SQLITE_ROW) throw failure("cannot count accounts");
    return static_cast<std::size_t>(sqlite3_column_int64(statement, 0));
  }

 private:
  void execute(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string message = error != nullptr ? error : "unknown error";
      sqlite3_free(error);
      throw std::runtime_error("account database " + file_.string() + ": " + message);
    }
  }

  StoreResult step_update(sqlite3_stmt* statement, const char* what) {
    if (sqlite3_step(statement) != SQLITE_DONE) throw failure(what);
    return sqlite3_changes(db_) > 0 ? StoreResult::ok : StoreResult::not_found;
  }

  std::runtime_error failure(const char* what) {
    return std::runtime_error(std::string(what) + " in " + file_.string() + ": " +
                              sqlite3_errmsg(db_));
  }

  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
  std::unique_ptr<Statement> insert_, find_, update_password_, set_disabled_, list_, count_;
};

}  // namespace

std::unique_ptr<AccountStore> open_sqlite_account_store(const std::filesystem::path& file) {
  return std::make_unique<SqliteAccountStore>(file);
}

}  // namespace parley::login
