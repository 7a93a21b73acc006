// Presence records reach super nodes and clients from any directory node, so
// verify_presence must give a verdict with a reason for any bytes, never
// crash, and never accept a record outside the bounds it promises.
//
// The pinned key is fixed; its private half signed the seed corpus's valid
// record (corpus/presence_record/valid_record) and was then thrown away, so
// no input but that seed can carry a good signature. kSeedTime is inside the
// seed's lifetime, so the replay of that seed takes the accepting path; at the
// real time (checked too) it has long expired.
#include <cstdint>
#include <span>

#include "directory/presence_record.hpp"
#include "replay_main.hpp"

namespace {

using namespace parley;

const identity::PublicKey& pinned_key() {
  static const auto key =
      *identity::PublicKey::from_text("ed25519:DRs/AJGAQRRdFUY7e6H8dxZYqzedfyHrU4w3RL8lIk4=");
  return key;
}

constexpr std::int64_t kSeedTime_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

void check_verdict(const directory::PresenceCheck& check, std::string_view expected_user) {
  if (!check.ok()) {
    if (check.error.empty() || check.certificate) __builtin_trap();
    return;
  }
  const auto& presence = *check.presence;
  if (!check.error.empty() || !check.certificate) __builtin_trap();
  if (!expected_user.empty() && presence.user_id != expected_user) __builtin_trap();
  if (presence.display_name.size() > directory::kMaxDisplayNameBytes ||
      presence.media_addresses.size() > directory::kMaxMediaAddresses ||
      presence.expires_at_ms <= presence.issued_at_ms ||
      presence.expires_at_ms - presence.issued_at_ms > directory::kMaxPresenceLifetime.count()) {
    __builtin_trap();
  }
  (void)directory::status_name(presence.status);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> record(data, size);
  const auto seed_time = identity::Clock::time_point(std::chrono::milliseconds(kSeedTime_ms));
  for (std::string_view user : {"", "alice"}) {
    check_verdict(directory::verify_presence(record, pinned_key(), seed_time, user), user);
  }
  const auto now = directory::verify_presence(record, pinned_key(), identity::Clock::now());
  if (now.ok()) __builtin_trap();  // every signable record has expired by now
  return 0;
}
