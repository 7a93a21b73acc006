#include "overlay/overlay_messages.hpp"

#include "directory/presence_record.hpp"
#include "identity/certificate.hpp"
#include "overlay/relay_header.hpp"
#include "parley_version.hpp"

namespace parley::overlay {
namespace {

static_assert(kMaxPresenceBytes == directory::kMaxPresenceRecordBytes);
static_assert(kMaxCertificateBytes == identity::kMaxCertificateBytes);

bool text_ok(const std::string& text) {
  return text.size() <= kMaxTextBytes;
}
bool key_ok(const std::string& key) {
  return key.empty() || key.size() == kKeyBytes;
}
bool id_ok(const std::string& id) {
  return id.size() <= kMaxIdBytes;
}
bool grant_ok(const RelayGrant& grant) {
  return text_ok(grant.host_port()) &&
         (grant.token().empty() || grant.token().size() == kRelayTokenBytes);
}

std::string attach_problem(const Attach& attach) {
  if (!text_ok(attach.node_name())) return "node name too long";
  if (attach.certificate().size() > kMaxCertificateBytes) return "certificate too long";
  if (!attach.proof().empty() && attach.proof().size() != kProofBytes) return "malformed proof";
  return {};
}

std::string call_route_problem(const CallRoute& route) {
  if (!id_ok(route.call_id()) || !id_ok(route.from_user()) || !id_ok(route.to_user())) {
    return "call route id too long";
  }
  if (!text_ok(route.to_super_node()) || !text_ok(route.from_super_node()) ||
      !key_ok(route.to_super_node_key()) || !key_ok(route.from_super_node_key())) {
    return "malformed call route super node";
  }
  if (route.has_relay() && !grant_ok(route.relay())) return "malformed relay grant";
  if (route.payload().size() > kMaxCallPayloadBytes) return "call payload too long";
  return {};
}

std::string presence_problem(const OverlayMessage& message) {
  switch (message.body_case()) {
    case OverlayMessage::kPublishPresence:
      return message.publish_presence().record().size() <= kMaxPresenceBytes ? ""
                                                                             : "record too long";
    case OverlayMessage::kPublishResult:
      return text_ok(message.publish_result().error()) ? "" : "error too long";
    case OverlayMessage::kSearchRequest:
      return id_ok(message.search_request().query()) ? "" : "query too long";
    case OverlayMessage::kSearchResponse: {
      const auto& response = message.search_response();
      if (!text_ok(response.error())) return "error too long";
      if (static_cast<std::size_t>(response.records_size()) > kMaxSearchResults) {
        return "too many records";
      }
      for (const auto& record : response.records()) {
        if (record.size() > kMaxPresenceBytes) return "record too long";
      }
      return {};
    }
    case OverlayMessage::kSubscribe: {
      const auto& ids = message.subscribe().user_ids();
      if (static_cast<std::size_t>(ids.size()) > kMaxSubscriptions) return "too many subscriptions";
      for (const auto& id : ids) {
        if (!id_ok(id)) return "user id too long";
      }
      return {};
    }
    case OverlayMessage::kPresenceNotice:
      if (!id_ok(message.presence_notice().user_id()) ||
          message.presence_notice().record().size() > kMaxPresenceBytes) {
        return "malformed presence notice";
      }
      return {};
    default: return {};
  }
}

std::string bounds_problem(const OverlayMessage& message) {
  switch (message.body_case()) {
    case OverlayMessage::kHello:
      if (!text_ok(message.hello().protocol()) || !text_ok(message.hello().software())) {
        return "hello text too long";
      }
      return {};
    case OverlayMessage::kAttach: return attach_problem(message.attach());
    case OverlayMessage::kAttachOk: {
      const auto& ok = message.attach_ok();
      return text_ok(ok.observed_address()) && id_ok(ok.user_id()) && text_ok(ok.super_node())
                 ? ""
                 : "malformed attach ok";
    }
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
      if (!text_ok(message.peer().listen_host_port()) || !key_ok(message.peer().key()) ||
          !text_ok(message.peer().directory_host_port())) {
        return "malformed peer";
      }
      return {};
    case OverlayMessage::kDetach:
      return text_ok(message.detach().reason()) ? "" : "reason too long";
    case OverlayMessage::kCallRoute: return call_route_problem(message.call_route());
    case OverlayMessage::kCallRouteFailed: {
      const auto& failed = message.call_route_failed();
      return id_ok(failed.call_id()) && text_ok(failed.reason()) ? "" : "malformed route failure";
    }
    case OverlayMessage::kRelayOffer: {
      const auto& offer = message.relay_offer();
      return id_ok(offer.call_id()) && grant_ok(offer.relay()) ? "" : "malformed relay offer";
    }
    case OverlayMessage::BODY_NOT_SET: return "empty message";
    default: return presence_problem(message);
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
