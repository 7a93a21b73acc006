// A client node's link to the overlay (the seed's startup and keep-alive):
// pick the best super node from the host cache (else the bootstrap list),
// attach over TLS, keep the link alive, learn more super nodes and the
// node's reflexive address, and on losing the super node fail over to the
// next one without the user doing anything.
//
// With a user (ClientNodeOptions::user) the attach carries the user's
// certificate and a proof of the certified key bound to the TLS session; the
// node then publishes the user's signed presence record through the super
// node and refreshes it before it expires, searches the directory, keeps the
// buddies' presence pushed to it, and carries call signaling (CallRoute) both
// ways. Everything that arrives from the directory is verified again here:
// the super node is not trusted to have done it.
//
// Threading: run the io_context on one thread (as for SuperNode). Every
// handler runs on that thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "directory/presence_record.hpp"
#include "identity/signing_key.hpp"
#include "overlay/node_config.hpp"
#include "proto/overlay.pb.h"

namespace parley::overlay {

// The signature context of Attach.proof.
inline constexpr std::string_view kAttachProofContext = "parley attach proof v1";

struct UserCredentials {
  std::string user_id;
  std::string display_name;                                  // may be empty
  std::vector<std::uint8_t> certificate;                     // as the login server issued it
  std::shared_ptr<const identity::SigningKey> identity_key;  // the certified key
  identity::PublicKey login_server_key;                      // pinned
};

struct ClientNodeOptions {
  std::filesystem::path data_dir;      // host_cache.json lives here
  std::vector<std::string> bootstrap;  // host:port, used when the cache has too few
  std::string node_name;               // for the super node's logs
  NodeConfig config;
  std::optional<UserCredentials> user;  // empty: an anonymous node
  // Presence records live this long and are re-signed and republished at half
  // of it (and at once on any change: status, super node, media addresses).
  std::chrono::milliseconds presence_lifetime{120'000};
};

// One user's presence as read from the directory, verified.
struct FoundUser {
  std::vector<std::uint8_t> record;  // signed bytes
  directory::Presence presence;
};

class ClientNode {
 public:
  using EventHandler = std::function<void(const std::string& line)>;
  // Reflexive address learnt via STUN, and the local UDP endpoint it maps.
  using ReflexiveHandler = std::function<void(const boost::asio::ip::udp::endpoint& reflexive,
                                              const boost::asio::ip::udp::endpoint& local)>;

  ClientNode(boost::asio::io_context& io, ClientNodeOptions options, EventHandler on_event,
             ReflexiveHandler on_reflexive = {});
  ~ClientNode();
  ClientNode(const ClientNode&) = delete;
  ClientNode& operator=(const ClientNode&) = delete;

  void start();
  // Publishes an offline record (with a user), detaches politely and stops.
  // The record and the Detach need the io_context to run a little longer:
  // on_stopped says when they are out (at most about 2 s later; sooner when
  // the super node confirms the record at once). Destroying the node instead
  // queues both without waiting.
  void stop();
  void on_stopped(std::function<void()> handler);

  // --- state --------------------------------------------------------------
  [[nodiscard]] bool attached() const;
  // host:port of the super node attached to, and its key; empty when not attached.
  [[nodiscard]] std::string super_node() const;
  [[nodiscard]] std::optional<identity::PublicKey> super_node_key() const;
  // The super node's STUN (and relay) UDP endpoint, when it has one.
  [[nodiscard]] std::optional<boost::asio::ip::udp::endpoint> super_node_udp() const;
  // Called after every successful attach (the first and each failover).
  using AttachedHandler = std::function<void(const std::string& super_node)>;
  void on_attached(AttachedHandler handler);
  // Called whenever the attached super node is lost (before failing over).
  using DetachedHandler = std::function<void(const std::string& reason)>;
  void on_detached(DetachedHandler handler);

  // --- presence (needs a user) ---------------------------------------------
  // Each change republishes at once when attached (else on the next attach).
  void set_status(directory::Status status);
  [[nodiscard]] directory::Status status() const;
  void set_media_addresses(std::vector<std::string> host_ports);
  // A renewed certificate (same user, same key): republished at once in the
  // presence record and given at the next attach. The link stays: the super
  // node checked the old certificate at attach, which stays valid until expiry.
  void set_certificate(std::vector<std::uint8_t> certificate);
  // Result of each publish: error empty when the super node published it.
  using PublishHandler = std::function<void(const std::string& error)>;
  void on_published(PublishHandler handler);

  // --- search ----------------------------------------------------------------
  // error empty: the search ran (found may be empty). Not attached or no
  // answer within timeout + 2 s: error says so. Records failing verification
  // are dropped (counted in the event log), never returned.
  using SearchHandler = std::function<void(std::vector<FoundUser> found, const std::string& error)>;
  void search(const std::string& query, bool prefix, std::chrono::milliseconds timeout,
              SearchHandler done);

  // --- buddies' presence -----------------------------------------------------
  // Replaces the subscribed set (at most 200 user ids); kept across failover.
  void subscribe(std::vector<std::string> user_ids);
  // A buddy's presence changed: its verified record, or nullopt when it expired.
  using PresenceHandler =
      std::function<void(const std::string& user_id, const std::optional<FoundUser>& presence)>;
  void on_presence(PresenceHandler handler);

  // --- call signaling --------------------------------------------------------
  // False when not attached (the caller retries or fails the call).
  bool send_call_route(const CallRoute& route);
  void on_call_route(std::function<void(const CallRoute&)> handler);
  void on_call_route_failed(std::function<void(const CallRouteFailed&)> handler);
  void on_relay_offer(std::function<void(const RelayOffer&)> handler);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace parley::overlay
