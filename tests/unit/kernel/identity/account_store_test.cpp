#include "identity/account_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "temp_dir.hpp"

namespace parley::login {
namespace {

Account make_account(const std::string& id) {
  Account account;
  account.user_id = id;
  account.password = hash_password("password", Argon2Parameters{1024, 1, 1});
  account.created_at_s = 1000;
  return account;
}

std::string pragma(const std::filesystem::path& file, const char* name) {
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(db, (std::string("PRAGMA ") + name).c_str(), -1, &statement, nullptr);
  std::string value;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

TEST(SqliteAccountStore, CreateFindUpdateDisableList) {
  const test::TempDir dir;
  const auto store = open_sqlite_account_store(dir.path() / "accounts.sqlite");
  EXPECT_EQ(store->create(make_account("bob")), StoreResult::ok);
  EXPECT_EQ(store->create(make_account("alice")), StoreResult::ok);
  EXPECT_EQ(store->create(make_account("alice")), StoreResult::exists);
  EXPECT_EQ(store->count(), 2U);

  auto found = store->find("alice");
  ASSERT_TRUE(found);
  EXPECT_TRUE(verify_password("password", found->password));
  EXPECT_FALSE(found->disabled);
  EXPECT_EQ(found->created_at_s, 1000);
  EXPECT_FALSE(store->find("carol"));

  const auto changed = hash_password("new password", Argon2Parameters{1024, 1, 1});
  EXPECT_EQ(store->update_password("alice", changed, 2000), StoreResult::ok);
  EXPECT_EQ(store->update_password("carol", changed, 2000), StoreResult::not_found);
  found = store->find("alice");
  EXPECT_TRUE(verify_password("new password", found->password));
  EXPECT_EQ(found->password_changed_at_s, 2000);

  EXPECT_EQ(store->set_disabled("bob", true), StoreResult::ok);
  EXPECT_EQ(store->set_disabled("carol", true), StoreResult::not_found);
  const auto all = store->list();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].user_id, "alice");
  EXPECT_FALSE(all[0].disabled);
  EXPECT_EQ(all[1].user_id, "bob");
  EXPECT_TRUE(all[1].disabled);
}

TEST(SqliteAccountStore, SurvivesReopeningAndIsPrivateWalFull) {
  const test::TempDir dir;
  const auto file = dir.path() / "accounts.sqlite";
  {
    const auto store = open_sqlite_account_store(file);
    store->create(make_account("alice"));
  }
  struct stat info {};
  ::stat(file.c_str(), &info);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  const auto store = open_sqlite_account_store(file);
  EXPECT_TRUE(store->find("alice"));
  EXPECT_EQ(pragma(file, "journal_mode"), "wal");
  EXPECT_EQ(pragma(file, "integrity_check"), "ok");
  EXPECT_EQ(pragma(file, "user_version"), "1");
}

TEST(SqliteAccountStore, UserIdsAreDataNotSql) {
  const test::TempDir dir;
  const auto store = open_sqlite_account_store(dir.path() / "accounts.sqlite");
  // The protocol never lets such an id through; the store must not care.
  const std::string hostile = "x'); DROP TABLE accounts; --";
  EXPECT_EQ(store->create(make_account(hostile)), StoreResult::ok);
  EXPECT_TRUE(store->find(hostile));
  EXPECT_EQ(store->count(), 1U);
}

TEST(SqliteAccountStore, UnopenablePathIsAnError) {
  EXPECT_THROW(open_sqlite_account_store("/nonexistent-dir/accounts.sqlite"), std::runtime_error);
}

}  // namespace
}  // namespace parley::login
