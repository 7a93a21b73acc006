// User ids: what a person registers and is found by. Restricted to a small
// alphabet so an id is safe as a file name, in a log line and on a terminal,
// and one person cannot register a look-alike of another's id.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace parley::identity {

inline constexpr std::size_t kMaxUserIdBytes = 64;

// Empty when id is valid: 1..64 bytes of [a-z0-9._-], starting with [a-z0-9]
// (so never ".", ".." or something that reads as a command-line option).
// Otherwise a sentence saying what is wrong.
std::optional<std::string> user_id_problem(std::string_view id);
inline bool is_valid_user_id(std::string_view id) {
  return !user_id_problem(id).has_value();
}

}  // namespace parley::identity
