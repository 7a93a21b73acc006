#include "overlay/client_user_session.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "identity/user_id.hpp"
#include "log/log.hpp"
#include "net/byte_view.hpp"
#include "overlay/client_buddy_list.hpp"

namespace parley::overlay {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

std::string text_of(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

}  // namespace

UserSession::UserSession(asio::io_context& io, UserCredentials user,
                         std::chrono::milliseconds presence_lifetime,
                         ClientNode::EventHandler on_event)
    : io_(io),
      user_(std::move(user)),
      on_event_(std::move(on_event)),
      own_(user_.user_id, user_.display_name, user_.certificate, presence_lifetime),
      publish_timer_(io),
      offline_timer_(io),
      search_timer_(io) {}

void UserSession::event(const std::string& line) const {
  if (on_event_) on_event_(line);
}

// --- the link ----------------------------------------------------------------

void UserSession::fill_attach(Attach& attach, const net::ChannelBinding& binding) const {
  attach.set_certificate(text_of(user_.certificate));
  const auto proof = user_.identity_key->sign(kAttachProofContext, binding);
  attach.set_proof(text_of(proof));
}

std::string UserSession::attach_problem(const AttachOk& ok) const {
  if (ok.user_id() == user_.user_id) return {};
  if (ok.user_id().empty()) return "the super node attached us anonymously (certificate ignored)";
  return "the super node attached us as another user";
}

void UserSession::attached(const std::string& super_node,
                           const std::optional<identity::PublicKey>& key, Send send) {
  send_ = std::move(send);
  last_publish_.reset();  // the spacing is per link: a new super node has seen nothing
  publish_failures_ = 0;
  own_.set_super_node(super_node, key);
  if (!offline_) publish_soon();
  if (!buddies_.empty()) send_subscribe();
}

void UserSession::detached(const std::string& reason) {
  send_ = nullptr;
  publish_timer_.cancel();
  search_timer_.cancel();
  for (auto& pending : searches_.take_all()) pending.done({}, "lost the super node: " + reason);
  // The offline record cannot be confirmed now; stopping need not wait.
  if (offline_done_) finish_offline();
}

bool UserSession::handle(const OverlayMessage& message) {
  switch (message.body_case()) {
    case OverlayMessage::kPublishResult: on_publish_result(message.publish_result()); return true;
    case OverlayMessage::kSearchResponse:
      on_search_response(message.search_response());
      return true;
    case OverlayMessage::kPresenceNotice: on_notice(message.presence_notice()); return true;
    case OverlayMessage::kCallRoute:
      if (on_call_route_ && !offline_) on_call_route_(message.call_route());
      return true;
    case OverlayMessage::kCallRouteFailed:
      if (on_call_route_failed_ && !offline_) on_call_route_failed_(message.call_route_failed());
      return true;
    case OverlayMessage::kRelayOffer:
      if (on_relay_offer_ && !offline_) on_relay_offer_(message.relay_offer());
      return true;
    default: return false;
  }
}

void UserSession::go_offline(std::function<void()> done) {
  offline_ = true;
  publish_timer_.cancel();
  if (!send_) {
    asio::post(io_, std::move(done));
    return;
  }
  offline_done_ = std::move(done);
  // The super node refuses a record that follows the last one too closely.
  const auto wait = spacing_left();
  if (wait.count() == 0) return publish_offline();
  publish_timer_.expires_after(wait);
  publish_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
    auto self = weak.lock();
    if (!self || error || !self->offline_done_) return;
    if (!self->send_) return self->finish_offline();
    self->publish_offline();
  });
}

void UserSession::publish_offline() {
  auto presence = own_.next(identity::Clock::now(), directory::Status::offline);
  try {
    OverlayMessage message;
    message.mutable_publish_presence()->set_record(
        text_of(directory::sign_presence(presence, *user_.identity_key)));
    send_(message);
    last_publish_ = Clock::now();
    offline_sequence_ = presence.sequence;
  } catch (const std::exception& failure) {
    event(std::string("cannot sign the offline record: ") + failure.what());
    asio::post(io_, [weak = weak_from_this()] {
      if (auto self = weak.lock(); self && self->offline_done_) self->finish_offline();
    });
    return;
  }
  offline_timer_.expires_after(kOfflineConfirmWait);
  offline_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
    auto self = weak.lock();
    if (!self || error || !self->offline_done_) return;
    self->event("the super node did not confirm the offline record in time");
    self->finish_offline();
  });
}

std::chrono::milliseconds UserSession::spacing_left() const {
  if (!last_publish_) return std::chrono::milliseconds(0);
  const auto next = *last_publish_ + kMinPublishSpacing;
  const auto now = Clock::now();
  if (next <= now) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(next - now);
}

void UserSession::finish_offline() {
  offline_timer_.cancel();
  auto done = std::move(offline_done_);
  offline_done_ = nullptr;
  if (done) done();
}

void UserSession::shut_down() {
  shut_ = true;
  send_ = nullptr;
  offline_done_ = nullptr;
  publish_timer_.cancel();
  offline_timer_.cancel();
  search_timer_.cancel();
  searches_.take_all();  // their handlers are not called: the owner is going away
}

// --- presence ------------------------------------------------------------------

void UserSession::set_status(directory::Status status) {
  if (status == directory::Status::offline) return;  // that is stop()'s record
  own_.set_status(status);
  if (send_ && !offline_) publish_soon();
}

void UserSession::set_media_addresses(std::vector<std::string> host_ports) {
  if (const auto left_out = own_.set_media_addresses(std::move(host_ports)); left_out != 0) {
    event(std::to_string(left_out) + " media addresses left out of the presence record");
  }
  if (send_ && !offline_) publish_soon();
}

void UserSession::set_certificate(std::vector<std::uint8_t> certificate) {
  user_.certificate = certificate;
  own_.set_certificate(std::move(certificate));
  if (send_ && !offline_) publish_soon();
}

void UserSession::publish_soon() {
  const auto wait = spacing_left();
  if (wait.count() == 0) return publish();
  // Changes within the spacing coalesce into one record, sent when allowed.
  schedule_publish(wait);
}

void UserSession::publish() {
  auto presence = own_.next(identity::Clock::now());
  std::vector<std::uint8_t> record;
  try {
    record = directory::sign_presence(presence, *user_.identity_key);
  } catch (const std::exception& failure) {
    // The certificate expired or is for another key: nothing a retry fixes.
    const std::string error = std::string("cannot sign the presence record: ") + failure.what();
    event(error);
    if (on_published_) on_published_(error);
    return;
  }
  OverlayMessage message;
  message.mutable_publish_presence()->set_record(text_of(record));
  send_(message);
  last_publish_ = Clock::now();
  awaited_sequence_ = presence.sequence;
  schedule_publish(own_.renew_interval());
}

void UserSession::schedule_publish(std::chrono::milliseconds after) {
  publish_timer_.expires_after(after);
  publish_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
    auto self = weak.lock();
    if (!self || error || !self->send_ || self->offline_) return;
    self->publish();
  });
}

void UserSession::on_publish_result(const PublishResult& result) {
  // A record refused before the super node read its sequence comes back with
  // sequence 0; one publish is in flight at a time, so it is that one.
  const bool unnamed_refusal = result.sequence() == 0 && !result.error().empty();
  if (offline_done_ && offline_sequence_ != 0 &&
      (result.sequence() == offline_sequence_ || unnamed_refusal)) {
    if (!result.error().empty()) {
      event("offline record not published: " + log::sanitize(result.error(), 128));
    }
    finish_offline();
    return;
  }
  if (awaited_sequence_ == 0 || offline_) return;
  if (result.sequence() != awaited_sequence_ && !unnamed_refusal) return;  // superseded
  awaited_sequence_ = 0;
  if (!result.error().empty()) {
    const auto error = log::sanitize(result.error(), 128);
    if (on_published_) on_published_(error);
    if (++publish_failures_ >= kMaxPublishFailures && on_unusable_) {
      on_unusable_("it failed to publish our presence " + std::to_string(publish_failures_) +
                   " times (" + error + ")");
      return;
    }
    event("presence not published: " + error + " (again in " +
          std::to_string(kPublishRetry.count()) + " ms)");
    schedule_publish(kPublishRetry);
    return;
  }
  publish_failures_ = 0;
  event("presence published: " + std::string(directory::status_name(own_.status())) + " sequence " +
        std::to_string(result.sequence()));
  if (on_published_) on_published_({});
}

// --- search --------------------------------------------------------------------

void UserSession::search(const std::string& query, bool prefix, std::chrono::milliseconds timeout,
                         ClientNode::SearchHandler done) {
  auto fail = [this, &done](std::string error) {
    asio::post(io_, [done = std::move(done), error = std::move(error)] { done({}, error); });
  };
  if (auto problem = search_query_problem(query, prefix)) return fail(*problem);
  if (!send_ || offline_) return fail("not attached to a super node");
  if (searches_.size() >= kMaxSearchesInFlight) return fail("too many searches in flight");
  timeout = std::clamp(timeout, std::chrono::milliseconds(100), kMaxSearchTimeout);
  const auto now = Clock::now();
  const auto id =
      searches_.add({query, prefix, now, now + timeout + kSearchAnswerGrace, std::move(done)});
  if (!id) return;  // cannot happen: checked above
  OverlayMessage message;
  auto& request = *message.mutable_search_request();
  request.set_query_id(*id);
  request.set_query(query);
  request.set_prefix(prefix);
  request.set_timeout_ms(static_cast<std::uint32_t>(timeout.count()));
  request.set_max_results(kMaxFoundUsers);
  send_(message);
  arm_search_timer();
}

void UserSession::arm_search_timer() {
  const auto next = searches_.next_deadline();
  if (!next) {
    search_timer_.cancel();
    return;
  }
  search_timer_.expires_at(*next);
  search_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
    auto self = weak.lock();
    if (!self || error || self->shut_) return;
    for (auto& pending : self->searches_.take_due(Clock::now())) {
      pending.done({}, "no answer from the super node within " +
                           std::to_string(ms_since(pending.sent)) + " ms");
    }
    self->arm_search_timer();
  });
}

void UserSession::on_search_response(const SearchResponse& response) {
  auto pending = searches_.take(response.query_id());
  if (!pending) return;  // late (timed out) or never asked
  arm_search_timer();
  if (!response.error().empty()) {
    pending->done({}, "search failed at the super node: " + log::sanitize(response.error(), 128));
    return;
  }
  pending->done(verified(response, pending->query, pending->prefix), {});
}

std::vector<FoundUser> UserSession::verified(const SearchResponse& response,
                                             const std::string& query, bool prefix) {
  const auto now = identity::Clock::now();
  std::map<std::string, FoundUser> best;  // one per user: the highest sequence
  std::size_t dropped = 0;
  std::string why;
  for (const auto& record : response.records()) {
    if (best.size() >= kMaxFoundUsers) break;
    auto check = directory::verify_presence(net::byte_view(record), user_.login_server_key, now,
                                            prefix ? std::string_view{} : query);
    if (check.ok() && !search_matches(query, prefix, check.presence->user_id)) {
      check.error = "a record for " + check.presence->user_id + " does not answer the query";
      check.presence.reset();
    }
    if (!check.ok()) {
      ++dropped;
      why = check.error;
      continue;
    }
    auto& slot = best[check.presence->user_id];
    if (slot.presence.sequence < check.presence->sequence) {
      slot.record.assign(record.begin(), record.end());
      slot.presence = std::move(*check.presence);
    }
  }
  if (dropped != 0) {
    event("dropped " + std::to_string(dropped) + " records of the search for " +
          log::sanitize(query, 64) + " that failed verification (" + log::sanitize(why, 128) + ")");
  }
  std::vector<FoundUser> found;
  found.reserve(best.size());
  for (auto& [user, one] : best) found.push_back(std::move(one));
  return found;
}

// --- buddies -------------------------------------------------------------------

void UserSession::subscribe(std::vector<std::string> user_ids) {
  std::vector<std::string> kept;
  for (auto& id : user_ids) {
    if (kept.size() >= kMaxBuddies) break;
    if (!identity::is_valid_user_id(id) || id == user_.user_id) continue;
    if (std::find(kept.begin(), kept.end(), id) == kept.end()) kept.push_back(std::move(id));
  }
  buddies_ = std::move(kept);
  std::erase_if(buddy_sequence_, [this](const auto& entry) {
    return std::find(buddies_.begin(), buddies_.end(), entry.first) == buddies_.end();
  });
  if (send_ && !offline_) send_subscribe();
}

void UserSession::send_subscribe() {
  OverlayMessage message;
  auto& subscribe = *message.mutable_subscribe();  // an empty set unsubscribes from everyone
  for (const auto& id : buddies_) subscribe.add_user_ids(id);
  send_(message);
}

void UserSession::on_notice(const PresenceNotice& notice) {
  const auto& user = notice.user_id();
  if (std::find(buddies_.begin(), buddies_.end(), user) == buddies_.end()) return;
  if (notice.record().empty()) {
    if (on_presence_) on_presence_(user, std::nullopt);
    return;
  }
  auto check = directory::verify_presence(net::byte_view(notice.record()), user_.login_server_key,
                                          identity::Clock::now(), user);
  if (!check.ok()) {
    event("dropped a presence notice for " + user + ": " + log::sanitize(check.error, 128));
    return;
  }
  // The same record again (after a failover) is no change; an older one is a replay.
  auto& seen = buddy_sequence_[user];
  if (check.presence->sequence <= seen) return;
  seen = check.presence->sequence;
  if (on_presence_) {
    on_presence_(user, FoundUser{{notice.record().begin(), notice.record().end()},
                                 std::move(*check.presence)});
  }
}

// --- calls ---------------------------------------------------------------------

bool UserSession::send_call_route(const CallRoute& route) {
  if (!send_ || offline_) return false;
  OverlayMessage message;
  *message.mutable_call_route() = route;
  send_(message);
  return true;
}

}  // namespace parley::overlay
