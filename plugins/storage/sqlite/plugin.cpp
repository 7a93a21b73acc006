// storage-sqlite: the buddy list and message history in one SQLite file.
#include "parley/sdk/storage.hpp"
#include "sqlite_store.hpp"

namespace {

struct Sqlite {
  using Store = parley::sqlite_storage::SqliteStore;
};

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.storage.sqlite",
    .display_name = "SQLite storage",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description =
        "Buddy list and message history in a crash-safe SQLite file (WAL, fsync per commit)",
};

}  // namespace

PARLEY_PLUGIN(kInfo, parley::sdk::storage<Sqlite>("sqlite", 50))
