#include "dht_node.hpp"

#include <arpa/inet.h>

#include <opendht/log_enable.h>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <future>
#include <string>
#include <utility>

#include "current_record.hpp"
#include "endpoint.hpp"
#include "prefix_index.hpp"
#include "record_envelope.hpp"

namespace parley::opendht_directory {
namespace {

using sdk::Error;
using namespace std::chrono_literals;

// Nodes only talk to nodes with the same network id: Parley's directory stays
// apart from the public OpenDHT network (id 0) even if pointed at one of its nodes.
constexpr dht::NetId kNetworkId = 0x50524c59;  // "PRLY"
// A registered type: its own lifetime (kMaxTtl, see there) and policies.
constexpr dht::ValueType::Id kValueTypeId = 0x7061;
// How long publish waits for the network to confirm the record.
constexpr auto kPublishWait = 10s;
// How long stop waits for a graceful leave before joining the threads anyway.
constexpr auto kShutdownWait = 2s;

// Set while a listen visitor runs on the engine's thread: a call that waits for
// that thread would wait for itself.
thread_local bool tls_in_listen_visit = false;

void refuse_on_engine_thread(const char* call) {
  if (tls_in_listen_visit) {
    throw Error(PARLEY_ERR_UNSUPPORTED,
                std::string(call) + " from a listen visitor would wait for its own thread");
  }
}

std::uint64_t now_unix_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::optional<EnvelopeView> envelope_of(const dht::Value& value) {
  return decode_envelope(std::span<const std::uint8_t>(value.data));
}

// A stored value must be an envelope filed under a topic its own key produces:
// junk of this type under an unrelated hash is refused by every storage node.
bool filed_under_own_topic(const dht::InfoHash& topic, std::string_view key) {
  if (dht::InfoHash::get(record_topic(key)) == topic) return true;
  for (const auto& prefix : index_prefixes(key)) {
    if (dht::InfoHash::get(prefix_topic(prefix)) == topic) return true;
  }
  return false;
}

bool store_policy(dht::InfoHash topic, std::shared_ptr<dht::Value>& value, const dht::InfoHash&,
                  const dht::SockAddr&) {
  const auto envelope = envelope_of(*value);
  return envelope && filed_under_own_topic(topic, envelope->key);
}

// Index entries keep one value id per key, so a newer publish replaces the
// entry in place; an older one arriving late is refused.
bool edit_policy(dht::InfoHash topic, const std::shared_ptr<dht::Value>& stored,
                 std::shared_ptr<dht::Value>& incoming, const dht::InfoHash& from,
                 const dht::SockAddr& address) {
  const auto old_envelope = envelope_of(*stored);
  const auto new_envelope = envelope_of(*incoming);
  if (!new_envelope || !store_policy(topic, incoming, from, address)) return false;
  return !old_envelope ||
         (old_envelope->key == new_envelope->key && supersedes(*new_envelope, *old_envelope));
}

const dht::ValueType& value_type() {
  static const dht::ValueType type(kValueTypeId, "parley-directory-record", kMaxTtl, store_policy,
                                   edit_policy);
  return type;
}

dht::Value::Id index_value_id(std::string_view key) {
  const auto hash = dht::InfoHash::get(index_entry_topic(key));
  dht::Value::Id id = 0;
  for (std::size_t i = 0; i < sizeof id; ++i) id = (id << 8) | hash[i];
  return id == dht::Value::INVALID_ID ? 1 : id;
}

dht::SockAddr to_sockaddr(const Endpoint& endpoint) {
  if (endpoint.family == HostFamily::ipv6) {
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_port = htons(endpoint.port);
    inet_pton(AF_INET6, endpoint.host.c_str(), &address.sin6_addr);
    return {reinterpret_cast<const sockaddr*>(&address), sizeof address};
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(endpoint.port);
  inet_pton(AF_INET, endpoint.host.c_str(), &address.sin_addr);
  return {reinterpret_cast<const sockaddr*>(&address), sizeof address};
}

// OpenDHT's errors reach the host log at debug level: they include routine
// events (a search for the address family this node does not bind), and
// what the operator must see (a port in use) the node reports itself.
// Its warnings and debug lines describe ordinary protocol traffic and are dropped.
std::shared_ptr<dht::Logger> engine_logger() {
  dht::LogMethod errors([](char const* format, va_list arguments) {
    char line[512];
    std::vsnprintf(line, sizeof line, format, arguments);
    sdk::log(PARLEY_LOG_DEBUG, std::string("opendht: ") + line);
  });
  return std::make_shared<dht::Logger>(std::move(errors), dht::LogMethod{}, dht::LogMethod{});
}

}  // namespace

class DhtNode::Listener {
 public:
  Listener(std::string key, sdk::ChangeVisitor visit)
      : key_(std::move(key)), visit_(std::move(visit)) {}

  // Returns false once deactivated, which also ends the engine's listen.
  bool deliver(const std::vector<std::shared_ptr<dht::Value>>& values, bool expired) {
    const std::lock_guard lock(mutex_);
    if (!active_) return false;
    for (const auto& value : values) {
      const auto envelope = envelope_of(*value);
      if (!envelope || envelope->key != key_) continue;
      const auto change = expired ? current_.on_expiry(value->id)
                                  : current_.on_arrival(value->id, *envelope, now_unix_ms());
      if (change) report(*change);
    }
    return true;
  }

  // Waits for a running visit to end (unless called from it: the mutex is recursive).
  void deactivate() {
    const std::lock_guard lock(mutex_);
    active_ = false;
  }

 private:
  void report(const CurrentRecord::Change& change) {
    tls_in_listen_visit = true;
    try {
      visit_({key_, change.record, change.expired});
    } catch (const std::exception& error) {
      sdk::log(PARLEY_LOG_WARN, std::string("listen visitor failed: ") + error.what());
    } catch (...) {
      sdk::log(PARLEY_LOG_WARN, "listen visitor failed");
    }
    tls_in_listen_visit = false;
  }

  std::recursive_mutex mutex_;
  bool active_ = true;
  std::string key_;
  sdk::ChangeVisitor visit_;
  CurrentRecord current_;
};

DhtNode::DhtNode(const sdk::DirectoryConfig& config) : value_ids_(std::random_device{}()) {
  Endpoint listen_at;
  std::vector<Endpoint> bootstrap;
  try {
    listen_at = parse_listen_endpoint(config.listen);
    bootstrap = parse_bootstrap_list(config.bootstrap);
  } catch (const AddressError& error) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, error.what());
  }

  dht::DhtRunner::Config engine;
  engine.threaded = true;
  engine.peer_discovery = false;  // no multicast: peers come from bootstrap only
  engine.peer_publish = false;
  auto& node = engine.dht_config.node_config;
  node.network = kNetworkId;
  // Every peer on loopback shares one address, so OpenDHT's per-address rate
  // limit would throttle a whole test network as if it were one abusive peer.
  if (is_loopback(listen_at)) node.max_peer_req_per_sec = -1;
  if (!config.state_dir.empty()) {
    const std::filesystem::path state_dir(config.state_dir);
    std::error_code error;
    std::filesystem::create_directories(state_dir, error);
    if (error) {
      throw Error(PARLEY_ERR_IO,
                  "cannot create state_dir " + state_dir.string() + ": " + error.message());
    }
    // Known nodes and stored values survive a restart.
    node.persist_path = (state_dir / "opendht-state.msgpack").string();
  }
  (listen_at.family == HostFamily::ipv6 ? engine.bind6 : engine.bind4) = to_sockaddr(listen_at);
  family_ = listen_at.family == HostFamily::ipv6 ? AF_INET6 : AF_INET;

  dht::DhtRunner::Context context;
  context.logger = engine_logger();
  try {
    runner_.run(engine, std::move(context));
  } catch (const std::exception& error) {
    throw Error(PARLEY_ERR_IO, "cannot bind " + to_string(listen_at) + ": " + error.what());
  }
  runner_.registerType(value_type());
  for (const auto& peer : bootstrap) runner_.bootstrap(peer.host, std::to_string(peer.port));
}

DhtNode::~DhtNode() {
  std::map<std::uint64_t, Subscription> subscriptions;
  {
    const std::lock_guard lock(mutex_);
    subscriptions.swap(subscriptions_);
  }
  for (auto& entry : subscriptions) entry.second.listener->deactivate();

  auto left = std::make_shared<std::promise<void>>();
  auto left_future = left->get_future();
  runner_.shutdown([left] {
    try {
      left->set_value();
    } catch (const std::future_error&) {  // told twice
    }
  });
  left_future.wait_for(kShutdownWait);
  runner_.join();  // no engine callback runs after this
}

std::uint64_t DhtNode::next_publish_unix_ms() {
  const std::lock_guard lock(mutex_);
  // Strictly increasing, so two publishes within a millisecond still order.
  last_publish_unix_ms_ = std::max(now_unix_ms(), last_publish_unix_ms_ + 1);
  return last_publish_unix_ms_;
}

dht::Value::Id DhtNode::fresh_value_id() {
  const std::lock_guard lock(mutex_);
  dht::Value::Id id = dht::Value::INVALID_ID;
  while (id == dht::Value::INVALID_ID) id = value_ids_();
  return id;
}

void DhtNode::publish(std::string_view key, std::span<const std::uint8_t> record,
                      std::chrono::seconds ttl) {
  refuse_on_engine_thread("publish");
  if (ttl > kMaxTtl) {
    throw Error(PARLEY_ERR_LIMIT, "ttl " + std::to_string(ttl.count()) + " s is over the " +
                                      std::to_string(kMaxTtl.count()) + " s limit");
  }
  const auto published = next_publish_unix_ms();
  const auto expires =
      published + static_cast<std::uint64_t>(std::chrono::milliseconds(ttl).count());
  const auto blob = encode_envelope({published, expires, key, record});
  const auto created = dht::clock::now() - (kMaxTtl - ttl);
  const auto prefixes = index_prefixes(key);

  struct Progress {
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t pending = 0;
    bool record_answered = false;
    bool record_stored = false;
    std::size_t index_failures = 0;
  };
  auto progress = std::make_shared<Progress>();
  progress->pending = 1 + prefixes.size();

  // Every publish is a new value id: OpenDHT listeners never report an edit
  // of a value they already hold (CurrentRecord orders the versions).
  runner_.put(dht::InfoHash::get(record_topic(key)),
              std::make_shared<dht::Value>(kValueTypeId, blob, fresh_value_id()),
              dht::DoneCallbackSimple([progress](bool stored) {
                const std::lock_guard lock(progress->mutex);
                progress->record_answered = true;
                progress->record_stored = stored;
                --progress->pending;
                progress->changed.notify_all();
              }),
              created, false);
  const auto entry_id = index_value_id(key);
  for (const auto& prefix : prefixes) {
    runner_.put(dht::InfoHash::get(prefix_topic(prefix)),
                std::make_shared<dht::Value>(kValueTypeId, blob, entry_id),
                dht::DoneCallbackSimple([progress](bool stored) {
                  const std::lock_guard lock(progress->mutex);
                  if (!stored) ++progress->index_failures;
                  --progress->pending;
                  progress->changed.notify_all();
                }),
                created, false);
  }

  std::unique_lock lock(progress->mutex);
  progress->changed.wait_for(lock, kPublishWait, [&] { return progress->pending == 0; });
  if (!progress->record_answered) {
    throw Error(PARLEY_ERR_TIMEOUT, "no directory node confirmed the record in time");
  }
  if (!progress->record_stored) throw Error(PARLEY_ERR_IO, "no directory node took the record");
  if (progress->pending != 0 || progress->index_failures != 0) {
    sdk::log(PARLEY_LOG_DEBUG, "prefix index of a record only partly stored");
  }
}

std::vector<std::shared_ptr<dht::Value>> DhtNode::collect(const dht::InfoHash& topic,
                                                          std::chrono::milliseconds timeout,
                                                          bool& complete) {
  struct Search {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::shared_ptr<dht::Value>> values;
    bool done = false;
    bool abandoned = false;
  };
  auto search = std::make_shared<Search>();
  runner_.get(topic,
              dht::GetCallback([search](const std::vector<std::shared_ptr<dht::Value>>& values) {
                const std::lock_guard lock(search->mutex);
                if (search->abandoned) return false;  // ends the engine's search
                search->values.insert(search->values.end(), values.begin(), values.end());
                return true;
              }),
              dht::DoneCallbackSimple([search](bool) {
                const std::lock_guard lock(search->mutex);
                search->done = true;
                search->changed.notify_all();
              }),
              dht::Value::TypeFilter(kValueTypeId));

  std::unique_lock lock(search->mutex);
  search->changed.wait_for(lock, timeout, [&] { return search->done; });
  complete = search->done;
  search->abandoned = true;
  return std::move(search->values);
}

void DhtNode::lookup(std::string_view key, std::chrono::milliseconds timeout,
                     const sdk::RecordVisitor& visit) {
  refuse_on_engine_thread("lookup");
  bool complete = false;
  const auto values = collect(dht::InfoHash::get(record_topic(key)), timeout, complete);
  std::vector<EnvelopeView> versions;
  for (const auto& value : values) {
    if (auto envelope = envelope_of(*value); envelope && envelope->key == key) {
      versions.push_back(*envelope);
    }
  }
  for (const auto& current : newest_per_key(versions, now_unix_ms())) {
    if (!visit({current.key, current.record})) break;
  }
  if (!complete) throw Error(PARLEY_ERR_TIMEOUT, "lookup deadline passed");
}

void DhtNode::lookup_prefix(std::string_view prefix, std::chrono::milliseconds timeout,
                            const sdk::RecordVisitor& visit) {
  refuse_on_engine_thread("lookup_prefix");
  const auto index_prefix = index_prefix_for_search(prefix);
  if (!index_prefix) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT,
                "prefix shorter than " + std::to_string(kMinPrefixChars) + " characters");
  }
  bool complete = false;
  const auto values = collect(dht::InfoHash::get(prefix_topic(*index_prefix)), timeout, complete);
  std::vector<EnvelopeView> versions;
  for (const auto& value : values) {
    if (auto envelope = envelope_of(*value); envelope && matches_prefix(envelope->key, prefix)) {
      versions.push_back(*envelope);
    }
  }
  for (const auto& current : newest_per_key(versions, now_unix_ms())) {
    if (!visit({current.key, current.record})) break;
  }
  if (!complete) throw Error(PARLEY_ERR_TIMEOUT, "prefix lookup deadline passed");
}

std::uint64_t DhtNode::listen(std::string_view key, sdk::ChangeVisitor visit) {
  auto listener = std::make_shared<Listener>(std::string(key), std::move(visit));
  const auto topic = dht::InfoHash::get(record_topic(key));
  auto dht_token =
      runner_
          .listen(topic,
                  dht::ValueCallback(
                      [listener](const std::vector<std::shared_ptr<dht::Value>>& values,
                                 bool expired) { return listener->deliver(values, expired); }),
                  dht::Value::TypeFilter(kValueTypeId))
          .share();
  // A listen reports what the storing nodes hold once it reaches them, which
  // may be after a short-lived record has gone; a get of the same key makes
  // "first the one already there" (directory.h) hold. Both feed one listener,
  // which reports each value id once and only a newer record.
  runner_.get(topic,
              dht::GetCallback([listener](const std::vector<std::shared_ptr<dht::Value>>& values) {
                return listener->deliver(values, false);
              }),
              dht::DoneCallbackSimple([](bool) {}), dht::Value::TypeFilter(kValueTypeId));
  const std::lock_guard lock(mutex_);
  const auto token = next_token_++;
  subscriptions_.emplace(token, Subscription{topic, std::move(dht_token), std::move(listener)});
  return token;
}

void DhtNode::unlisten(std::uint64_t token) {
  Subscription subscription;
  {
    const std::lock_guard lock(mutex_);
    const auto found = subscriptions_.find(token);
    if (found == subscriptions_.end()) return;
    subscription = std::move(found->second);
    subscriptions_.erase(found);
  }
  // Outside mutex_: a running visit may itself call into this node.
  subscription.listener->deactivate();
  runner_.cancelListen(subscription.topic, subscription.dht_token);
}

std::uint16_t DhtNode::bound_port() const {
  return runner_.getBoundPort(family_);
}

void DhtNode::bootstrap(std::string_view address) {
  std::vector<Endpoint> parsed;
  try {
    parsed = parse_bootstrap_list(address);
  } catch (const AddressError& error) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, error.what());
  }
  if (parsed.size() != 1 || parsed.front().family == HostFamily::name) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT,
                "bootstrap needs one numeric host:port, got \"" + std::string(address) + "\"");
  }
  runner_.bootstrap(parsed.front().host, std::to_string(parsed.front().port));
}

std::uint32_t DhtNode::peer_count() const {
  refuse_on_engine_thread("peer_count");
  return runner_.getNodesStats(AF_INET).good_nodes + runner_.getNodesStats(AF_INET6).good_nodes;
}

}  // namespace parley::opendht_directory
