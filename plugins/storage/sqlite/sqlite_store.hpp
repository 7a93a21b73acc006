// The buddy list and message history of one user, in one SQLite file.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "parley/sdk/storage.hpp"
#include "sqlite_database.hpp"

namespace parley::sqlite_storage {

// What the connection really runs with, for tests and diagnostics.
struct Durability {
  std::string journal_mode;       // "wal"
  std::int64_t synchronous = -1;  // 2 = FULL
  std::int64_t busy_timeout_ms = -1;
};

// Safe to use from several threads; visitors run without the lock held, so a
// visitor may call back into the store.
class SqliteStore {
 public:
  // Opens or creates (mode 0600) the file at path. Throws parley::sdk::Error:
  // UNSUPPORTED for a file that is not a Parley store or comes from a newer
  // schema, IO for one that cannot be opened or fails its integrity check.
  explicit SqliteStore(std::string_view path);
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  ~SqliteStore();

  void buddy_put(const sdk::Buddy& buddy);
  bool buddy_remove(std::string_view user_id);
  void buddy_list(const sdk::BuddyVisitor& visit);

  // Returns once the message is durable (committed and synced); a message id
  // already stored keeps its first copy.
  void message_append(const sdk::Message& message);
  void message_history(const sdk::HistoryQuery& query, const sdk::MessageVisitor& visit);

  [[nodiscard]] Durability durability();
  [[nodiscard]] std::int64_t schema_version();

 private:
  struct Statements;
  std::mutex mutex_;
  Database db_;
  std::unique_ptr<Statements> statements_;
};

}  // namespace parley::sqlite_storage
