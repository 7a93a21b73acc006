#include "overlay/client_node.hpp"

#include <openssl/rand.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "log/log.hpp"
#include "net/byte_view.hpp"
#include "net/tls_client.hpp"
#include "overlay/client_user_session.hpp"
#include "overlay/host_cache.hpp"
#include "overlay/overlay_messages.hpp"
#include "overlay/stun_binding.hpp"
#include "overlay/tofu_connect.hpp"

namespace parley::overlay {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using Clock = std::chrono::steady_clock;

std::string endpoint_text(const udp::endpoint& endpoint) {
  const auto address = endpoint.address().to_string();
  return (endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" +
         std::to_string(endpoint.port());
}

std::optional<identity::PublicKey> key_from(const std::string& bytes) {
  return identity::PublicKey::from_bytes(net::byte_view(bytes));
}

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

constexpr int kStunAttempts = 4;
constexpr std::chrono::milliseconds kStunRetry{500};
// After every candidate failed, wait this long before the next round.
constexpr std::chrono::milliseconds kRoundPause{1'000};
// stop(): how long the Detach may take to be written before the node says it stopped.
constexpr std::chrono::milliseconds kDetachWait{1'000};

// The super node's own address as it names it (for presence records), when
// it is a usable host:port; else the address this node dialled.
std::string advertised_address(const AttachOk& ok, const std::string& dialled) {
  const auto& named = ok.super_node();
  if (!named.empty() && named.size() <= directory::kMaxAddressBytes &&
      net::parse_host_port(named)) {
    return named;
  }
  return dialled;
}

}  // namespace

struct ClientNode::State : std::enable_shared_from_this<State> {
  State(asio::io_context& context, ClientNodeOptions opts, EventHandler events,
        ReflexiveHandler reflexive)
      : io(context),
        options(std::move(opts)),
        on_event(std::move(events)),
        on_reflexive(std::move(reflexive)),
        keep_alive_timer(context),
        ack_timer(context),
        retry_timer(context),
        stun_timer(context),
        stun_socket(context),
        detach_timer(context) {
    if (options.user) {
      user = std::make_shared<UserSession>(context, *options.user, options.presence_lifetime,
                                           on_event);
    }
  }

  asio::io_context& io;
  ClientNodeOptions options;
  EventHandler on_event;
  ReflexiveHandler on_reflexive;
  HostCache cache;
  std::filesystem::path cache_file;

  std::vector<std::string> candidates;  // this round, best first
  std::size_t next_candidate = 0;
  std::uint64_t generation = 0;  // bumps on every new attempt: stale callbacks see an old one
  std::shared_ptr<net::TlsConnection> link;
  std::string current;  // address of the super node attached to, or being tried
  bool attached = false;
  Clock::time_point attach_sent;
  std::optional<Clock::time_point> lost_at;  // for the failover time

  asio::steady_timer keep_alive_timer;
  asio::steady_timer ack_timer;
  asio::steady_timer retry_timer;
  std::uint64_t keep_alive_sequence = 0;
  bool waiting_for_ack = false;

  asio::steady_timer stun_timer;
  udp::socket stun_socket;
  udp::endpoint stun_server;
  udp::endpoint stun_from;
  StunTransactionId stun_id{};
  std::array<std::uint8_t, 2048> stun_buffer{};
  int stun_attempts = 0;
  std::optional<udp::endpoint> super_node_udp;

  std::shared_ptr<UserSession> user;  // with a user only
  AttachedHandler on_attached_handler;
  DetachedHandler on_detached_handler;

  // stop(): stopped at once; finished once the offline record is out (or
  // given up on) and the Detach queued; on_stopped once that is written.
  bool stopped = false;
  bool finished = false;
  asio::steady_timer detach_timer;
  std::function<void()> on_stopped;

  void event(const std::string& line) {
    if (on_event) on_event(line);
  }

  void save_cache() {
    try {
      cache.save(cache_file);
    } catch (const std::exception& failure) {
      log::warn("overlay", std::string("cannot save the host cache: ") + failure.what());
    }
  }

  net::ConnectionLimits limits() const {
    net::ConnectionLimits limits;
    limits.max_frame_bytes = kMaxMessageBytes;
    limits.handshake_timeout = options.config.connect_timeout;
    limits.frame_timeout = std::chrono::milliseconds(5'000);
    limits.idle_timeout = std::chrono::milliseconds(0);  // keep-alives below judge liveness
    return limits;
  }

  void new_round() {
    candidates.clear();
    next_candidate = 0;
    const auto now = unix_now_s();
    for (const auto& address : options.bootstrap) cache.learn(address, std::nullopt, now);
    for (const auto& entry : cache.ranked(now)) candidates.push_back(entry.address);
  }

  void try_next() {
    if (stopped) return;
    if (next_candidate >= candidates.size()) {
      if (candidates.empty()) {
        event("no super node known: give --bootstrap or fill config/bootstrap.list");
        return;
      }
      event("no super node answered; trying again");
      retry_timer.expires_after(kRoundPause);
      retry_timer.async_wait([weak = std::weak_ptr<State>(shared_from_this())](
                                 const boost::system::error_code& error) {
        auto self = weak.lock();
        if (!self || error || self->stopped) return;
        self->new_round();
        self->try_next();
      });
      return;
    }
    current = candidates[next_candidate++];
    const auto target = net::parse_host_port(current);
    if (!target) {
      cache.record_failure(current);
      return try_next();
    }
    const auto* entry = cache.find(current);
    const auto expected = entry != nullptr ? entry->key : std::nullopt;
    const auto attempt = ++generation;
    connect_tofu(io, *target, expected, limits(), options.config.connect_timeout,
                 [weak = std::weak_ptr<State>(shared_from_this()), attempt](
                     std::shared_ptr<net::TlsConnection> connection, const std::string& error) {
                   auto self = weak.lock();
                   if (!self || self->stopped || attempt != self->generation) {
                     if (connection) connection->abort("no longer wanted");
                     return;
                   }
                   self->on_connected(std::move(connection), error);
                 });
  }

  void on_connected(std::shared_ptr<net::TlsConnection> connection, const std::string& error) {
    if (!connection) {
      log::info("overlay", "super node " + current + " not reached: " + error);
      event("cannot reach " + current + ": " + error);
      cache.record_failure(current);
      return try_next();
    }
    link = std::move(connection);
    const auto attempt = generation;
    std::weak_ptr<State> weak = shared_from_this();
    link->start(
        [weak, attempt](const std::vector<std::uint8_t>& bytes) {
          auto self = weak.lock();
          if (self && attempt == self->generation) self->on_message(bytes);
        },
        [weak, attempt](const std::string& reason) {
          auto self = weak.lock();
          if (self && attempt == self->generation) self->on_lost(reason);
        });
    link->send(encode(make_hello()));
    OverlayMessage attach;
    attach.mutable_attach()->set_node_name(options.node_name);
    if (user) user->fill_attach(*attach.mutable_attach(), link->channel_binding());
    link->send(encode(attach));
    attach_sent = Clock::now();
  }

  void on_message(const std::vector<std::uint8_t>& bytes) {
    auto decoded = decode(bytes);
    if (!decoded.message) {
      link->abort("bad message from super node: " + decoded.error);
      return;
    }
    const auto& message = *decoded.message;
    if (stopped) {
      // Only the confirmation of the offline record still matters.
      if (user && message.body_case() == OverlayMessage::kPublishResult) user->handle(message);
      return;
    }
    switch (message.body_case()) {
      case OverlayMessage::kHello:
        if (auto problem = hello_problem(message); !problem.empty()) link->abort(problem);
        return;
      case OverlayMessage::kAttachOk: return on_attached(message.attach_ok());
      case OverlayMessage::kAttachRefused:
        link->close("refused: " + log::sanitize(message.attach_refused().reason(), 64));
        return;
      case OverlayMessage::kKeepAliveAck:
        if (message.keep_alive_ack().sequence() == keep_alive_sequence) {
          waiting_for_ack = false;
          ack_timer.cancel();
        }
        return;
      case OverlayMessage::kListResponse: return on_list(message.list_response());
      case OverlayMessage::kDetach:
        link->close("super node detached us: " + log::sanitize(message.detach().reason(), 64));
        return;
      default:
        if (user && attached) user->handle(message);
        return;
    }
  }

  void on_attached(const AttachOk& ok) {
    if (attached) return;
    if (user) {
      if (auto problem = user->attach_problem(ok); !problem.empty()) {
        link->abort(problem);
        return;
      }
    }
    attached = true;
    const auto rtt_ms = static_cast<std::uint32_t>(ms_since(attach_sent));
    cache.record_success(current, *link->peer_key(), rtt_ms, unix_now_s());
    save_cache();
    event("attached to " + current + " rtt_ms=" + std::to_string(rtt_ms) + " observed " +
          log::sanitize(ok.observed_address(), 64));
    if (lost_at) {
      event("failover to " + current + " took " + std::to_string(ms_since(*lost_at)) + " ms");
      lost_at.reset();
    }
    request_list();
    schedule_keep_alive();
    super_node_udp.reset();
    if (ok.stun_port() != 0 && ok.stun_port() <= 65535) {
      stun_server = udp::endpoint(link->remote_endpoint().address(),
                                  static_cast<std::uint16_t>(ok.stun_port()));
      super_node_udp = stun_server;
      start_stun();
    }
    if (user) {
      user->attached(advertised_address(ok, current), link->peer_key(),
                     [weak = std::weak_ptr<State>(shared_from_this()),
                      attempt = generation](const OverlayMessage& message) {
                       auto self = weak.lock();
                       if (self && attempt == self->generation && self->link) {
                         self->link->send(encode(message));
                       }
                     });
    }
    if (on_attached_handler) on_attached_handler(current);
  }

  void request_list() {
    OverlayMessage request;
    request.mutable_list_request()->set_max_entries(kMaxListEntries);
    link->send(encode(request));
  }

  void on_list(const SuperNodeListResponse& list) {
    const auto before = cache.size();
    const auto now = unix_now_s();
    for (const auto& entry : list.super_nodes()) {
      if (!net::parse_host_port(entry.host_port())) continue;
      cache.learn(entry.host_port(), key_from(entry.key()), now);
    }
    if (cache.size() != before) {
      save_cache();
      event("host cache " + std::to_string(cache.size()) + " super nodes");
    }
  }

  void schedule_keep_alive() {
    keep_alive_timer.expires_after(options.config.keep_alive_interval);
    keep_alive_timer.async_wait([weak = std::weak_ptr<State>(shared_from_this()),
                                 attempt = generation](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (!self || error || attempt != self->generation || self->stopped) return;
      self->send_keep_alive();
    });
  }

  void send_keep_alive() {
    if (waiting_for_ack) {
      // The outstanding keep-alive's deadline stands: re-arming it on every
      // interval would never let a hung super node time out.
      schedule_keep_alive();
      return;
    }
    OverlayMessage alive;
    alive.mutable_keep_alive()->set_sequence(++keep_alive_sequence);
    link->send(encode(alive));
    request_list();  // the super node's list grows as it peers: keep learning
    waiting_for_ack = true;
    ack_timer.expires_after(options.config.keep_alive_timeout);
    ack_timer.async_wait([weak = std::weak_ptr<State>(shared_from_this()),
                          attempt = generation](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (!self || error || attempt != self->generation || !self->waiting_for_ack) return;
      self->link->abort("no keep-alive answer within " +
                        std::to_string(self->options.config.keep_alive_timeout.count()) + " ms");
    });
    schedule_keep_alive();
  }

  void on_lost(const std::string& reason) {
    if (stopped) {
      // The link closed while stopping: after the Detach (done), or before
      // the offline record was confirmed (nothing more to wait for).
      ++generation;
      link.reset();
      if (finished) return notify_stopped();
      if (user) user->detached(reason);
      return finish_stop();
    }
    ++generation;  // everything tied to the old link goes quiet
    keep_alive_timer.cancel();
    ack_timer.cancel();
    waiting_for_ack = false;
    const bool was_attached = attached;
    attached = false;
    link.reset();
    super_node_udp.reset();
    cache.record_failure(current);
    save_cache();
    if (was_attached) {
      lost_at = Clock::now();
      event("lost super node " + current + ": " + reason);
      if (user) user->detached(reason);
      if (on_detached_handler) on_detached_handler(reason);
      if (stopped) return;  // the handler stopped the node
    } else {
      event("attach to " + current + " failed: " + reason);
    }
    // After losing an attached super node, rank afresh: it now has a failure
    // and goes after the others. An attach that failed continues the round.
    if (lost_at) new_round();
    try_next();
  }

  void start_stun() {
    boost::system::error_code error;
    if (stun_socket.is_open()) stun_socket.close(error);
    stun_socket.open(stun_server.protocol(), error);
    if (!error) stun_socket.bind(udp::endpoint(stun_server.protocol(), 0), error);
    if (error) {
      log::warn("overlay", "cannot open a UDP socket for STUN: " + error.message());
      return;
    }
    RAND_bytes(stun_id.data(), static_cast<int>(stun_id.size()));
    stun_attempts = 0;
    send_stun();
    receive_stun();
  }

  void send_stun() {
    if (++stun_attempts > kStunAttempts) {
      event("no STUN answer from " + endpoint_text(stun_server));
      return;
    }
    boost::system::error_code ignored;
    stun_socket.send_to(asio::buffer(make_binding_request(stun_id)), stun_server, 0, ignored);
    stun_timer.expires_after(kStunRetry);
    stun_timer.async_wait(
        [weak = std::weak_ptr<State>(shared_from_this())](const boost::system::error_code& error) {
          if (auto self = weak.lock(); self && !error) self->send_stun();
        });
  }

  void receive_stun() {
    stun_socket.async_receive_from(
        asio::buffer(stun_buffer), stun_from,
        [weak = std::weak_ptr<State>(shared_from_this())](const boost::system::error_code& error,
                                                          std::size_t bytes) {
          auto self = weak.lock();
          if (!self || error) return;
          // Only the super node's answer counts: anyone can send datagrams.
          std::optional<udp::endpoint> mapped;
          if (self->stun_from == self->stun_server) {
            mapped =
                read_binding_success(std::span(self->stun_buffer.data(), bytes), self->stun_id);
          }
          if (!mapped) return self->receive_stun();
          self->stun_timer.cancel();
          boost::system::error_code ignored;
          const auto local = self->stun_socket.local_endpoint(ignored);
          self->event("reflexive address " + endpoint_text(*mapped) + " (local " +
                      endpoint_text(local) + ", via STUN " + endpoint_text(self->stun_server) +
                      ")");
          if (self->on_reflexive) self->on_reflexive(*mapped, local);
        });
  }

  void finish_stop() {
    if (finished) return;
    finished = true;
    if (user) user->shut_down();
    if (!link) {
      asio::post(io, [weak = std::weak_ptr<State>(shared_from_this())] {
        if (auto self = weak.lock()) self->notify_stopped();
      });
      return;
    }
    OverlayMessage detach;
    detach.mutable_detach()->set_reason("client stopping");
    link->send(encode(detach));
    link->close("client stopping");  // the close handler says when it is written
    detach_timer.expires_after(kDetachWait);
    detach_timer.async_wait(
        [weak = std::weak_ptr<State>(shared_from_this())](const boost::system::error_code& error) {
          if (auto self = weak.lock(); self && !error) self->notify_stopped();
        });
  }

  void notify_stopped() {
    detach_timer.cancel();
    auto done = std::move(on_stopped);
    on_stopped = nullptr;
    if (done) done();
  }
};

ClientNode::ClientNode(asio::io_context& io, ClientNodeOptions options, EventHandler on_event,
                       ReflexiveHandler on_reflexive)
    : state_(std::make_shared<State>(io, std::move(options), std::move(on_event),
                                     std::move(on_reflexive))) {
  state_->cache_file = state_->options.data_dir / "host_cache.json";
  if (state_->user) {
    state_->user->on_link_unusable([weak = std::weak_ptr<State>(state_)](const std::string& why) {
      auto self = weak.lock();
      if (self && self->link && self->attached && !self->stopped) {
        self->link->abort("super node no use: " + why);
      }
    });
  }
}

ClientNode::~ClientNode() {
  stop();
  // No one will run the loop for this node again: the offline record (if
  // any) and the Detach are queued now, in that order, without waiting.
  state_->on_stopped = nullptr;
  state_->finish_stop();
}

void ClientNode::start() {
  auto& state = *state_;
  state.cache = HostCache::load(state.cache_file);
  state.event("host cache " + std::to_string(state.cache.size()) + " super nodes at start (" +
              state.cache_file.string() + ")");
  state.new_round();
  state.try_next();
}

void ClientNode::stop() {
  auto& state = *state_;
  if (state.stopped) return;
  state.stopped = true;
  state.keep_alive_timer.cancel();
  state.ack_timer.cancel();
  state.waiting_for_ack = false;
  state.retry_timer.cancel();
  state.stun_timer.cancel();
  boost::system::error_code ignored;
  state.stun_socket.close(ignored);
  if (state.user && state.link && state.attached) {
    // Buddies should see "offline" now, not when the record expires.
    state.user->go_offline([weak = std::weak_ptr<State>(state_)] {
      if (auto self = weak.lock()) self->finish_stop();
    });
    return;
  }
  state.finish_stop();
}

void ClientNode::on_stopped(std::function<void()> handler) {
  state_->on_stopped = std::move(handler);
}

bool ClientNode::attached() const {
  return state_->attached && !state_->stopped;
}

std::string ClientNode::super_node() const {
  return attached() ? state_->current : std::string{};
}

std::optional<identity::PublicKey> ClientNode::super_node_key() const {
  if (!attached() || !state_->link) return std::nullopt;
  return state_->link->peer_key();
}

std::optional<udp::endpoint> ClientNode::super_node_udp() const {
  return attached() ? state_->super_node_udp : std::nullopt;
}

void ClientNode::on_attached(AttachedHandler handler) {
  state_->on_attached_handler = std::move(handler);
}

void ClientNode::on_detached(DetachedHandler handler) {
  state_->on_detached_handler = std::move(handler);
}

void ClientNode::set_status(directory::Status status) {
  if (state_->user) state_->user->set_status(status);
}

directory::Status ClientNode::status() const {
  return state_->user ? state_->user->status() : directory::Status::online;
}

void ClientNode::set_media_addresses(std::vector<std::string> host_ports) {
  if (state_->user) state_->user->set_media_addresses(std::move(host_ports));
}

void ClientNode::set_certificate(std::vector<std::uint8_t> certificate) {
  if (state_->user) state_->user->set_certificate(std::move(certificate));
}

void ClientNode::on_published(PublishHandler handler) {
  if (state_->user) state_->user->on_published(std::move(handler));
}

void ClientNode::search(const std::string& query, bool prefix, std::chrono::milliseconds timeout,
                        SearchHandler done) {
  if (!state_->user || state_->stopped) {
    const std::string error =
        state_->stopped ? "the node is stopping" : "an anonymous node cannot search: give a user";
    asio::post(state_->io, [done = std::move(done), error] { done({}, error); });
    return;
  }
  state_->user->search(query, prefix, timeout, std::move(done));
}

void ClientNode::subscribe(std::vector<std::string> user_ids) {
  if (state_->user) state_->user->subscribe(std::move(user_ids));
}

void ClientNode::on_presence(PresenceHandler handler) {
  if (state_->user) state_->user->on_presence(std::move(handler));
}

bool ClientNode::send_call_route(const CallRoute& route) {
  return state_->user && attached() && state_->user->send_call_route(route);
}

void ClientNode::on_call_route(std::function<void(const CallRoute&)> handler) {
  if (state_->user) state_->user->on_call_route(std::move(handler));
}

void ClientNode::on_call_route_failed(std::function<void(const CallRouteFailed&)> handler) {
  if (state_->user) state_->user->on_call_route_failed(std::move(handler));
}

void ClientNode::on_relay_offer(std::function<void(const RelayOffer&)> handler) {
  if (state_->user) state_->user->on_relay_offer(std::move(handler));
}

}  // namespace parley::overlay
