#include "overlay/directory_service.hpp"

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "identity/user_id.hpp"
#include "net/numeric_endpoint.hpp"
#include "net/tls_client.hpp"

namespace parley::overlay {
namespace {

constexpr std::string_view kBusy = "busy";

// Counters and the "still there" flag, shared with handlers that may outlive
// the service (posted completions, subscriptions kept after it).
struct Shared {
  std::atomic<bool> alive{true};
  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint64_t> publish_failures{0};
  std::atomic<std::uint64_t> lookups{0};
  std::atomic<std::uint64_t> records_rejected{0};
  std::atomic<std::uint64_t> refused_busy{0};
  std::atomic<std::uint64_t> notices{0};
  std::atomic<std::uint64_t> bootstraps{0};
  std::atomic<std::size_t> subscriptions{0};
};

// A directory hands back what any node stored: only records that verify, and
// of several for one user (an older copy still cached) the newest.
void keep_if_verified(std::vector<std::uint8_t> record, std::string_view user_id,
                      const identity::PublicKey& login_server_key, Shared& shared,
                      std::map<std::string, VerifiedPresence>& newest) {
  auto check =
      directory::verify_presence(record, login_server_key, identity::Clock::now(), user_id);
  if (!check.ok()) {
    ++shared.records_rejected;
    return;
  }
  auto& presence = *check.presence;
  auto [at, inserted] = newest.try_emplace(presence.user_id);
  if (inserted || presence.sequence > at->second.presence.sequence) {
    at->second = VerifiedPresence{std::move(record), std::move(presence)};
  }
}

std::vector<VerifiedPresence> values_of(std::map<std::string, VerifiedPresence>& newest,
                                        std::size_t max_results) {
  std::vector<VerifiedPresence> out;
  for (auto& [user, found] : newest) {
    if (out.size() == max_results) break;
    out.push_back(std::move(found));
  }
  return out;
}

}  // namespace

struct DirectoryService::Impl {
  boost::asio::io_context& io;
  DirectoryServiceOptions options;
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  std::optional<plugin::DirectoryNode> node;
  std::string address;      // listen_address()
  bool port_known = false;  // advertisable()

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> jobs;  // run on the worker, in order
  bool stopping = false;
  std::thread worker;

  Impl(boost::asio::io_context& context, DirectoryServiceOptions opts)
      : io(context), options(std::move(opts)) {}

  void run_jobs() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stopping || !jobs.empty(); });
        if (stopping) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      job();
    }
  }

  // False when the queue is full (or the service is going).
  bool enqueue(std::function<void()> job) {
    {
      const std::lock_guard lock(mutex);
      if (stopping || jobs.size() >= options.max_queued) return false;
      jobs.push_back(std::move(job));
    }
    wake.notify_one();
    return true;
  }

  // Runs handler on the io_context unless the service has gone by then.
  template <typename Handler>
  void complete(Handler handler) {
    boost::asio::post(io, [shared = shared, handler = std::move(handler)]() mutable {
      if (shared->alive) handler();
    });
  }

  void refuse_busy(const std::shared_ptr<const LookupDone>& reply) {
    ++shared->refused_busy;
    complete([reply] { (*reply)({}, std::string(kBusy)); });
  }
};

// What the plugin's listen callback and the posted notices share; it holds
// no DirectorySubscription, so the plugin thread never owns (and so never
// destroys) its own subscription.
struct Channel {
  Channel(boost::asio::io_context& context, std::shared_ptr<Shared> counters,
          const identity::PublicKey& server_key, std::string user,
          DirectoryService::ChangeHandler on_change)
      : io(context),
        shared(std::move(counters)),
        login_server_key(server_key),
        user_id(std::move(user)),
        handler(std::move(on_change)) {}

  boost::asio::io_context& io;
  std::shared_ptr<Shared> shared;
  identity::PublicKey login_server_key;
  std::string user_id;
  DirectoryService::ChangeHandler handler;
  std::atomic<bool> active{true};
  // The highest sequence delivered since the last expiry; the plugin thread's
  // alone (one subscription's callbacks never overlap).
  std::optional<std::uint64_t> newest_sequence;
};

struct DirectoryService::Subscription::State {
  std::shared_ptr<Channel> channel;
  std::optional<plugin::DirectorySubscription> subscription;

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    // The flag stops notices already posted (checked on the io thread); the
    // unlisten returns once a running callback has finished.
    channel->active = false;
    subscription.reset();
    --channel->shared->subscriptions;
  }
};

DirectoryService::Subscription::~Subscription() = default;

DirectoryService::DirectoryService(boost::asio::io_context& io,
                                   const plugin::DirectoryPlugin& plugin,
                                   DirectoryServiceOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {
  impl_->node.emplace(plugin.start(impl_->options.node));
  // The bound port never changes: the address is worked out once.
  impl_->address = impl_->options.node.listen;
  const auto configured =
      net::parse_numeric_endpoint<boost::asio::ip::udp::endpoint>(impl_->options.node.listen);
  if (configured && configured->port() == 0) {
    const auto bound = impl_->node->bound_port();
    impl_->address = net::HostPort{configured->address().to_string(), bound}.to_string();
    impl_->port_known = bound != 0;
  } else {
    impl_->port_known = configured.has_value();
  }
  impl_->worker = std::thread([impl = impl_.get()] { impl->run_jobs(); });
}

DirectoryService::~DirectoryService() {
  impl_->shared->alive = false;  // completions already posted do nothing
  {
    const std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    impl_->jobs.clear();
  }
  impl_->wake.notify_one();
  // A running job finishes first (at most its lookup timeout).
  if (impl_->worker.joinable()) impl_->worker.join();
  impl_->node.reset();
}

std::string DirectoryService::listen_address() const {
  return impl_->address;
}

bool DirectoryService::advertisable() const {
  return impl_->port_known;
}

void DirectoryService::bootstrap(const std::string& address) {
  auto* impl = impl_.get();
  impl->enqueue([impl, address] {
    try {
      if (impl->node->bootstrap(address)) ++impl->shared->bootstraps;
    } catch (const std::exception&) {
      // A malformed address from a peer: nothing to join through.
    }
  });
}

DirectoryServiceStats DirectoryService::stats() const {
  const auto& shared = *impl_->shared;
  DirectoryServiceStats out;
  out.published = shared.published;
  out.publish_failures = shared.publish_failures;
  out.lookups = shared.lookups;
  out.records_rejected = shared.records_rejected;
  out.refused_busy = shared.refused_busy;
  out.notices = shared.notices;
  out.subscriptions = shared.subscriptions;
  out.directory_peers = impl_->node->peer_count();
  out.bootstraps = shared.bootstraps;
  return out;
}

void DirectoryService::publish(const std::string& user_id, std::vector<std::uint8_t> record,
                               std::uint32_t ttl_s, PublishDone done) {
  auto* impl = impl_.get();
  if (ttl_s == 0) {
    impl->complete([done] { done("a publish needs a ttl above 0 s"); });
    return;
  }
  auto job = [impl, user_id, record = std::move(record), ttl_s, done]() {
    auto fail = [&](std::string error) {
      ++impl->shared->publish_failures;
      impl->complete([done, error = std::move(error)] { done(error); });
    };
    // Never publish junk: readers would drop it, and it would displace the
    // user's good record.
    const auto check = directory::verify_presence(record, impl->options.login_server_key,
                                                  identity::Clock::now(), user_id);
    if (!check.ok()) return fail("refusing to publish: " + check.error);
    try {
      impl->node->publish(user_id, record, std::chrono::seconds(ttl_s));
    } catch (const plugin::PluginCallError& error) {
      return fail(error.what());
    }
    ++impl->shared->published;
    impl->complete([done] { done({}); });
  };
  if (!impl->enqueue(std::move(job))) {
    ++impl->shared->refused_busy;
    impl->complete([done] { done(std::string(kBusy)); });
  }
}

void DirectoryService::lookup(const std::string& user_id, std::chrono::milliseconds timeout,
                              LookupDone done) {
  auto* impl = impl_.get();
  // Shared by the job and the refusal: the job owns it once queued.
  auto reply = std::make_shared<const LookupDone>(std::move(done));
  if (auto problem = identity::user_id_problem(user_id)) {
    impl->complete([reply, error = *problem] { (*reply)({}, error); });
    return;
  }
  auto job = [impl, user_id, timeout, reply]() {
    ++impl->shared->lookups;
    std::map<std::string, VerifiedPresence> newest;
    try {
      for (auto& record : impl->node->lookup(user_id, timeout)) {
        keep_if_verified(std::move(record), user_id, impl->options.login_server_key, *impl->shared,
                         newest);
      }
    } catch (const plugin::PluginCallError& error) {
      impl->complete([reply, error = std::string(error.what())] { (*reply)({}, error); });
      return;
    }
    impl->complete(
        [reply, found = values_of(newest, 1)]() mutable { (*reply)(std::move(found), {}); });
  };
  if (!impl->enqueue(std::move(job))) impl->refuse_busy(reply);
}

void DirectoryService::lookup_prefix(const std::string& prefix, std::chrono::milliseconds timeout,
                                     std::size_t max_results, LookupDone done) {
  auto* impl = impl_.get();
  auto reply = std::make_shared<const LookupDone>(std::move(done));
  if (prefix.empty() || prefix.size() > identity::kMaxUserIdBytes) {
    impl->complete([reply] { (*reply)({}, "a search prefix is 1 to 64 bytes"); });
    return;
  }
  auto job = [impl, prefix, timeout, max_results, reply]() {
    ++impl->shared->lookups;
    std::map<std::string, VerifiedPresence> newest;
    try {
      for (auto& keyed : impl->node->lookup_prefix(prefix, timeout)) {
        // Filed under a key outside the prefix: a misbehaving node's answer.
        if (!keyed.key.starts_with(prefix)) {
          ++impl->shared->records_rejected;
          continue;
        }
        keep_if_verified(std::move(keyed.record), keyed.key, impl->options.login_server_key,
                         *impl->shared, newest);
      }
    } catch (const plugin::PluginCallError& error) {
      impl->complete([reply, error = std::string(error.what())] { (*reply)({}, error); });
      return;
    }
    impl->complete([reply, found = values_of(newest, max_results)]() mutable {
      (*reply)(std::move(found), {});
    });
  };
  if (!impl->enqueue(std::move(job))) impl->refuse_busy(reply);
}

DirectoryService::Subscription DirectoryService::listen(const std::string& user_id,
                                                        ChangeHandler on_change) {
  auto* impl = impl_.get();
  if (identity::user_id_problem(user_id) || !impl->node->plugin().supports_listen()) return {};
  // Reserve a place first so that concurrent listens cannot pass the cap.
  if (++impl->shared->subscriptions > impl->options.max_subscriptions) {
    --impl->shared->subscriptions;
    return {};
  }
  auto channel = std::make_shared<Channel>(impl->io, impl->shared, impl->options.login_server_key,
                                           user_id, std::move(on_change));
  // The plugin's thread: verify there (it is CPU work the io thread is spared),
  // then hand the outcome to the io_context.
  auto on_plugin_change = [channel](const plugin::DirectoryChange& change) {
    std::optional<VerifiedPresence> now;
    if (!change.expired) {
      auto check = directory::verify_presence(change.record, channel->login_server_key,
                                              identity::Clock::now(), channel->user_id);
      if (!check.ok()) {
        ++channel->shared->records_rejected;
        return;
      }
      // An older version can come back when a newer one expires first (the
      // directory keeps each until its own TTL ends), or be replayed by a
      // node: still validly signed, but news the listener already has.
      const auto sequence = check.presence->sequence;
      if (channel->newest_sequence && sequence <= *channel->newest_sequence) return;
      channel->newest_sequence = sequence;
      now = VerifiedPresence{change.record, std::move(*check.presence)};
    } else {
      channel->newest_sequence.reset();
    }
    boost::asio::post(channel->io, [channel, now = std::move(now)] {
      if (!channel->active || !channel->shared->alive) return;
      ++channel->shared->notices;
      channel->handler(channel->user_id, now);
    });
  };

  Subscription out;
  out.state_ = std::make_shared<Subscription::State>();
  out.state_->channel = channel;
  try {
    out.state_->subscription.emplace(impl->node->listen(user_id, std::move(on_plugin_change)));
  } catch (const plugin::PluginCallError&) {
    return {};  // State's destructor gives the place back
  }
  return out;
}

}  // namespace parley::overlay
