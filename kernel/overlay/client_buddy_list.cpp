#include "overlay/client_buddy_list.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "identity/private_file.hpp"
#include "identity/user_id.hpp"

namespace parley::overlay {
namespace {

std::string trimmed(const std::string& line) {
  const auto first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = line.find_last_not_of(" \t\r");
  return line.substr(first, last - first + 1);
}

}  // namespace

BuddyList BuddyList::load(const std::filesystem::path& path) {
  BuddyList list;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return list;
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw std::runtime_error("cannot read " + path.string() + ": " + error.message());
  if (size > kMaxBuddyFileBytes) {
    throw std::runtime_error(path.string() + " is larger than " +
                             std::to_string(kMaxBuddyFileBytes) + " bytes: not a buddy list");
  }
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::string line;
  while (std::getline(in, line)) {
    line = trimmed(line);
    if (line.empty() || line[0] == '#') continue;
    if (list.contains(line) || list.add(line)) ++list.skipped_;
  }
  return list;
}

void BuddyList::save(const std::filesystem::path& path) const {
  std::ostringstream out;
  out << "# parley buddy list: one user id a line\n";
  for (const auto& id : ids_) out << id << '\n';
  identity::write_private_file(path, out.str());
}

std::optional<std::string> BuddyList::add(const std::string& user_id) {
  if (auto problem = identity::user_id_problem(user_id)) return problem;
  if (contains(user_id)) return std::nullopt;
  if (ids_.size() >= kMaxBuddies) {
    return "the buddy list is full (" + std::to_string(kMaxBuddies) + " buddies)";
  }
  ids_.push_back(user_id);
  return std::nullopt;
}

bool BuddyList::remove(const std::string& user_id) {
  const auto found = std::find(ids_.begin(), ids_.end(), user_id);
  if (found == ids_.end()) return false;
  ids_.erase(found);
  return true;
}

bool BuddyList::contains(const std::string& user_id) const {
  return std::find(ids_.begin(), ids_.end(), user_id) != ids_.end();
}

}  // namespace parley::overlay
