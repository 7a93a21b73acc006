// The store's schema: how a Parley database is recognised, and the forward
// migrations that bring any older one to the current version.
#pragma once

#include <cstdint>

#include "sqlite_database.hpp"

namespace parley::sqlite_storage::schema {

// PRAGMA application_id of every Parley store: "PRLY" in ASCII.
inline constexpr std::int64_t kApplicationId = 0x50524c59;
inline constexpr std::int64_t kCurrentVersion = 2;

// Throws Error(UNSUPPORTED) unless the file is empty or already a Parley
// store, before anything is written to it: a foreign database stays untouched.
void require_parley_or_empty(Database& db);

// Throws Error(IO) when PRAGMA quick_check finds damage.
void require_intact(Database& db);

// Brings the schema to kCurrentVersion in one transaction (all steps or none); throws
// Error(UNSUPPORTED) for a store written by a newer schema.
void migrate(Database& db);

// The version recorded in the store (0 for an empty file).
std::int64_t version(Database& db);

}  // namespace parley::sqlite_storage::schema
