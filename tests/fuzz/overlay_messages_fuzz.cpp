// Every overlay frame is decoded by overlay::decode() before any other code
// sees it. It must refuse anything out of bounds without crashing, say why
// when it refuses, and what it accepts must keep the bounds and survive a
// round trip.
#include <cstdint>
#include <span>

#include "overlay/overlay_messages.hpp"
#include "replay_main.hpp"

namespace {

using namespace parley::overlay;

bool within_bounds(const OverlayMessage& message) {
  switch (message.body_case()) {
    case OverlayMessage::kCallRoute:
      return message.call_route().payload().size() <= kMaxCallPayloadBytes &&
             message.call_route().to_user().size() <= kMaxIdBytes;
    case OverlayMessage::kSubscribe:
      return static_cast<std::size_t>(message.subscribe().user_ids_size()) <= kMaxSubscriptions;
    case OverlayMessage::kSearchResponse:
      return static_cast<std::size_t>(message.search_response().records_size()) <=
             kMaxSearchResults;
    case OverlayMessage::kAttach:
      return message.attach().proof().empty() || message.attach().proof().size() == kProofBytes;
    case OverlayMessage::kListResponse:
      return static_cast<std::size_t>(message.list_response().super_nodes_size()) <=
             kMaxListEntries;
    case OverlayMessage::BODY_NOT_SET: return false;
    default: return true;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto decoded = decode(std::span<const std::uint8_t>(data, size));
  if (!decoded.message) {
    if (decoded.error.empty()) __builtin_trap();  // a refusal always says why
    return 0;
  }
  if (!within_bounds(*decoded.message)) __builtin_trap();
  (void)hello_problem(*decoded.message);
  const auto again = encode(*decoded.message);
  if (!decode(again).message) __builtin_trap();
  return 0;
}
