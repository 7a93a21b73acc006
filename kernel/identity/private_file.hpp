// Files only their owner may read: private keys and the certificates next to
// them. Written atomically with mode 0600 (a crash leaves the old file or the
// new one, never half of one); read only when no one else could have read or
// replaced them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "identity/signing_key.hpp"

namespace parley::identity {

// Creates the parent folder (mode 0700) when missing, writes a temporary file
// with mode 0600, syncs it, renames it over path and syncs the folder.
// Throws IdentityError.
void write_private_file(const std::filesystem::path& path, std::string_view bytes);

// Empty when path is a regular file owned by this user with no group or other
// permission bits; otherwise why not, with the command that fixes it.
// Checked on the open descriptor, so the file cannot be swapped in between.
std::optional<std::string> private_file_problem(const std::filesystem::path& path);

// Reads a private file; throws IdentityError (the private_file_problem text,
// or "no such file") when it is missing or others could read or replace it.
std::string read_private_file(const std::filesystem::path& path, std::string_view what);

// PEM key files. load_key_file refuses group/other permissions with a message
// saying how to fix it.
SigningKey load_key_file(const std::filesystem::path& path);
void save_key_file(const std::filesystem::path& path, const SigningKey& key);

struct LoadedKey {
  SigningKey key;
  bool created = false;  // made now: this was the first run
};
// The key at path, made and saved first when there is none.
LoadedKey load_or_create_key_file(const std::filesystem::path& path);

}  // namespace parley::identity
