// The SQLite store below the plugin edge: durability settings, file mode,
// refusals of foreign or damaged files, and forward migration.
#include "sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <iterator>

#include "sqlite_schema.hpp"
#include "sqlite_test_support.hpp"

namespace parley::sqlite_storage::test {
namespace {

using sdk::Error;

std::string file_contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

parley_status open_status(const std::string& path) {
  try {
    SqliteStore store(path);
  } catch (const Error& error) {
    return error.status();
  }
  return PARLEY_OK;
}

std::string open_message(const std::string& path) {
  try {
    SqliteStore store(path);
  } catch (const Error& error) {
    return error.what();
  }
  return "opened";
}

std::vector<std::string> bodies(SqliteStore& store, std::string_view peer) {
  std::vector<std::string> result;
  store.message_history({peer, 0, 0}, [&](const sdk::Message& m) {
    result.emplace_back(m.body);
    return sdk::Visit::next;
  });
  return result;
}

TEST(sqlite_store, RunsInWalWithFullSyncAndABusyTimeout) {
  TempDir dir;
  SqliteStore store(dir.file("store.db"));
  const auto durability = store.durability();
  EXPECT_EQ(durability.journal_mode, "wal");
  EXPECT_EQ(durability.synchronous, 2) << "FULL";
  EXPECT_GE(durability.busy_timeout_ms, 1000);
  EXPECT_EQ(store.schema_version(), schema::kCurrentVersion);
}

TEST(sqlite_store, CreatesItsFilesPrivate) {
  TempDir dir;
  const auto path = dir.file("store.db");
  SqliteStore store(path);
  store.message_append({"m1", "alice", PARLEY_MESSAGE_SENT, 1, "hi"});
  for (const auto& file : {path, path + "-wal", path + "-shm"}) {
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0) << file;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << file;
  }
}

TEST(sqlite_store, TwoConnectionsToOneFileSeeEachOther) {
  TempDir dir;
  const auto path = dir.file("store.db");
  SqliteStore first(path);
  SqliteStore second(path);
  for (int i = 0; i < 20; ++i) {
    auto& store = i % 2 == 0 ? first : second;
    const auto id = "m" + std::to_string(i);
    store.message_append({id, "alice", PARLEY_MESSAGE_SENT, i, id});
  }
  EXPECT_EQ(bodies(first, "alice").size(), 20u);
  EXPECT_EQ(bodies(second, "alice").size(), 20u);
}

TEST(sqlite_store, DurableAppendLatency) {
  TempDir dir;
  SqliteStore store(dir.file("store.db"));
  constexpr int kAppends = 200;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kAppends; ++i) {
    store.message_append(
        {"m" + std::to_string(i), "alice", PARLEY_MESSAGE_SENT, i, std::string(200, 'x')});
  }
  const std::chrono::duration<double, std::milli> elapsed =
      std::chrono::steady_clock::now() - start;
  std::cout << "figure: durable message_append (WAL, synchronous=FULL): "
            << elapsed.count() / kAppends << " ms each over " << kAppends << "\n";
  EXPECT_EQ(bodies(store, "alice").size(), static_cast<std::size_t>(kAppends));
}

TEST(sqlite_refusal, GarbageIsNotAParleyDatabaseAndStaysUntouched) {
  TempDir dir;
  const auto path = dir.file("notes.txt");
  std::ofstream(path) << std::string(5000, 'z');
  EXPECT_EQ(open_status(path), PARLEY_ERR_UNSUPPORTED);
  EXPECT_NE(open_message(path).find("not an SQLite file"), std::string::npos);
  EXPECT_EQ(file_contents(path), std::string(5000, 'z'));
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(sqlite_refusal, AnotherApplicationsDatabaseIsRefusedAndLeftInItsJournalMode) {
  TempDir dir;
  const auto path = dir.file("other.db");
  {
    RawDb other(path);
    other.exec("CREATE TABLE bookmarks (url TEXT); INSERT INTO bookmarks VALUES ('x')");
  }
  EXPECT_EQ(open_status(path), PARLEY_ERR_UNSUPPORTED);
  EXPECT_NE(open_message(path).find("not a Parley database: SQLite application_id 0x00000000"),
            std::string::npos)
      << open_message(path);
  RawDb other(path);
  EXPECT_EQ(other.text("PRAGMA journal_mode"), "delete") << "refusing must not switch it to WAL";
  EXPECT_EQ(other.text("SELECT count(*) FROM sqlite_schema"), "1");

  const auto tagged = dir.file("tagged.db");
  {
    RawDb app(tagged);
    app.exec("PRAGMA application_id = 1234; CREATE TABLE t (x)");
  }
  EXPECT_NE(open_message(tagged).find("application_id 0x000004d2"), std::string::npos);
}

TEST(sqlite_refusal, ADamagedStoreFailsItsIntegrityCheck) {
  TempDir dir;
  const auto path = dir.file("store.db");
  {
    SqliteStore store(path);
    for (int i = 0; i < 300; ++i) {
      store.message_append({"m" + std::to_string(i), "alice", PARLEY_MESSAGE_SENT, i,
                            std::string(1000, static_cast<char>('a' + i % 26))});
    }
  }  // the last connection checkpoints the log into the main file
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 40u * 4096);
  {
    // Overwrite a page in the middle of the message table with noise.
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<long>(size / 4096 / 2 * 4096));
    file.write(std::string(4096, '\xa5').data(), 4096);
  }
  EXPECT_EQ(open_status(path), PARLEY_ERR_IO);
  EXPECT_NE(open_message(path).find("integrity check failed"), std::string::npos)
      << open_message(path);
}

TEST(sqlite_migration, UpgradesAVersionOneStoreKeepingItsData) {
  TempDir dir;
  const auto path = dir.file("v1.db");
  {
    // Exactly what schema version 1 created.
    RawDb v1(path);
    v1.exec(R"sql(
      PRAGMA application_id = 1347570777;
      CREATE TABLE parley_schema_version (version INTEGER PRIMARY KEY,
                                          applied_unix_ms INTEGER NOT NULL) STRICT;
      CREATE TABLE buddies (user_id TEXT PRIMARY KEY NOT NULL, display_name TEXT NOT NULL,
                            group_name TEXT NOT NULL, added_unix_ms INTEGER NOT NULL) STRICT;
      CREATE TABLE messages (seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE,
                             peer_user_id TEXT NOT NULL,
                             direction INTEGER NOT NULL CHECK (direction IN (0, 1)),
                             sent_unix_ms INTEGER NOT NULL, body TEXT NOT NULL) STRICT;
      INSERT INTO parley_schema_version VALUES (1, 0);
      INSERT INTO buddies VALUES ('alice', 'Alice', 'family', 7);
      INSERT INTO messages (message_id, peer_user_id, direction, sent_unix_ms, body)
        VALUES ('m1', 'alice', 1, 100, 'from version one');
    )sql");
  }
  {
    SqliteStore store(path);
    EXPECT_EQ(store.schema_version(), 2);
    std::vector<sdk::Buddy> seen;
    std::string name;
    bool blocked = true;
    store.buddy_list([&](const sdk::Buddy& buddy) {
      name = buddy.display_name;
      blocked = buddy.blocked;
      return sdk::Visit::next;
    });
    EXPECT_EQ(name, "Alice");
    EXPECT_FALSE(blocked) << "the new column defaults to not blocked";
    EXPECT_EQ(bodies(store, "alice"), (std::vector<std::string>{"from version one"}));
    store.buddy_put({"bob", "Bob", "", 1, true});  // the version 2 column works
  }
  RawDb after(path);
  EXPECT_EQ(after.text("SELECT group_concat(version) FROM parley_schema_version"), "1,2");
  EXPECT_EQ(after.text("SELECT name FROM sqlite_schema WHERE name = 'messages_by_peer_time'"),
            "messages_by_peer_time");
  EXPECT_EQ(after.text("PRAGMA integrity_check"), "ok");
}

TEST(sqlite_migration, ReopeningACurrentStoreWritesNothing) {
  TempDir dir;
  const auto path = dir.file("store.db");
  { SqliteStore store(path); }
  RawDb before(path);
  const auto versions = before.text("SELECT count(*) FROM parley_schema_version");
  { SqliteStore store(path); }
  EXPECT_EQ(before.text("SELECT count(*) FROM parley_schema_version"), versions);
}

TEST(sqlite_migration, RefusesAStoreFromANewerSchema) {
  TempDir dir;
  const auto path = dir.file("future.db");
  { SqliteStore store(path); }
  {
    RawDb future(path);
    future.exec("INSERT INTO parley_schema_version VALUES (99, 0)");
  }
  EXPECT_EQ(open_status(path), PARLEY_ERR_UNSUPPORTED);
  EXPECT_NE(open_message(path).find("schema version 99 is newer than this plugin's 2"),
            std::string::npos);
}

TEST(sqlite_store, EnforcesFieldBoundsItself) {
  TempDir dir;
  SqliteStore store(dir.file("store.db"));
  const auto status = [](auto&& call) -> parley_status {
    try {
      call();
    } catch (const Error& error) {
      return error.status();
    }
    return PARLEY_OK;
  };
  const std::string long_id(PARLEY_STORAGE_MAX_ID_BYTES + 1, 'i');
  EXPECT_EQ(status([&] { store.buddy_put({long_id, "", "", 0, false}); }), PARLEY_ERR_LIMIT);
  EXPECT_EQ(status([&] { store.buddy_put({"", "", "", 0, false}); }), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(status([&] {
              store.message_append({"m", "alice", PARLEY_MESSAGE_SENT, 0,
                                    std::string(PARLEY_STORAGE_MAX_BODY_BYTES + 1, 'b')});
            }),
            PARLEY_ERR_LIMIT);
}

}  // namespace
}  // namespace parley::sqlite_storage::test
