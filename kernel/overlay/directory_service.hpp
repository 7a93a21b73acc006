// A super node's use of the directory plugin (directory/1.0): runs the
// plugin's node, and turns its blocking calls into asynchronous ones whose
// completions run on the super node's io_context. Every record that comes out
// of the directory is verified (directory/presence_record.hpp) before anyone
// sees it; forged, altered, expired or misfiled records are dropped and
// counted.
//
// Blocking calls run on one worker thread with a bounded queue: a flood of
// searches is refused with "busy" rather than queued without end.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "directory/presence_record.hpp"
#include "plugin/directory_plugin.hpp"

namespace parley::overlay {

struct VerifiedPresence {
  std::vector<std::uint8_t> record;  // the signed bytes, to pass on unchanged
  directory::Presence presence;
};

struct DirectoryServiceStats {
  std::uint64_t published = 0;
  std::uint64_t publish_failures = 0;
  std::uint64_t lookups = 0;
  std::uint64_t records_rejected = 0;  // failed verification
  std::uint64_t refused_busy = 0;      // queue full
  std::uint64_t notices = 0;           // listen changes delivered
  std::size_t subscriptions = 0;
  std::uint32_t directory_peers = 0;
  std::uint64_t bootstraps = 0;  // directory nodes learnt from peers and handed to the plugin
};

struct DirectoryServiceOptions {
  plugin::DirectoryNodeConfig node;  // listen, bootstrap, state_dir
  identity::PublicKey login_server_key;
  std::size_t max_queued = 256;
  std::size_t max_subscriptions = 20'000;
};

class DirectoryService {
 public:
  // Starts the plugin's node (throws plugin::PluginCallError when it cannot
  // bind) and the worker thread.
  DirectoryService(boost::asio::io_context& io, const plugin::DirectoryPlugin& plugin,
                   DirectoryServiceOptions options);
  // Stops the node and joins the worker (a running lookup finishes first); no
  // handler runs after, even one already posted. Call it on the io_context's
  // thread or when that is not running.
  ~DirectoryService();
  DirectoryService(const DirectoryService&) = delete;
  DirectoryService& operator=(const DirectoryService&) = delete;

  // The directory node's address ("host:port"), for Peer messages: as
  // configured, with the port the plugin bound in place of a configured 0
  // (directory/1.1; a 1.0 plugin leaves it 0, and callers do not advertise that).
  [[nodiscard]] std::string listen_address() const;
  // Whether listen_address() names a reachable port (not a 0 that a
  // directory/1.0 plugin could not replace), so peers may be told of it.
  [[nodiscard]] bool advertisable() const;
  // Joins through another directory node ("host:port", numeric), learnt from
  // a peer. Runs on the worker; dropped when the queue is full or the plugin
  // has no such call (directory/1.0).
  void bootstrap(const std::string& address);
  [[nodiscard]] DirectoryServiceStats stats() const;

  // Handlers run on the io_context. error empty: done.
  using PublishDone = std::function<void(const std::string& error)>;
  // The record must verify for user_id (checked again here); ttl_s > 0.
  void publish(const std::string& user_id, std::vector<std::uint8_t> record, std::uint32_t ttl_s,
               PublishDone done);

  using LookupDone =
      std::function<void(std::vector<VerifiedPresence> found, const std::string& error)>;
  // The user's newest verified record (of several copies, the highest
  // sequence); found empty and no error: there is none.
  void lookup(const std::string& user_id, std::chrono::milliseconds timeout, LookupDone done);
  // Every user id starting with prefix; at most max_results records.
  void lookup_prefix(const std::string& prefix, std::chrono::milliseconds timeout,
                     std::size_t max_results, LookupDone done);

  // Changes of one user's record, verified, on the io_context: the current
  // record (an offline one too: the reader decides), or nullopt when the
  // directory dropped it at its TTL. A record that fails verification is
  // dropped and counted, not delivered; one whose sequence is not above the
  // last delivered (an older version back after a newer one expired, or a
  // replay) is skipped. Cancelled when the returned handle is
  // destroyed (no call after that, even one already queued); destroy it on
  // the io_context's thread or when that is not running.
  using ChangeHandler =
      std::function<void(const std::string& user_id, const std::optional<VerifiedPresence>& now)>;
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&&) noexcept = default;
    Subscription& operator=(Subscription&&) noexcept = default;
    ~Subscription();
    explicit operator bool() const { return static_cast<bool>(state_); }

   private:
    friend class DirectoryService;
    struct State;
    std::shared_ptr<State> state_;
  };
  // Empty Subscription when the cap is reached or the plugin cannot listen.
  Subscription listen(const std::string& user_id, ChangeHandler on_change);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace parley::overlay
