#include "identity/user_id.hpp"

namespace parley::identity {
namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

}  // namespace

std::optional<std::string> user_id_problem(std::string_view id) {
  if (id.empty()) return "user id is empty";
  if (id.size() > kMaxUserIdBytes) {
    return "user id is " + std::to_string(id.size()) + " bytes; at most " +
           std::to_string(kMaxUserIdBytes) + " are allowed";
  }
  if (!is_lower_alnum(id.front())) return "user id must start with a-z or 0-9";
  for (const char c : id) {
    if (!is_lower_alnum(c) && c != '.' && c != '_' && c != '-') {
      return "user id may contain only a-z, 0-9, '.', '_' and '-'";
    }
  }
  return std::nullopt;
}

}  // namespace parley::identity
