// Shared by the call tests: a real login server key certifying real users,
// the plugins of this build behind a real PluginHost, and a loopback
// signaling link that stands in for the overlay (unit tests only): it routes
// CallRoutes between engines in one process the way super nodes would (filling
// from_user and from_super_node), answers searches from its own directory,
// and can drop, record, replay and relay.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "call/call_engine.hpp"
#include "call/signaling_link.hpp"
#include "config/settings.hpp"
#include "identity/certificate.hpp"
#include "identity/signing_key.hpp"
#include "plugin/plugin_host.hpp"
#include "run_until.hpp"

namespace parley::call_test {

using namespace std::chrono_literals;

class LoopbackSwitch;

// One user's end of the loopback overlay.
class LoopbackLink final : public call::SignalingLink {
 public:
  LoopbackLink(LoopbackSwitch& network, std::string user)
      : network_(network), user_(std::move(user)) {}
  bool send_call_route(const overlay::CallRoute& route) override;
  void on_call_route(RouteHandler handler) override { route_handler_ = std::move(handler); }
  void on_call_route_failed(RouteFailedHandler handler) override {
    failed_handler_ = std::move(handler);
  }
  void on_relay_offer(RelayOfferHandler handler) override { relay_handler_ = std::move(handler); }
  void search(const std::string& query, bool prefix, std::chrono::milliseconds timeout,
              SearchHandler done) override;
  [[nodiscard]] std::optional<boost::asio::ip::udp::endpoint> super_node_udp() const override;

  [[nodiscard]] const std::string& user() const { return user_; }
  RouteHandler route_handler_;
  RouteFailedHandler failed_handler_;
  RelayOfferHandler relay_handler_;

 private:
  LoopbackSwitch& network_;
  std::string user_;
};

class LoopbackSwitch {
 public:
  explicit LoopbackSwitch(boost::asio::io_context& io) : io_(io) {}

  std::shared_ptr<LoopbackLink> attach(const std::string& user) {
    auto link = std::make_shared<LoopbackLink>(*this, user);
    links_[user] = link;
    return link;
  }
  void detach(const std::string& user) { links_.erase(user); }

  // Routes as a super node would: from_* filled in, delivered later on the io context.
  bool route(const std::string& from, overlay::CallRoute route) {
    route.set_from_user(from);
    route.set_from_super_node("127.0.0.1:7460");
    sent.push_back(route);
    if (drop_to.contains(route.to_user())) return true;
    if (route.kind() == overlay::CALL_SIGNAL_INVITE && relay_grant) {
      overlay::RelayOffer offer;
      offer.set_call_id(route.call_id());
      offer.mutable_relay()->set_host_port(relay_grant->host_port);
      offer.mutable_relay()->set_token(relay_grant->caller_token);
      deliver_later(from, [offer](LoopbackLink& link) {
        if (link.relay_handler_) link.relay_handler_(offer);
      });
      route.mutable_relay()->set_host_port(relay_grant->host_port);
      route.mutable_relay()->set_token(relay_grant->callee_token);
    }
    const auto to = route.to_user();
    if (!links_.contains(to)) {
      overlay::CallRouteFailed failed;
      failed.set_call_id(route.call_id());
      failed.set_reason("not attached here");
      deliver_later(from, [failed](LoopbackLink& link) {
        if (link.failed_handler_) link.failed_handler_(failed);
      });
      return true;
    }
    deliver(route);
    return true;
  }

  // Delivers a route again, as a replaying super node would.
  void deliver(const overlay::CallRoute& route) {
    deliver_later(route.to_user(), [route](LoopbackLink& link) {
      if (link.route_handler_) link.route_handler_(route);
    });
  }

  void deliver_later(const std::string& user, std::function<void(LoopbackLink&)> action) {
    boost::asio::post(io_, [this, user, action = std::move(action)] {
      const auto found = links_.find(user);
      if (found != links_.end()) action(*found->second);
    });
  }

  struct RelayGrant {
    std::string host_port;
    std::string caller_token;
    std::string callee_token;
  };

  boost::asio::io_context& io_;
  std::map<std::string, std::shared_ptr<LoopbackLink>> links_;
  // Users the directory knows (online), with their certificates.
  std::map<std::string, std::vector<std::uint8_t>> directory;
  std::set<std::string> drop_to;  // messages to these users vanish
  std::vector<overlay::CallRoute> sent;
  std::optional<RelayGrant> relay_grant;
  std::optional<boost::asio::ip::udp::endpoint> super_node_udp;
};

inline bool LoopbackLink::send_call_route(const overlay::CallRoute& route) {
  return network_.route(user_, route);
}

inline void LoopbackLink::search(const std::string& query, bool /*prefix*/,
                                 std::chrono::milliseconds /*timeout*/, SearchHandler done) {
  std::vector<overlay::FoundUser> found;
  if (const auto entry = network_.directory.find(query); entry != network_.directory.end()) {
    overlay::FoundUser user;
    user.presence.user_id = query;
    user.presence.certificate = entry->second;
    user.presence.super_node = "127.0.0.1:7460";
    user.presence.status = directory::Status::online;
    found.push_back(std::move(user));
  }
  boost::asio::post(network_.io_, [done = std::move(done), found = std::move(found)]() mutable {
    done(std::move(found), "");
  });
}

inline std::optional<boost::asio::ip::udp::endpoint> LoopbackLink::super_node_udp() const {
  return network_.super_node_udp;
}

// A login server and the users it certified.
class World {
 public:
  World() : server_(identity::SigningKey::generate()) {}

  overlay::UserCredentials user(const std::string& id) const {
    overlay::UserCredentials credentials;
    credentials.user_id = id;
    auto key = std::make_shared<identity::SigningKey>(identity::SigningKey::generate());
    const auto now_s = identity::unix_seconds(identity::Clock::now());
    credentials.certificate = identity::encode_certificate(identity::issue_certificate(
        server_, id, key->public_key(), now_s - 3600, now_s + 86400, ++serial_));
    credentials.identity_key = std::move(key);
    credentials.login_server_key = server_.public_key();
    return credentials;
  }
  [[nodiscard]] const identity::SigningKey& server() const { return server_; }

 private:
  identity::SigningKey server_;
  mutable std::uint64_t serial_ = 7000;
};

// The plugins of this build, as `parley` finds them, Opus preferred.
inline const plugin::PluginHost& built_plugins() {
  static const plugin::PluginHost host = [] {
    config::Settings settings;
    settings.system_plugins = false;
    settings.extra_plugin_dirs = {PARLEY_BUILT_PLUGIN_DIR};
    settings.prefer[PARLEY_KIND_CODEC] = {"opus"};
    return plugin::PluginHost(settings);
  }();
  return host;
}

// Runs the io context until done() holds or the deadline passes.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds deadline = 5s) {
  return test::run_until(io, done, deadline);
}

// Runs the io context for a while (letting media flow), whatever happens.
inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds duration) {
  run_until(
      io, [] { return false; }, duration);
}

// One engine with its event lines and reports, for assertions.
struct Party {
  std::string id;
  overlay::UserCredentials credentials;
  std::shared_ptr<LoopbackLink> link;
  std::vector<std::string> events;
  std::vector<call::CallReport> ended;
  std::vector<std::chrono::steady_clock::time_point> ended_at;
  std::unique_ptr<call::CallEngine> engine;

  [[nodiscard]] bool saw(const std::string& prefix) const {
    for (const auto& line : events) {
      if (line.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }
  [[nodiscard]] int count(const std::string& prefix) const {
    int n = 0;
    for (const auto& line : events) n += line.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }
  [[nodiscard]] std::string log() const {
    std::string all;
    for (const auto& line : events) all += id + ": " + line + "\n";
    return all;
  }
};

inline bool both_active(const Party& a, const Party& b) {
  return a.engine->state() == call::CallState::active &&
         b.engine->state() == call::CallState::active;
}

// caller calls callee; the io context runs until both calls are active.
inline ::testing::AssertionResult call_until_active(boost::asio::io_context& io, Party& caller,
                                                    Party& callee,
                                                    std::chrono::milliseconds deadline = 5s) {
  caller.engine->call(callee.id);
  if (run_until(
          io, [&] { return both_active(caller, callee); }, deadline)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "the call never became active on both sides\n"
                                       << caller.log() << callee.log();
}

// The io context runs until both parties' calls have ended.
inline bool run_until_both_ended(boost::asio::io_context& io, const Party& a, const Party& b,
                                 std::chrono::milliseconds deadline = 5s) {
  return run_until(
      io, [&] { return !a.ended.empty() && !b.ended.empty(); }, deadline);
}

// Media for at least `at_least`, and until listener has heard more than
// `packets`: a stalled thread sends fewer frames in the same wall-clock time,
// so the count is waited for, not assumed.
inline bool hear_media(boost::asio::io_context& io, const Party& listener,
                       std::chrono::milliseconds at_least, std::uint64_t packets,
                       std::chrono::milliseconds deadline) {
  const auto from = std::chrono::steady_clock::now();
  return run_until(
      io,
      [&] {
        const auto heard = listener.engine->stats();
        return std::chrono::steady_clock::now() - from >= at_least && heard &&
               heard->packets_received > packets;
      },
      deadline);
}

inline call::CallEngineOptions fast_options() {
  call::CallEngineOptions options;
  options.host = &built_plugins();
  options.media_bind_address = "127.0.0.1";
  options.audio.use_devices = false;  // a tone where no file is named; never the machine's devices
  options.timeouts.lookup = 1s;
  options.timeouts.invite = 1s;
  options.timeouts.ring = 2s;
  options.timeouts.connect = 2s;
  options.timeouts.media_silence = 2s;
  options.timeouts.direct_check = 300ms;
  return options;
}

// A callee that accepts every invite at once.
inline call::CallEngineOptions answering_options(call::CallEngineOptions options = fast_options()) {
  options.auto_answer = true;
  return options;
}

inline std::unique_ptr<Party> make_party(boost::asio::io_context& io, LoopbackSwitch& network,
                                         const World& world, const std::string& id,
                                         call::CallEngineOptions options = fast_options()) {
  auto party = std::make_unique<Party>();
  party->id = id;
  party->credentials = world.user(id);
  party->link = network.attach(id);
  network.directory[id] = party->credentials.certificate;
  options.user = party->credentials;
  auto* raw = party.get();
  party->engine = std::make_unique<call::CallEngine>(
      io, party->link, std::move(options),
      [raw](const std::string& line) { raw->events.push_back(line); },
      [raw](const call::CallReport& report) {
        raw->ended.push_back(report);
        raw->ended_at.push_back(std::chrono::steady_clock::now());
      });
  return party;
}

}  // namespace parley::call_test
