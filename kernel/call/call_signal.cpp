#include "call/call_signal.hpp"

#include "call/call_id.hpp"
#include "identity/handshake_messages.hpp"
#include "net/byte_view.hpp"

namespace parley::call {
namespace {

VerifiedCallMessage refuse(std::string error) {
  return {std::nullopt, std::move(error)};
}

template <typename Strings>
std::optional<std::string> candidates_problem(const Strings& candidates) {
  if (static_cast<std::size_t>(candidates.size()) > kMaxCandidates) {
    return "more than " + std::to_string(kMaxCandidates) + " media candidates";
  }
  for (const auto& candidate : candidates) {
    if (candidate.empty() || candidate.size() > kMaxCandidateBytes) {
      return std::string("a media candidate is empty or too long");
    }
  }
  return std::nullopt;
}

std::optional<std::string> body_problem(const CallMessage& message) {
  using identity::kMaxHandshakeMessageBytes;
  switch (message.body_case()) {
    case CallMessage::kInvite:
      if (message.invite().handshake_hello().empty() ||
          message.invite().handshake_hello().size() > kMaxHandshakeMessageBytes) {
        return "the invite's handshake hello is missing or too large";
      }
      return candidates_problem(message.invite().candidates());
    case CallMessage::kAccept:
      if (message.accept().handshake_reply().empty() ||
          message.accept().handshake_reply().size() > kMaxHandshakeMessageBytes) {
        return "the accept's handshake reply is missing or too large";
      }
      return candidates_problem(message.accept().candidates());
    case CallMessage::kConfirm:
      if (message.confirm().handshake_finish().empty() ||
          message.confirm().handshake_finish().size() > kMaxHandshakeMessageBytes) {
        return "the confirm's handshake finish is missing or too large";
      }
      return std::nullopt;
    case CallMessage::kReject:
      if (message.reject().reason().size() > kMaxReasonBytes) return "the reason is too long";
      return std::nullopt;
    case CallMessage::kHangup:
      if (message.hangup().reason().size() > kMaxReasonBytes) return "the reason is too long";
      return std::nullopt;
    case CallMessage::kRinging:
    case CallMessage::kBusy:
    case CallMessage::kCancel: return std::nullopt;
    case CallMessage::BODY_NOT_SET: break;
  }
  return "no message body (or one this version does not know)";
}

}  // namespace

std::vector<std::uint8_t> sign_call_message(const CallMessage& message,
                                            const identity::SigningKey& identity_key,
                                            std::span<const std::uint8_t> certificate) {
  const auto body = message.SerializeAsString();
  const auto body_bytes = net::byte_view(body);
  const auto signature = identity_key.sign(kCallSignalContext, body_bytes);
  SignedCallMessage signed_message;
  signed_message.set_certificate(certificate.data(), certificate.size());
  signed_message.set_body(body);
  signed_message.set_signature(signature.data(), signature.size());
  const auto wire = signed_message.SerializeAsString();
  if (wire.size() > kMaxSignedCallMessageBytes) {
    throw identity::IdentityError("a call message of " + std::to_string(wire.size()) +
                                  " bytes is over the signaling bound");
  }
  return {wire.begin(), wire.end()};
}

VerifiedCallMessage verify_call_message(std::span<const std::uint8_t> payload,
                                        const identity::PublicKey& login_server_key,
                                        std::string_view self_user,
                                        std::string_view route_from_user,
                                        identity::Clock::time_point now) {
  if (payload.empty()) return refuse("empty call message");
  if (payload.size() > kMaxSignedCallMessageBytes) {
    return refuse("call message of " + std::to_string(payload.size()) + " bytes is over " +
                  std::to_string(kMaxSignedCallMessageBytes));
  }
  SignedCallMessage signed_message;
  if (!signed_message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return refuse("not a signed call message");
  }
  if (signed_message.signature().size() != identity::kSignatureBytes) {
    return refuse("the signature is not " + std::to_string(identity::kSignatureBytes) + " bytes");
  }
  const auto& certificate_text = signed_message.certificate();
  if (certificate_text.empty() || certificate_text.size() > identity::kMaxCertificateBytes) {
    return refuse("the certificate is missing or too large");
  }
  // Whose certificate it must be is the route's word, checked again against the body below.
  if (route_from_user.empty()) return refuse("the route names no sender");
  const auto certificate = net::byte_view(certificate_text);
  const auto check =
      identity::verify_certificate(certificate, login_server_key, now, route_from_user);
  if (!check.ok()) return refuse("sender's certificate: " + check.reason);

  const auto& body_text = signed_message.body();
  const auto body = net::byte_view(body_text);
  const auto signature = net::byte_view(signed_message.signature());
  if (!identity::verify_signature(check.certificate->subject_key, kCallSignalContext, body,
                                  signature)) {
    return refuse("the signature does not verify");
  }

  CallMessage message;
  if (!message.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return refuse("the signed body is not a call message");
  }
  if (message.from_user() != route_from_user)
    return refuse("signed by another user than the sender");
  if (message.to_user() != self_user) return refuse("meant for another user");
  if (!is_call_id(message.call_id())) return refuse("the call id is not 32 lowercase hex digits");
  if (message.sequence() == 0) return refuse("sequence 0");
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const auto sent_ms = static_cast<std::int64_t>(
      std::min<std::uint64_t>(message.sent_at_ms(), std::uint64_t{1} << 62));
  if (sent_ms < now_ms - kCallSignalFreshness.count() ||
      sent_ms > now_ms + kCallSignalFreshness.count()) {
    return refuse("stale: sent more than 60 s from now");
  }
  if (auto problem = body_problem(message)) return refuse(*problem);
  return {std::move(message), {}};
}

overlay::CallSignalKind signal_kind(const CallMessage& message) {
  switch (message.body_case()) {
    case CallMessage::kInvite: return overlay::CALL_SIGNAL_INVITE;
    case CallMessage::kRinging: return overlay::CALL_SIGNAL_RINGING;
    case CallMessage::kAccept: return overlay::CALL_SIGNAL_ACCEPT;
    case CallMessage::kConfirm: return overlay::CALL_SIGNAL_CONFIRM;
    case CallMessage::kReject: return overlay::CALL_SIGNAL_REJECT;
    case CallMessage::kBusy: return overlay::CALL_SIGNAL_BUSY;
    case CallMessage::kCancel: return overlay::CALL_SIGNAL_CANCEL;
    case CallMessage::kHangup: return overlay::CALL_SIGNAL_HANGUP;
    case CallMessage::BODY_NOT_SET: break;
  }
  return overlay::CALL_SIGNAL_UNSPECIFIED;
}

std::string_view body_name(const CallMessage& message) {
  switch (message.body_case()) {
    case CallMessage::kInvite: return "invite";
    case CallMessage::kRinging: return "ringing";
    case CallMessage::kAccept: return "accept";
    case CallMessage::kConfirm: return "confirm";
    case CallMessage::kReject: return "reject";
    case CallMessage::kBusy: return "busy";
    case CallMessage::kCancel: return "cancel";
    case CallMessage::kHangup: return "hangup";
    case CallMessage::BODY_NOT_SET: break;
  }
  return "none";
}

bool SequenceGuard::admit(const std::string& call_id, const std::string& sender,
                          std::uint64_t sequence) {
  Key key{call_id, sender};
  const auto found = last_.find(key);
  if (found != last_.end()) {
    if (sequence <= found->second) return false;
    found->second = sequence;
    return true;
  }
  if (order_.size() >= capacity_) {
    last_.erase(order_.front());
    order_.pop_front();
  }
  last_.emplace(key, sequence);
  order_.push_back(std::move(key));
  return true;
}

bool SequenceGuard::seen(const std::string& call_id, const std::string& sender) const {
  return last_.contains(Key{call_id, sender});
}

}  // namespace parley::call
