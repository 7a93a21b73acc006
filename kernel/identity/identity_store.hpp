// Where a user's identity lives on their machine (ARCHITECTURE.md section 7):
//   <XDG data>/parley/identity/<user id>/identity_key.pem   Ed25519 key, 0600
//   <XDG data>/parley/identity/<user id>/certificate        from the login server, 0600
//   <XDG data>/parley/identity/<user id>/login_server       "HOST:PORT KEY", the server
//                                                           that issued it
// The folder is 0700. The key is made here on first use and never leaves
// this folder in private form.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "identity/private_file.hpp"

namespace parley::identity {

struct IdentityPaths {
  std::filesystem::path folder;
  std::filesystem::path key_file;
  std::filesystem::path certificate_file;
  std::filesystem::path login_server_file;
};

// Throws IdentityError when user_id is not a valid user id (it names a folder).
IdentityPaths identity_paths(std::string_view user_id, const std::filesystem::path& data_dir);
IdentityPaths identity_paths(std::string_view user_id);  // under config::user_data_dir()

// The certificate bytes, or empty when there is none yet. Throws when the
// file exists but others could read or replace it.
std::optional<std::vector<std::uint8_t>> load_certificate_file(const std::filesystem::path& path);
void save_certificate_file(const std::filesystem::path& path,
                           const std::vector<std::uint8_t>& certificate);

}  // namespace parley::identity
