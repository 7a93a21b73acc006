#include "sqlite_schema.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace parley::sqlite_storage::schema {
namespace {

using parley::sdk::Error;

struct Migration {
  std::int64_t to_version;
  std::string_view script;  // constant SQL: nothing in it comes from a caller
};

// Append only. A released step is never edited: stores in the field already ran it.
constexpr std::array kMigrations{
    Migration{1, R"sql(
      PRAGMA application_id = 1347570777;
      CREATE TABLE parley_schema_version (
        version INTEGER PRIMARY KEY,
        applied_unix_ms INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE buddies (
        user_id TEXT PRIMARY KEY NOT NULL,
        display_name TEXT NOT NULL,
        group_name TEXT NOT NULL,
        added_unix_ms INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE messages (
        seq INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        peer_user_id TEXT NOT NULL,
        direction INTEGER NOT NULL CHECK (direction IN (0, 1)),
        sent_unix_ms INTEGER NOT NULL,
        body TEXT NOT NULL
      ) STRICT;
    )sql"},
    // 2: buddies can be blocked; history by peer and time no longer scans the table.
    Migration{2, R"sql(
      ALTER TABLE buddies ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1));
      CREATE INDEX messages_by_peer_time ON messages (peer_user_id, sent_unix_ms, seq);
    )sql"},
};
static_assert(kMigrations.back().to_version == kCurrentVersion);
static_assert(kApplicationId == 1347570777, "the literal in migration 1 must match");

std::int64_t single_integer(Database& db, std::string_view sql) {
  Statement statement(db, sql);
  if (!statement.step()) throw Error(PARLEY_ERR_INTERNAL, "no row from: " + std::string(sql));
  return statement.column_int(0);
}

bool has_version_table(Database& db) {
  Statement statement(
      db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'parley_schema_version'");
  return statement.step();
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string hex(std::int64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%08llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace

std::int64_t version(Database& db) {
  if (!has_version_table(db)) return 0;
  return single_integer(db, "SELECT coalesce(max(version), 0) FROM parley_schema_version");
}

void require_parley_or_empty(Database& db) {
  std::int64_t application_id = 0;
  std::int64_t objects = 0;
  try {
    // The first read of the file: a non-SQLite file fails here with NOTADB.
    // One statement, one snapshot: another process initialising the file at
    // this moment is seen either before or after, never half-way.
    Statement identity(db,
                       "SELECT (SELECT application_id FROM pragma_application_id()),"
                       " (SELECT count(*) FROM sqlite_schema)");
    if (!identity.step()) throw Error(PARLEY_ERR_INTERNAL, "no identity row");
    application_id = identity.column_int(0);
    objects = identity.column_int(1);
  } catch (const Error& error) {
    if (error.status() == PARLEY_ERR_UNSUPPORTED) {
      throw Error(PARLEY_ERR_UNSUPPORTED, "not a Parley database: not an SQLite file at all");
    }
    throw;
  }
  if (application_id == kApplicationId) {
    if (!has_version_table(db)) {
      throw Error(PARLEY_ERR_IO, "damaged Parley database: its schema version table is missing");
    }
    return;
  }
  if (application_id == 0 && objects == 0) return;  // empty: ours to initialise
  throw Error(PARLEY_ERR_UNSUPPORTED, "not a Parley database: SQLite application_id " +
                                          hex(application_id) + " (Parley's is " +
                                          hex(kApplicationId) + "), " + std::to_string(objects) +
                                          " schema objects");
}

void require_intact(Database& db) {
  std::string problems;
  try {
    Statement check(db, "PRAGMA quick_check(5)");
    while (check.step()) {
      const auto row = check.column_text(0);
      if (row == "ok") continue;
      if (!problems.empty()) problems += "; ";
      problems += row;
    }
  } catch (const Error& error) {
    problems = error.what();  // damage bad enough that the check itself cannot run
  }
  if (!problems.empty()) {
    throw Error(PARLEY_ERR_IO, "damaged Parley database: integrity check failed: " + problems);
  }
}

void migrate(Database& db) {
  Transaction transaction(db);
  // Read again under the write lock: another process may have migrated meanwhile.
  const auto current = version(db);
  if (current > kCurrentVersion) {
    throw Error(PARLEY_ERR_UNSUPPORTED,
                "Parley database schema version " + std::to_string(current) +
                    " is newer than this plugin's " + std::to_string(kCurrentVersion) +
                    ": update Parley to open it");
  }
  if (current == kCurrentVersion) return;  // the transaction rolls back: nothing was written
  for (const auto& step : kMigrations) {
    if (step.to_version <= current) continue;
    db.execute_script(step.script);
    // Prepared after the script: before migration 1 the table does not exist.
    Statement record(
        db, "INSERT INTO parley_schema_version (version, applied_unix_ms) VALUES (?1, ?2)");
    record.bind_int(1, step.to_version);
    record.bind_int(2, now_unix_ms());
    record.step();
  }
  transaction.commit();
}

}  // namespace parley::sqlite_storage::schema
