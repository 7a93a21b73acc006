// The user half of a client node (ClientNode with ClientNodeOptions::user):
// what it adds to Attach, the presence record it publishes and renews,
// searches, the buddies' presence pushed to it, and call signaling both ways.
// ClientNode owns the link (attach, keep-alive, failover); this class sees it
// only through attached() / detached() and a send function, so it can be
// driven without a network (tests/unit/kernel/clientnode/).
//
// Everything from the directory is verified again here (verify_presence): the
// super node is not trusted to have done it.
//
// Threading: one io_context thread, like ClientNode; every handler runs there.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "net/tls_connection.hpp"
#include "overlay/client_node.hpp"
#include "overlay/client_presence.hpp"
#include "overlay/client_searches.hpp"

namespace parley::overlay {

// Renewal after a failed publish (the directory may not have peers yet).
inline constexpr std::chrono::milliseconds kPublishRetry{2'000};
// Super nodes refuse a record within 1 s of the previous one ("too often"):
// changes closer than this are sent together when the spacing allows.
inline constexpr std::chrono::milliseconds kMinPublishSpacing{1'100};
// A super node whose directory failed this many publishes in a row is no use
// to a user (nobody can find them): the link is given up for another.
inline constexpr unsigned kMaxPublishFailures = 3;
// How long stop() waits for the super node to confirm the offline record.
inline constexpr std::chrono::milliseconds kOfflineConfirmWait{1'000};

class UserSession : public std::enable_shared_from_this<UserSession> {
 public:
  using Send = std::function<void(const OverlayMessage& message)>;

  UserSession(boost::asio::io_context& io, UserCredentials user,
              std::chrono::milliseconds presence_lifetime, ClientNode::EventHandler on_event);
  UserSession(const UserSession&) = delete;
  UserSession& operator=(const UserSession&) = delete;

  // --- the link, as ClientNode sees it ---------------------------------------
  // The certificate and a proof of its key bound to this TLS session.
  void fill_attach(Attach& attach, const net::ChannelBinding& binding) const;
  // Empty when the super node attached this link as our user; else why not.
  [[nodiscard]] std::string attach_problem(const AttachOk& ok) const;
  // A link is up: presence goes out, the buddies are subscribed.
  void attached(const std::string& super_node, const std::optional<identity::PublicKey>& key,
                Send send);
  // The link is gone: searches in flight fail now, nothing is sent until attached().
  void detached(const std::string& reason);
  // True when message was one of the user's (handled here).
  bool handle(const OverlayMessage& message);
  // Publishes an offline record, then done() once the super node confirmed it
  // or after kOfflineConfirmWait (at once when not attached). Later changes
  // publish nothing.
  void go_offline(std::function<void()> done);
  // Cancels every timer; no handler runs after this.
  void shut_down();
  // Called when this link cannot serve the user (kMaxPublishFailures): the
  // owner drops it and attaches elsewhere.
  void on_link_unusable(std::function<void(const std::string& reason)> handler) {
    on_unusable_ = std::move(handler);
  }

  // --- the API ClientNode forwards -------------------------------------------
  void set_status(directory::Status status);
  [[nodiscard]] directory::Status status() const { return own_.status(); }
  void set_media_addresses(std::vector<std::string> host_ports);
  // A renewed certificate: the next attach and the next record carry it, and
  // the record goes out at once (the super node checked the old one at attach;
  // readers of the record check the one it carries).
  void set_certificate(std::vector<std::uint8_t> certificate);
  void on_published(ClientNode::PublishHandler handler) { on_published_ = std::move(handler); }
  void search(const std::string& query, bool prefix, std::chrono::milliseconds timeout,
              ClientNode::SearchHandler done);
  void subscribe(std::vector<std::string> user_ids);
  void on_presence(ClientNode::PresenceHandler handler) { on_presence_ = std::move(handler); }
  bool send_call_route(const CallRoute& route);
  void on_call_route(std::function<void(const CallRoute&)> handler) {
    on_call_route_ = std::move(handler);
  }
  void on_call_route_failed(std::function<void(const CallRouteFailed&)> handler) {
    on_call_route_failed_ = std::move(handler);
  }
  void on_relay_offer(std::function<void(const RelayOffer&)> handler) {
    on_relay_offer_ = std::move(handler);
  }

 private:
  void event(const std::string& line) const;
  void publish_soon();
  void publish();
  void publish_offline();
  [[nodiscard]] std::chrono::milliseconds spacing_left() const;
  void schedule_publish(std::chrono::milliseconds after);
  void on_publish_result(const PublishResult& result);
  void finish_offline();
  void send_subscribe();
  void on_search_response(const SearchResponse& response);
  void arm_search_timer();
  void on_notice(const PresenceNotice& notice);
  // The verified records among records that answer query; counts the rest.
  std::vector<FoundUser> verified(const SearchResponse& response, const std::string& query,
                                  bool prefix);

  boost::asio::io_context& io_;
  UserCredentials user_;
  ClientNode::EventHandler on_event_;
  OwnPresence own_;
  Send send_;  // empty while detached
  bool offline_ = false;
  bool shut_ = false;

  boost::asio::steady_timer publish_timer_;
  std::uint64_t awaited_sequence_ = 0;  // the record whose PublishResult counts
  std::optional<std::chrono::steady_clock::time_point> last_publish_;
  std::uint64_t offline_sequence_ = 0;
  std::function<void()> offline_done_;
  boost::asio::steady_timer offline_timer_;
  ClientNode::PublishHandler on_published_;
  unsigned publish_failures_ = 0;  // in a row, on this link
  std::function<void(const std::string&)> on_unusable_;

  SearchTable searches_;
  boost::asio::steady_timer search_timer_;

  std::vector<std::string> buddies_;
  std::map<std::string, std::uint64_t> buddy_sequence_;  // highest seen: older ones are replays
  ClientNode::PresenceHandler on_presence_;

  std::function<void(const CallRoute&)> on_call_route_;
  std::function<void(const CallRouteFailed&)> on_call_route_failed_;
  std::function<void(const RelayOffer&)> on_relay_offer_;
};

}  // namespace parley::overlay
