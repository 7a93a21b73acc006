#include "plugin/nat_plugin.hpp"

#include "plugin/abi_timeout.hpp"

#include <exception>
#include <limits>
#include <stdexcept>

namespace parley::plugin {
namespace {

struct ExchangeContext {
  const NatExchange& exchange;
  std::exception_ptr failure;
};

// Carries the C callback to the std::function. Nothing may unwind through the
// plugin's frames, so an exception is parked and rethrown after gather.
parley_status exchange_trampoline(void* host_context, const parley_address* server,
                                  const std::uint8_t* request, std::size_t request_size,
                                  std::uint8_t* reply, std::size_t reply_capacity,
                                  std::size_t* reply_size, std::uint32_t timeout_ms) {
  auto& context = *static_cast<ExchangeContext*>(host_context);
  if (context.failure) return PARLEY_ERR_INTERNAL;
  if (server == nullptr || reply_size == nullptr || (request == nullptr && request_size != 0) ||
      (reply == nullptr && reply_capacity != 0)) {
    return PARLEY_ERR_INVALID_ARGUMENT;
  }
  try {
    *reply_size = 0;
    const auto status = context.exchange(*server, {request, request_size}, {reply, reply_capacity},
                                         *reply_size, std::chrono::milliseconds(timeout_ms));
    if (status == PARLEY_OK && *reply_size > reply_capacity) return PARLEY_ERR_INTERNAL;
    return status;
  } catch (...) {
    context.failure = std::current_exception();
    return PARLEY_ERR_INTERNAL;
  }
}

bool valid_family(const parley_address& address) {
  return address.family == 4 || address.family == 6;
}

bool well_formed(const parley_candidate& candidate, const parley_nat_info& info) {
  const bool known_type =
      candidate.type >= PARLEY_CANDIDATE_HOST && candidate.type <= PARLEY_CANDIDATE_RELAYED;
  return known_type && (info.produces & (1u << candidate.type)) != 0 &&
         valid_family(candidate.address) && valid_family(candidate.base) &&
         candidate.address.port != 0 && (candidate.protocol == 17 || candidate.protocol == 6);
}

}  // namespace

NatPlugin::NatPlugin(const Offer& offer)
    : api_(static_cast<const parley_nat_api*>(offer.interface->api)),
      name_(offer.interface->name),
      library_(offer.plugin->library) {
  if (api_ == nullptr || api_->info == nullptr || api_->gather == nullptr) {
    throw std::runtime_error("nat " + name_ + " has an incomplete table");
  }
}

GatherResult NatPlugin::gather(const GatherRequest& request, std::size_t max_candidates) const {
  ExchangeContext context{request.exchange, nullptr};
  parley_nat_environment environment{};
  environment.struct_size = sizeof environment;
  environment.local = request.local;
  environment.servers = request.servers.data();
  environment.server_count = static_cast<std::uint32_t>(request.servers.size());
  environment.exchange = request.exchange ? &exchange_trampoline : nullptr;
  environment.host_context = &context;
  environment.credentials = {request.credentials.data(), request.credentials.size()};
  environment.timeout_ms = to_timeout_ms(request.timeout);

  GatherResult result;
  result.candidates.resize(max_candidates);
  std::size_t count = 0;
  const auto status = api_->gather(&environment, result.candidates.data(), max_candidates, &count);
  if (context.failure) std::rethrow_exception(context.failure);
  if (status != PARLEY_OK && status != PARLEY_ERR_BUFFER_TOO_SMALL) {
    throw PluginCallError(status, "nat " + name_ + ": gather failed: " + describe_status(status));
  }
  if (count > max_candidates) {
    throw PluginCallError(PARLEY_ERR_INTERNAL, "nat " + name_ + " wrote past its buffer");
  }
  result.candidates.resize(count);
  result.truncated = status == PARLEY_ERR_BUFFER_TOO_SMALL;
  for (std::size_t i = 0; i < count; ++i) {
    if (!well_formed(result.candidates[i], info())) {
      throw PluginCallError(PARLEY_ERR_INTERNAL,
                            "nat " + name_ + " returned a malformed candidate");
    }
    if (i > 0 && result.candidates[i].priority > result.candidates[i - 1].priority) {
      throw PluginCallError(PARLEY_ERR_INTERNAL,
                            "nat " + name_ + " returned candidates out of priority order");
    }
  }
  return result;
}

}  // namespace parley::plugin
