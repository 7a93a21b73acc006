#include "call/invite_meter.hpp"

#include <algorithm>
#include <iterator>

namespace parley::call {

void InviteMeter::forget_expired(Sender& sender, Clock::time_point now) const {
  auto& times = sender.admitted;
  while (!times.empty() && now - times.front() >= window_) times.pop_front();
  if (sender.told && now - *sender.told >= window_) sender.told.reset();
}

InviteMeter::Admission InviteMeter::admit(const std::string& sender, Clock::time_point now) {
  auto found = recent_.find(sender);
  if (found == recent_.end()) {
    if (recent_.size() >= max_senders_) {
      for (auto entry = recent_.begin(); entry != recent_.end();) {
        forget_expired(entry->second, now);
        const bool idle = entry->second.admitted.empty() && !entry->second.told;
        entry = idle ? recent_.erase(entry) : std::next(entry);
      }
      if (recent_.size() >= max_senders_) return {Verdict::refused_silently};
    }
    found = recent_.emplace(sender, Sender{}).first;
  }
  auto& entry = found->second;
  forget_expired(entry, now);
  if (entry.admitted.size() < per_sender_) {
    entry.admitted.push_back(now);
    // A caller who waited as told is told again when next refused: at most
    // one more signed answer per admitted invite.
    entry.told.reset();
    return {Verdict::admitted};
  }
  if (entry.told) return {Verdict::refused_silently};
  entry.told = now;
  // The oldest admitted invite leaves the window first; round up, so that
  // trying again after retry_after finds a place.
  const auto frees_in = window_ - (now - entry.admitted.front());
  return {Verdict::refused_tell,
          std::chrono::ceil<std::chrono::seconds>(std::max(frees_in, Clock::duration{0}))};
}

}  // namespace parley::call
