#include "identity/identity_store.hpp"

#include "config/paths.hpp"
#include "identity/user_id.hpp"

namespace parley::identity {

IdentityPaths identity_paths(std::string_view user_id, const std::filesystem::path& data_dir) {
  if (auto problem = user_id_problem(user_id)) throw IdentityError(*problem);
  IdentityPaths paths;
  paths.folder = data_dir / "identity" / std::string(user_id);
  paths.key_file = paths.folder / "identity_key.pem";
  paths.certificate_file = paths.folder / "certificate";
  paths.login_server_file = paths.folder / "login_server";
  return paths;
}

IdentityPaths identity_paths(std::string_view user_id) {
  return identity_paths(user_id, config::user_data_dir());
}

std::optional<std::vector<std::uint8_t>> load_certificate_file(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, error))) return std::nullopt;
  const auto bytes = read_private_file(path, "certificate");
  return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

void save_certificate_file(const std::filesystem::path& path,
                           const std::vector<std::uint8_t>& certificate) {
  write_private_file(path, std::string_view(reinterpret_cast<const char*>(certificate.data()),
                                            certificate.size()));
}

}  // namespace parley::identity
