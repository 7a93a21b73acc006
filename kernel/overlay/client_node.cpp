#include "overlay/client_node.hpp"

#include <openssl/rand.h>

#include <boost/asio/steady_timer.hpp>

#include "log/log.hpp"
#include "net/tls_client.hpp"
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
  return identity::PublicKey::from_bytes(
      std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

constexpr int kStunAttempts = 4;
constexpr std::chrono::milliseconds kStunRetry{500};
// After every candidate failed, wait this long before the next round.
constexpr std::chrono::milliseconds kRoundPause{1'000};

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
        stun_socket(context) {}

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
  bool stopped = false;

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
      default: return;
    }
  }

  void on_attached(const AttachOk& ok) {
    if (attached) return;
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
    if (ok.stun_port() != 0 && ok.stun_port() <= 65535) {
      stun_server = udp::endpoint(link->remote_endpoint().address(),
                                  static_cast<std::uint16_t>(ok.stun_port()));
      start_stun();
    }
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
    if (stopped) return;
    ++generation;  // everything tied to the old link goes quiet
    keep_alive_timer.cancel();
    ack_timer.cancel();
    waiting_for_ack = false;
    if (attached) {
      lost_at = Clock::now();
      event("lost super node " + current + ": " + reason);
    } else {
      event("attach to " + current + " failed: " + reason);
    }
    cache.record_failure(current);
    save_cache();
    attached = false;
    link.reset();
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
};

ClientNode::ClientNode(asio::io_context& io, ClientNodeOptions options, EventHandler on_event,
                       ReflexiveHandler on_reflexive)
    : state_(std::make_shared<State>(io, std::move(options), std::move(on_event),
                                     std::move(on_reflexive))) {
  state_->cache_file = state_->options.data_dir / "host_cache.json";
}

ClientNode::~ClientNode() {
  stop();
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
  ++state.generation;
  state.keep_alive_timer.cancel();
  state.ack_timer.cancel();
  state.retry_timer.cancel();
  state.stun_timer.cancel();
  boost::system::error_code ignored;
  state.stun_socket.close(ignored);
  if (state.link) {
    OverlayMessage detach;
    detach.mutable_detach()->set_reason("client stopping");
    state.link->send(encode(detach));
    state.link->close("client stopping");
  }
}

}  // namespace parley::overlay
