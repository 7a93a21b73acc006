// The kernel's view of a NAT strategy: gather() with the network exchange as a
// std::function, and the plugin's answer checked before anyone uses it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "parley/abi/nat.h"
#include "plugin/plugin_call_error.hpp"
#include "plugin/plugin_registry.hpp"

namespace parley::plugin {

// Sends request to server from the media socket and waits up to timeout for
// one reply from that server, writing it into reply. Returns PARLEY_OK with
// reply_size set, PARLEY_ERR_TIMEOUT, or another status (see nat.h). An
// exception it throws ends the gather and is rethrown from gather().
using NatExchange = std::function<parley_status(
    const parley_address& server, std::span<const std::uint8_t> request,
    std::span<std::uint8_t> reply, std::size_t& reply_size, std::chrono::milliseconds timeout)>;

struct GatherRequest {
  parley_address local{};  // the media socket's bound address
  std::vector<parley_address> servers;
  NatExchange exchange;  // empty for strategies that need no network
  std::string credentials;
  std::chrono::milliseconds timeout{0};  // all servers together; 0 = the strategy's default
};

struct GatherResult {
  std::vector<parley_candidate> candidates;  // highest priority first
  bool truncated = false;                    // the strategy found more than max_candidates
};

class NatPlugin {
 public:
  // More than any real host has; the ABI's capacity limit for one gather.
  static constexpr std::size_t kMaxCandidates = 64;

  explicit NatPlugin(const Offer& offer);
  [[nodiscard]] const parley_nat_info& info() const { return *api_->info; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] bool produces(parley_candidate_type type) const {
    return (info().produces & (1u << type)) != 0;
  }
  [[nodiscard]] bool needs_servers() const { return info().needs_servers != 0; }

  // Throws PluginCallError with the strategy's status when it found nothing
  // usable, or when its answer is malformed (PARLEY_ERR_INTERNAL).
  [[nodiscard]] GatherResult gather(const GatherRequest& request,
                                    std::size_t max_candidates = kMaxCandidates) const;

 private:
  const parley_nat_api* api_;
  std::string name_;
  std::shared_ptr<const PluginLibrary> library_;
};

}  // namespace parley::plugin
