// A user's buddy list: the user ids whose presence `parley client` subscribes
// to. One id a line in a file the user may also edit by hand; read
// defensively (size limit, invalid lines skipped and counted), written
// atomically with mode 0600 (who someone talks to is nobody else's business).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace parley::overlay {

inline constexpr std::size_t kMaxBuddies = 200;  // what one Subscribe may carry
inline constexpr std::uintmax_t kMaxBuddyFileBytes = std::uintmax_t{64} * 1024;

class BuddyList {
 public:
  // A missing file is an empty list. Lines that are not user ids, repeats and
  // anything past kMaxBuddies are skipped (skipped() says how many). Throws
  // std::runtime_error when the file exists but cannot be read or is larger
  // than kMaxBuddyFileBytes.
  static BuddyList load(const std::filesystem::path& path);
  // Atomic, 0600 (identity::write_private_file); throws identity::IdentityError.
  void save(const std::filesystem::path& path) const;

  // Empty when added (or already there); otherwise why not.
  std::optional<std::string> add(const std::string& user_id);
  bool remove(const std::string& user_id);  // false when it was not there
  [[nodiscard]] bool contains(const std::string& user_id) const;
  [[nodiscard]] const std::vector<std::string>& ids() const { return ids_; }
  [[nodiscard]] std::size_t skipped() const { return skipped_; }

 private:
  std::vector<std::string> ids_;  // in the order added
  std::size_t skipped_ = 0;
};

}  // namespace parley::overlay
