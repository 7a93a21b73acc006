#include "overlay/media_relay.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace parley::overlay {
namespace {

// A cookie is good for the 10 s bucket it was made in and the next one.
constexpr std::chrono::seconds kCookieBucket{10};

std::int64_t time_bucket(MediaRelay::Clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() /
         kCookieBucket.count();
}

RelayToken random_token() {
  RelayToken token{};
  if (RAND_bytes(token.data(), static_cast<int>(token.size())) != 1) {
    throw std::runtime_error("no randomness for a relay token");
  }
  return token;
}

}  // namespace

MediaRelay::MediaRelay(udp::socket& socket, MediaRelayLimits limits)
    : socket_(socket), limits_(limits) {
  // The relay runs on the node's I/O thread: a full send buffer drops, never waits.
  socket_.non_blocking(true);
  if (RAND_bytes(secret_.data(), static_cast<int>(secret_.size())) != 1) {
    throw std::runtime_error("no randomness for the relay secret");
  }
}

std::optional<RelayTokens> MediaRelay::reserve(const std::string& call_id,
                                               const std::string& caller, const std::string& callee,
                                               Clock::time_point now) {
  if (const auto found = slots_.find(call_id); found != slots_.end()) {
    // A retransmitted invite gets the same slot; anyone else's, nothing.
    const auto& slot = found->second;
    if (slot.active || slot.parties.caller != caller || slot.parties.callee != callee) {
      return std::nullopt;
    }
    return slot.tokens;
  }
  if (caller == callee || slots_.size() >= limits_.max_slots) return std::nullopt;
  std::size_t pending = 0;
  for (const auto& [id, slot] : slots_) {
    pending += !slot.active && slot.parties.caller == caller ? 1 : 0;
  }
  if (pending >= limits_.max_pending_per_user) return std::nullopt;
  auto& held = per_user_[caller];
  if (held >= limits_.max_slots_per_user) return std::nullopt;
  RelayTokens tokens{random_token(), random_token()};
  Slot slot{RelayParties{caller, callee},
            tokens,
            false,
            now,
            TokenBucket(limits_.bytes_per_s, limits_.burst_bytes, now),
            TokenBucket(limits_.challenges_per_s, limits_.challenges_per_s, now),
            {}};
  slots_.emplace(call_id, std::move(slot));
  by_token_[tokens.caller] = {call_id, 0};
  by_token_[tokens.callee] = {call_id, 1};
  ++held;
  return tokens;
}

std::optional<RelayParties> MediaRelay::parties(const std::string& call_id) const {
  const auto found = slots_.find(call_id);
  if (found == slots_.end()) return std::nullopt;
  return found->second.parties;
}

bool MediaRelay::pending(const std::string& call_id) const {
  const auto found = slots_.find(call_id);
  return found != slots_.end() && !found->second.active;
}

void MediaRelay::activate(const std::string& call_id, Clock::time_point now) {
  const auto found = slots_.find(call_id);
  if (found == slots_.end() || found->second.active) return;
  found->second.active = true;
  found->second.since = now;  // the idle clock starts here
}

void MediaRelay::release(const std::string& call_id) {
  if (const auto found = slots_.find(call_id); found != slots_.end()) erase(found);
}

void MediaRelay::erase(std::map<std::string, Slot>::iterator slot) {
  by_token_.erase(slot->second.tokens.caller);
  by_token_.erase(slot->second.tokens.callee);
  const auto held = per_user_.find(slot->second.parties.caller);
  if (held != per_user_.end() && --held->second == 0) per_user_.erase(held);
  slots_.erase(slot);
}

void MediaRelay::expire(Clock::time_point now) {
  for (auto slot = slots_.begin(); slot != slots_.end();) {
    const auto limit = slot->second.active ? limits_.idle_timeout : limits_.pending_timeout;
    auto next = std::next(slot);
    if (now - slot->second.since >= limit) erase(slot);
    slot = next;
  }
}

RelayCookie MediaRelay::cookie(const RelayToken& token, const udp::endpoint& address,
                               std::int64_t bucket) const {
  // token | address (4 or 16 bytes) | port | bucket, on the stack: this runs per datagram.
  std::array<std::uint8_t, sizeof(RelayToken) + 16 + 2 + 8> input{};
  std::size_t size = 0;
  const auto append = [&](std::span<const std::uint8_t> bytes) {
    std::copy(bytes.begin(), bytes.end(), input.begin() + static_cast<std::ptrdiff_t>(size));
    size += bytes.size();
  };
  append(token);
  if (address.address().is_v4()) {
    append(address.address().to_v4().to_bytes());
  } else {
    append(address.address().to_v6().to_bytes());
  }
  std::array<std::uint8_t, 10> tail{};
  tail[0] = static_cast<std::uint8_t>(address.port() >> 8);
  tail[1] = static_cast<std::uint8_t>(address.port() & 0xff);
  for (int i = 0; i < 8; ++i) {
    tail[2 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(bucket) >> (56 - 8 * i));
  }
  append(tail);
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), input.data(), size,
       mac.data(), &length);
  RelayCookie out{};
  std::copy_n(mac.begin(), out.size(), out.begin());
  return out;
}

bool MediaRelay::send(std::span<const std::uint8_t> bytes, const udp::endpoint& to) {
  boost::system::error_code error;
  socket_.send_to(boost::asio::buffer(bytes.data(), bytes.size()), to, 0, error);
  // would_block and the like: a lost packet is media's problem (and a lost
  // challenge is asked for again by the next datagram).
  if (error) ++stats_.send_dropped;
  return !error;
}

void MediaRelay::challenge(Slot& slot, const RelayToken& token, const udp::endpoint& to,
                           Clock::time_point now) {
  if (!slot.challenge_meter.take(1, now)) return;
  const auto datagram =
      make_latch_datagram(RelayKind::latch_challenge, token, cookie(token, to, time_bucket(now)));
  if (send(datagram, to)) ++stats_.challenges;
}

void MediaRelay::on_response(Slot& slot, int side, const RelayDatagram& datagram,
                             const udp::endpoint& from, Clock::time_point now) {
  const auto bucket = time_bucket(now);
  const auto matches = [&](std::int64_t b) {
    const auto expected = cookie(datagram.token, from, b);
    return CRYPTO_memcmp(expected.data(), datagram.payload.data(), expected.size()) == 0;
  };
  auto& sender = slot.sides[side];
  const bool silent = now - sender.last_heard >= limits_.relatch_silence;
  // The cheap refusal first: a takeover while the owner talks is dropped
  // whatever the cookie says, without two HMACs.
  if ((sender.latched && *sender.latched != from && !silent) ||
      !(matches(bucket) || matches(bucket - 1))) {
    ++stats_.dropped;  // a forged or stale cookie, or a takeover while the owner talks
    return;
  }
  if (sender.latched != from) ++stats_.latched;
  sender.latched = from;
  sender.last_heard = now;
}

void MediaRelay::on_datagram(std::span<const std::uint8_t> datagram, const udp::endpoint& from,
                             Clock::time_point now) {
  const auto parsed = parse_relay_datagram(datagram);
  const auto owner = parsed ? by_token_.find(parsed->token) : by_token_.end();
  if (owner == by_token_.end()) {
    ++stats_.dropped;
    return;
  }
  auto& slot = slots_.at(owner->second.first);
  const auto side = owner->second.second;
  auto& sender = slot.sides[side];
  if (!slot.active || parsed->kind == RelayKind::latch_challenge) {
    ++stats_.dropped;
    return;
  }
  if (parsed->kind == RelayKind::latch_response) {
    return on_response(slot, side, *parsed, from, now);
  }
  if (sender.latched != from) {
    // Not (yet) proven to receive here: ask it to, and forward nothing.
    ++stats_.dropped;
    challenge(slot, parsed->token, from, now);
    return;
  }
  sender.last_heard = now;
  const auto& receiver = slot.sides[1 - side];
  if (!receiver.latched || !slot.bucket.take(static_cast<double>(parsed->payload.size()), now)) {
    ++stats_.dropped;
    return;
  }
  slot.since = now;
  if (!send(parsed->payload, *receiver.latched)) return;
  ++stats_.relayed_packets;
  stats_.relayed_bytes += parsed->payload.size();
}

MediaRelayStats MediaRelay::stats() const {
  auto stats = stats_;
  stats.slots = slots_.size();
  return stats;
}

}  // namespace parley::overlay
