// Where the login server keeps accounts. SQLite by default; the interface is
// what a PostgreSQL store implements for larger deployments. Implementations
// are safe to call from several threads, and a call that returned has made
// its change durable (it survives kill -9 and power loss).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "identity/password_hash.hpp"

namespace parley::login {

struct Account {
  std::string user_id;
  PasswordHash password;
  bool disabled = false;
  std::int64_t created_at_s = 0;           // Unix seconds
  std::int64_t password_changed_at_s = 0;  // renewal refuses certificates older than this
};

enum class StoreResult { ok, exists, not_found };

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  virtual StoreResult create(const Account& account) = 0;
  virtual std::optional<Account> find(std::string_view user_id) = 0;
  virtual StoreResult update_password(std::string_view user_id, const PasswordHash& password,
                                      std::int64_t changed_at_s) = 0;
  virtual StoreResult set_disabled(std::string_view user_id, bool disabled) = 0;
  virtual std::vector<Account> list() = 0;  // ordered by user id
  virtual std::size_t count() = 0;
};

// Opens (creating when missing, mode 0600) an SQLite account database: WAL,
// synchronous=FULL (each commit is on disk before it is acknowledged),
// prepared statements only. Throws std::runtime_error naming the file.
std::unique_ptr<AccountStore> open_sqlite_account_store(const std::filesystem::path& file);

}  // namespace parley::login
