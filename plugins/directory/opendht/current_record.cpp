#include "current_record.hpp"

namespace parley::opendht_directory {

std::optional<CurrentRecord::Change> CurrentRecord::on_arrival(std::uint64_t value_id,
                                                               const EnvelopeView& envelope,
                                                               std::uint64_t now_unix_ms) {
  if (envelope.expires_unix_ms <= now_unix_ms || live_.contains(value_id)) return std::nullopt;
  auto& version = live_[value_id];
  version.published_unix_ms = envelope.published_unix_ms;
  version.expires_unix_ms = envelope.expires_unix_ms;
  version.record.assign(envelope.record.begin(), envelope.record.end());
  if (current_ && !supersedes(version.view(), live_.at(*current_).view())) {
    return std::nullopt;  // an older version arriving late
  }
  current_ = value_id;
  return Change{false, version.record};
}

std::optional<CurrentRecord::Change> CurrentRecord::on_expiry(std::uint64_t value_id) {
  if (live_.erase(value_id) == 0 || current_ != value_id) return std::nullopt;
  current_.reset();
  if (live_.empty()) return Change{true, {}};
  // The newest still alive becomes current again.
  auto newest = live_.begin();
  for (auto it = live_.begin(); it != live_.end(); ++it) {
    if (supersedes(it->second.view(), newest->second.view())) newest = it;
  }
  current_ = newest->first;
  return Change{false, newest->second.record};
}

}  // namespace parley::opendht_directory
