#include "overlay/overlay_messages.hpp"

#include "parley_version.hpp"

namespace parley::overlay {
namespace {

bool text_ok(const std::string& text) {
  return text.size() <= kMaxTextBytes;
}
bool key_ok(const std::string& key) {
  return key.empty() || key.size() == kKeyBytes;
}

std::string bounds_problem(const OverlayMessage& message) {
  switch (message.body_case()) {
    case OverlayMessage::kHello:
      if (!text_ok(message.hello().protocol()) || !text_ok(message.hello().software())) {
        return "hello text too long";
      }
      return {};
    case OverlayMessage::kAttach:
      return text_ok(message.attach().node_name()) ? "" : "node name too long";
    case OverlayMessage::kAttachOk:
      return text_ok(message.attach_ok().observed_address()) ? "" : "address too long";
    case OverlayMessage::kAttachRefused:
      return text_ok(message.attach_refused().reason()) ? "" : "reason too long";
    case OverlayMessage::kListResponse: {
      const auto& list = message.list_response().super_nodes();
      if (static_cast<std::size_t>(list.size()) > kMaxListEntries) return "too many super nodes";
      for (const auto& entry : list) {
        if (!text_ok(entry.host_port()) || !key_ok(entry.key())) return "malformed super node";
      }
      return {};
    }
    case OverlayMessage::kPeer:
      if (!text_ok(message.peer().listen_host_port()) || !key_ok(message.peer().key())) {
        return "malformed peer";
      }
      return {};
    case OverlayMessage::kDetach:
      return text_ok(message.detach().reason()) ? "" : "reason too long";
    case OverlayMessage::BODY_NOT_SET: return "empty message";
    default: return {};
  }
}

}  // namespace

std::vector<std::uint8_t> encode(const OverlayMessage& message) {
  std::vector<std::uint8_t> bytes(message.ByteSizeLong());
  message.SerializeToArray(bytes.data(), static_cast<int>(bytes.size()));
  return bytes;
}

Decoded decode(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxMessageBytes) return {std::nullopt, "message too large"};
  OverlayMessage message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return {std::nullopt, "not an overlay message"};
  }
  if (auto problem = bounds_problem(message); !problem.empty()) return {std::nullopt, problem};
  return {std::move(message), {}};
}

OverlayMessage make_hello() {
  OverlayMessage message;
  auto* hello = message.mutable_hello();
  hello->set_protocol(kOverlayProtocol);
  hello->set_version_major(kOverlayVersionMajor);
  hello->set_version_minor(kOverlayVersionMinor);
  hello->set_software("parley " + std::string(kVersion));
  return message;
}

std::string hello_problem(const OverlayMessage& message) {
  if (!message.has_hello()) return "the first message must be Hello";
  if (message.hello().protocol() != kOverlayProtocol) return "not the overlay protocol";
  if (message.hello().version_major() != kOverlayVersionMajor) {
    return "overlay version " + std::to_string(message.hello().version_major()) +
           " is not supported";
  }
  return {};
}

}  // namespace parley::overlay
