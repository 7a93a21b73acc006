#include "call/invite_meter.hpp"

#include <iterator>

namespace parley::call {

void InviteMeter::forget_expired(std::deque<Clock::time_point>& times,
                                 Clock::time_point now) const {
  while (!times.empty() && now - times.front() >= window_) times.pop_front();
}

bool InviteMeter::admit(const std::string& sender, Clock::time_point now) {
  auto found = recent_.find(sender);
  if (found == recent_.end()) {
    if (recent_.size() >= max_senders_) {
      for (auto entry = recent_.begin(); entry != recent_.end();) {
        forget_expired(entry->second, now);
        entry = entry->second.empty() ? recent_.erase(entry) : std::next(entry);
      }
      if (recent_.size() >= max_senders_) return false;
    }
    found = recent_.emplace(sender, std::deque<Clock::time_point>{}).first;
  }
  auto& times = found->second;
  forget_expired(times, now);
  if (times.size() >= per_sender_) return false;
  times.push_back(now);
  return true;
}

}  // namespace parley::call
