#include "sqlite_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "sqlite_schema.hpp"

namespace parley::sqlite_storage {
namespace {

using parley::sdk::Error;

constexpr int kBusyTimeoutMs = 5000;  // another process mid-commit is waited for, not failed

// SQLite would create the file with the umask's default (often 0644); a
// message history is private, so the file exists with 0600 before SQLite opens
// it, and SQLite gives its -wal and -shm files the same mode.
std::string create_private_file_if_missing(std::string_view location) {
  std::string path(location);
  if (path.find('\0') != std::string::npos) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "store path contains a NUL byte");
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    throw Error(PARLEY_ERR_IO, "cannot create " + path + ": " +
                                   std::error_code(errno, std::generic_category()).message());
  }
  return path;
}

void check_bounds(std::string_view text, std::size_t max_bytes, const char* field, bool required) {
  if (required && text.empty())
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, std::string(field) + " is empty");
  if (text.size() > max_bytes) {
    throw Error(PARLEY_ERR_LIMIT,
                std::string(field) + " exceeds " + std::to_string(max_bytes) + " bytes");
  }
}

struct OwnedBuddy {
  std::string user_id, display_name, group;
  std::int64_t added_unix_ms;
  bool blocked;
};

struct OwnedMessage {
  std::string message_id, peer_user_id;
  parley_message_direction direction;
  std::int64_t sent_unix_ms;
  std::string body;
};

}  // namespace

struct SqliteStore::Statements {
  explicit Statements(Database& db)
      : buddy_put(db,
                  "INSERT INTO buddies (user_id, display_name, group_name, added_unix_ms, blocked)"
                  " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id) DO UPDATE SET"
                  " display_name = excluded.display_name, group_name = excluded.group_name,"
                  " added_unix_ms = excluded.added_unix_ms, blocked = excluded.blocked",
                  true),
        buddy_remove(db, "DELETE FROM buddies WHERE user_id = ?1", true),
        buddy_list(db,
                   "SELECT user_id, display_name, group_name, added_unix_ms, blocked"
                   " FROM buddies ORDER BY user_id",
                   true),
        message_append(db,
                       "INSERT INTO messages (message_id, peer_user_id, direction, sent_unix_ms,"
                       " body) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (message_id) DO NOTHING",
                       true),
        // The newest ?3 matching rows (-1: all), handed out oldest first.
        message_history(db,
                        "SELECT message_id, peer_user_id, direction, sent_unix_ms, body FROM"
                        " (SELECT seq, message_id, peer_user_id, direction, sent_unix_ms, body"
                        "  FROM messages WHERE peer_user_id = ?1 AND sent_unix_ms >= ?2"
                        "  ORDER BY sent_unix_ms DESC, seq DESC LIMIT ?3)"
                        " ORDER BY sent_unix_ms, seq",
                        true) {}
  Statement buddy_put, buddy_remove, buddy_list, message_append, message_history;
};

SqliteStore::SqliteStore(std::string_view path) : db_(create_private_file_if_missing(path)) {
  // Defensive mode: a crafted file cannot make SQL corrupt it further or run
  // functions from its schema.
  sqlite3_db_config(db_.handle(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db_.handle(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  db_.check(sqlite3_busy_timeout(db_.handle(), kBusyTimeoutMs), "busy_timeout");
  if (sqlite3_db_readonly(db_.handle(), "main") == 1) {
    throw Error(PARLEY_ERR_IO, "cannot write " + std::string(path) + ": file is read-only");
  }

  schema::require_parley_or_empty(db_);  // before any write: a foreign file stays untouched
  schema::require_intact(db_);

  // WAL: a commit appends to the log instead of rewriting pages in place, so a
  // crash at any instant leaves either the old or the new state, and readers
  // never block the writer. synchronous=FULL fsyncs the log at every commit:
  // with NORMAL, WAL mode syncs only at checkpoints, so the last commits before
  // a power loss could vanish even though message_append had returned. With
  // FULL, once message_append returns the message is on stable storage and
  // survives kill -9 and power loss alike.
  db_.execute_script("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
  if (durability().journal_mode != "wal") {
    throw Error(PARLEY_ERR_IO, "cannot switch " + std::string(path) + " to WAL journaling");
  }

  schema::migrate(db_);
  statements_ = std::make_unique<Statements>(db_);
}

SqliteStore::~SqliteStore() = default;

void SqliteStore::buddy_put(const sdk::Buddy& buddy) {
  check_bounds(buddy.user_id, PARLEY_STORAGE_MAX_ID_BYTES, "user_id", true);
  check_bounds(buddy.display_name, PARLEY_STORAGE_MAX_NAME_BYTES, "display_name", false);
  check_bounds(buddy.group, PARLEY_STORAGE_MAX_NAME_BYTES, "group", false);
  std::lock_guard lock(mutex_);
  StatementUse put(statements_->buddy_put);
  put->bind_text(1, buddy.user_id);
  put->bind_text(2, buddy.display_name);
  put->bind_text(3, buddy.group);
  put->bind_int(4, buddy.added_unix_ms);
  put->bind_int(5, buddy.blocked ? 1 : 0);
  put->step();
}

bool SqliteStore::buddy_remove(std::string_view user_id) {
  check_bounds(user_id, PARLEY_STORAGE_MAX_ID_BYTES, "user_id", true);
  std::lock_guard lock(mutex_);
  StatementUse remove(statements_->buddy_remove);
  remove->bind_text(1, user_id);
  remove->step();
  return sqlite3_changes(db_.handle()) > 0;
}

void SqliteStore::buddy_list(const sdk::BuddyVisitor& visit) {
  // Rows are copied out under the lock and visited after it: the visitor may
  // call back into the store, and no read snapshot is held while it runs.
  std::vector<OwnedBuddy> rows;
  {
    std::lock_guard lock(mutex_);
    StatementUse list(statements_->buddy_list);
    while (list->step()) {
      rows.push_back({std::string(list->column_text(0)), std::string(list->column_text(1)),
                      std::string(list->column_text(2)), list->column_int(3),
                      list->column_int(4) != 0});
    }
  }
  for (const auto& row : rows) {
    const sdk::Buddy buddy{row.user_id, row.display_name, row.group, row.added_unix_ms,
                           row.blocked};
    if (visit(buddy) == sdk::Visit::stop) break;
  }
}

void SqliteStore::message_append(const sdk::Message& message) {
  check_bounds(message.message_id, PARLEY_STORAGE_MAX_ID_BYTES, "message_id", true);
  check_bounds(message.peer_user_id, PARLEY_STORAGE_MAX_ID_BYTES, "peer_user_id", true);
  check_bounds(message.body, PARLEY_STORAGE_MAX_BODY_BYTES, "body", false);
  std::lock_guard lock(mutex_);
  StatementUse append(statements_->message_append);
  append->bind_text(1, message.message_id);
  append->bind_text(2, message.peer_user_id);
  append->bind_int(3, message.direction);
  append->bind_int(4, message.sent_unix_ms);
  append->bind_text(5, message.body);
  append->step();  // autocommit: returns after the commit's fsync
}

void SqliteStore::message_history(const sdk::HistoryQuery& query,
                                  const sdk::MessageVisitor& visit) {
  check_bounds(query.peer_user_id, PARLEY_STORAGE_MAX_ID_BYTES, "peer_user_id", true);
  std::vector<OwnedMessage> rows;
  {
    std::lock_guard lock(mutex_);
    StatementUse history(statements_->message_history);
    history->bind_text(1, query.peer_user_id);
    history->bind_int(2, query.since_unix_ms);
    history->bind_int(3, query.limit == 0 ? -1 : std::int64_t{query.limit});
    while (history->step()) {
      rows.push_back({std::string(history->column_text(0)), std::string(history->column_text(1)),
                      history->column_int(2) == PARLEY_MESSAGE_RECEIVED ? PARLEY_MESSAGE_RECEIVED
                                                                        : PARLEY_MESSAGE_SENT,
                      history->column_int(3), std::string(history->column_text(4))});
    }
  }
  for (const auto& row : rows) {
    const sdk::Message message{row.message_id, row.peer_user_id, row.direction, row.sent_unix_ms,
                               row.body};
    if (visit(message) == sdk::Visit::stop) break;
  }
}

Durability SqliteStore::durability() {
  std::lock_guard lock(mutex_);
  Durability result;
  {
    Statement mode(db_, "PRAGMA journal_mode");
    if (mode.step()) result.journal_mode = std::string(mode.column_text(0));
  }
  {
    Statement sync(db_, "PRAGMA synchronous");
    if (sync.step()) result.synchronous = sync.column_int(0);
  }
  {
    Statement busy(db_, "PRAGMA busy_timeout");
    if (busy.step()) result.busy_timeout_ms = busy.column_int(0);
  }
  return result;
}

std::int64_t SqliteStore::schema_version() {
  std::lock_guard lock(mutex_);
  return schema::version(db_);
}

}  // namespace parley::sqlite_storage
