// Presence, search and subscriptions for attached users (docs/overlay.md,
// "Presence"). The super node checks what a user publishes (its own record,
// naming this super node) and meters how often; everything the directory
// returns has been verified by DirectoryService. Answers for a session that
// closed meanwhile are dropped.
#include <cmath>
#include <set>

#include "log/log.hpp"

#include "net/byte_view.hpp"
#include "overlay/super_node_state.hpp"

namespace parley::overlay {
namespace {

constexpr std::chrono::seconds kMinPublishInterval{1};
constexpr std::size_t kMaxSearchesInFlight = 4;
constexpr std::uint32_t kMaxSearchTimeoutMs = 5000;
constexpr std::size_t kMinPrefixBytes = 2;
// A buddy list changes by hand: one Subscribe a second is plenty, and each
// session gets its share of the directory's listens (max_subscriptions).
constexpr std::chrono::seconds kMinSubscribeInterval{1};
constexpr std::size_t kMaxSubscriptionsPerSession = 200;

OverlayMessage publish_result(std::uint64_t sequence, const std::string& error) {
  OverlayMessage message;
  message.mutable_publish_result()->set_sequence(sequence);
  message.mutable_publish_result()->set_error(error);
  return message;
}

OverlayMessage search_error(std::uint64_t query_id, const std::string& error) {
  OverlayMessage message;
  message.mutable_search_response()->set_query_id(query_id);
  message.mutable_search_response()->set_error(error);
  return message;
}

}  // namespace

void SuperNode::State::on_publish(Session& session, const PublishPresence& publish) {
  auto& connection = *session.connection;
  if (session.user_id.empty())
    return send(connection, publish_result(0, "attach with a user first"));
  if (options.directory == nullptr || !options.login_server_key) {
    return send(connection, publish_result(0, "this super node has no directory"));
  }
  const auto now = SteadyClock::now();
  if (session.last_publish && now - *session.last_publish < kMinPublishInterval) {
    return send(connection, publish_result(0, "too often"));
  }
  const auto wall_now = identity::Clock::now();
  const auto check = directory::verify_presence(
      net::byte_view(publish.record()), *options.login_server_key, wall_now, session.user_id);
  if (!check.ok()) return send(connection, publish_result(0, check.error));
  const auto& presence = *check.presence;
  if (presence.super_node != self_address) {
    return send(connection,
                publish_result(presence.sequence, "the record must name this super node"));
  }
  session.last_publish = now;
  const auto left_ms = presence.expires_at_ms - directory::unix_ms(wall_now);
  const auto ttl_s = static_cast<std::uint32_t>(std::max<std::int64_t>(1, (left_ms + 999) / 1000));
  std::weak_ptr<State> weak = shared_from_this();
  options.directory->publish(session.user_id, {publish.record().begin(), publish.record().end()},
                             ttl_s,
                             [weak, raw = &connection, id = session.id,
                              sequence = presence.sequence](const std::string& error) {
                               auto self = weak.lock();
                               if (!self) return;
                               if (auto* still = self->find(raw, id))
                                 send(*still->connection, publish_result(sequence, error));
                             });
}

void SuperNode::State::on_search(Session& session, const SearchRequest& request) {
  auto& connection = *session.connection;
  const auto query_id = request.query_id();
  if (session.user_id.empty())
    return send(connection, search_error(query_id, "attach with a user first"));
  if (options.directory == nullptr) {
    return send(connection, search_error(query_id, "this super node has no directory"));
  }
  if (session.searches_in_flight >= kMaxSearchesInFlight) {
    return send(connection, search_error(query_id, "too many searches"));
  }
  if (request.prefix() && request.query().size() < kMinPrefixBytes) {
    return send(connection, search_error(query_id, "a prefix search needs at least 2 characters"));
  }
  if (request.query().empty()) return send(connection, search_error(query_id, "empty query"));
  const std::chrono::milliseconds timeout(
      request.timeout_ms() == 0 ? kMaxSearchTimeoutMs
                                : std::min(request.timeout_ms(), kMaxSearchTimeoutMs));
  const std::size_t max_results =
      request.max_results() == 0 ? kMaxSearchResults
                                 : std::min<std::size_t>(request.max_results(), kMaxSearchResults);
  ++session.searches_in_flight;
  std::weak_ptr<State> weak = shared_from_this();
  auto done = [weak, raw = &connection, id = session.id, query_id, max_results](
                  const std::vector<VerifiedPresence>& found, const std::string& error) {
    auto self = weak.lock();
    if (!self) return;
    auto* still = self->find(raw, id);
    if (still == nullptr) return;
    --still->searches_in_flight;
    OverlayMessage message;
    auto* response = message.mutable_search_response();
    response->set_query_id(query_id);
    response->set_error(error);
    // As many records as fit in one message: the frame limit bounds memory per link.
    std::size_t size = message.ByteSizeLong() + 16;
    for (const auto& record : found) {
      if (static_cast<std::size_t>(response->records_size()) >= max_results) break;
      size += record.record.size() + 4;
      if (size > kMaxMessageBytes) break;
      response->add_records(std::string(record.record.begin(), record.record.end()));
    }
    send(*still->connection, message);
  };
  if (request.prefix()) {
    options.directory->lookup_prefix(request.query(), timeout, max_results, std::move(done));
  } else {
    options.directory->lookup(request.query(), timeout, std::move(done));
  }
}

// Applies the difference to the session's listens: ids no longer wanted are
// dropped, new ones added while the session's share and the directory's cap
// allow; ids still wanted keep their listen. Refused ids are counted and
// logged (the protocol has no answer to Subscribe).
void SuperNode::State::on_subscribe(Session& session, const Subscribe& subscribe) {
  if (session.user_id.empty() || options.directory == nullptr) return;
  const auto now = SteadyClock::now();
  if (session.last_subscribe && now - *session.last_subscribe < kMinSubscribeInterval) {
    ++counters.subscribes_limited;
    log::info("super-node", "subscribe of " + session.user_id + " ignored: too often");
    return;
  }
  session.last_subscribe = now;
  std::set<std::string> wanted;
  std::size_t refused = 0;
  for (const auto& user_id : subscribe.user_ids()) {
    if (user_id.empty() || wanted.count(user_id) != 0) continue;
    if (wanted.size() >= kMaxSubscriptionsPerSession) {
      ++refused;
      continue;
    }
    wanted.insert(user_id);
  }
  std::erase_if(session.subscriptions,
                [&](const auto& entry) { return wanted.count(entry.first) == 0; });
  std::weak_ptr<State> weak = shared_from_this();
  for (const auto& user_id : wanted) {
    if (session.subscriptions.count(user_id) != 0) continue;
    auto subscription = options.directory->listen(
        user_id, [weak, raw = session.connection.get(), id = session.id](
                     const std::string& changed, const std::optional<VerifiedPresence>& current) {
          auto self = weak.lock();
          if (!self) return;
          auto* still = self->find(raw, id);
          if (still == nullptr) return;
          OverlayMessage notice;
          notice.mutable_presence_notice()->set_user_id(changed);
          if (current) {
            notice.mutable_presence_notice()->set_record(
                std::string(current->record.begin(), current->record.end()));
          }
          send(*still->connection, notice);
        });
    if (subscription) {
      session.subscriptions.emplace(user_id, std::move(subscription));
    } else {
      ++refused;  // the directory's cap, or an id it refuses
    }
  }
  if (refused != 0) {
    counters.subscriptions_refused += refused;
    log::info("super-node", "subscribe of " + session.user_id + ": " + std::to_string(refused) +
                                " ids refused (over the share or the directory's cap)");
  }
}

}  // namespace parley::overlay
