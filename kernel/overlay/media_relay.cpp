#include "overlay/media_relay.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace parley::overlay {
namespace {

RelayToken random_token() {
  RelayToken token{};
  if (RAND_bytes(token.data(), static_cast<int>(token.size())) != 1) {
    throw std::runtime_error("no randomness for a relay token");
  }
  return token;
}

}  // namespace

MediaRelay::MediaRelay(udp::socket& socket, MediaRelayLimits limits)
    : socket_(socket), limits_(limits) {}

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
  if (slots_.size() >= limits_.max_slots) return std::nullopt;
  auto& held = per_user_[caller];
  if (held >= limits_.max_slots_per_user) return std::nullopt;
  RelayTokens tokens{random_token(), random_token()};
  Slot slot{RelayParties{caller, callee},
            tokens,
            false,
            now,
            TokenBucket(limits_.bytes_per_s, limits_.burst_bytes, now),
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
  if (!slot.active) {
    ++stats_.dropped;
    return;
  }
  if (!sender.latched ||
      (*sender.latched != from && now - sender.last_heard >= limits_.relatch_silence)) {
    sender.latched = from;
  } else if (*sender.latched != from) {
    ++stats_.dropped;  // someone else holding the token while the owner still talks
    return;
  }
  sender.last_heard = now;
  const auto& receiver = slot.sides[1 - side];
  if (!receiver.latched || !slot.bucket.take(static_cast<double>(parsed->payload.size()), now)) {
    ++stats_.dropped;
    return;
  }
  slot.since = now;
  boost::system::error_code ignored;
  // A datagram socket does not block for long; a lost packet is media's problem.
  socket_.send_to(boost::asio::buffer(parsed->payload.data(), parsed->payload.size()),
                  *receiver.latched, 0, ignored);
  ++stats_.relayed_packets;
  stats_.relayed_bytes += parsed->payload.size();
}

MediaRelayStats MediaRelay::stats() const {
  auto stats = stats_;
  stats.slots = slots_.size();
  return stats;
}

}  // namespace parley::overlay
