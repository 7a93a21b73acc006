#include "identity/handshake.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <utility>

#include "identity/user_id.hpp"

namespace parley::identity {
namespace {

constexpr std::string_view kTranscriptLabel = "parley e2e transcript v1";
constexpr std::string_view kInitiatorLabel = "initiator";
constexpr std::string_view kResponderLabel = "responder";

std::string_view role_label(HandshakeRole role) {
  return role == HandshakeRole::initiator ? kInitiatorLabel : kResponderLabel;
}

void append(std::vector<std::uint8_t>& out, std::string_view text) {
  out.insert(out.end(), text.begin(), text.end());
}

void append_with_length(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> bytes) {
  const auto size = static_cast<std::uint32_t>(bytes.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(size >> shift));
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// The hash both peers bind everything to: the hello and the reply body exactly
// as they travelled, each with its length so no boundary can shift.
Digest transcript_hash(std::span<const std::uint8_t> hello, std::span<const std::uint8_t> body) {
  std::vector<std::uint8_t> input;
  append(input, kTranscriptLabel);
  append_with_length(input, hello);
  append_with_length(input, body);
  return sha256(input);
}

// What a role's signature and confirmation cover: its role, then the
// transcript hash. The role keeps one side's proof from being reflected back
// as the other's.
std::vector<std::uint8_t> role_statement(HandshakeRole role, const Digest& transcript) {
  std::vector<std::uint8_t> out;
  append(out, role_label(role));
  out.insert(out.end(), transcript.begin(), transcript.end());
  return out;
}

Confirmation confirmation_for(HandshakeRole role, const KeyBytes& key, const Digest& transcript) {
  return hmac_sha256(key.view(), role_statement(role, transcript));
}

bool confirmation_matches(const Confirmation& got, HandshakeRole role, const KeyBytes& key,
                          const Digest& transcript) {
  const auto expected = confirmation_for(role, key, transcript);
  return CRYPTO_memcmp(got.data(), expected.data(), expected.size()) == 0;
}

std::uint64_t unix_ms(Clock::time_point time) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  return ms.count() < 0 ? 0 : static_cast<std::uint64_t>(ms.count());
}

// Distance between a peer's timestamp and our clock, saturated.
std::uint64_t skew_ms(std::uint64_t timestamp_ms, Clock::time_point now) {
  const auto now_ms = unix_ms(now);
  return now_ms > timestamp_ms ? now_ms - timestamp_ms : timestamp_ms - now_ms;
}

}  // namespace

std::string_view role_name(HandshakeRole role) {
  return role_label(role);
}

std::string_view state_name(HandshakeState state) {
  switch (state) {
    case HandshakeState::ready: return "ready";
    case HandshakeState::awaiting_reply: return "awaiting_reply";
    case HandshakeState::awaiting_finish: return "awaiting_finish";
    case HandshakeState::established: return "established";
    case HandshakeState::failed: return "failed";
  }
  return "unknown";
}

ReplayGuard::Verdict ReplayGuard::admit(const HandshakeNonce& nonce, std::uint64_t timestamp_ms,
                                        Clock::time_point now) {
  const auto now_ms = static_cast<std::int64_t>(unix_ms(now));
  while (!order_.empty() && order_.front().expires_ms < now_ms) {
    seen_.erase(order_.front().nonce);
    order_.pop_front();
  }
  std::string key(nonce.begin(), nonce.end());
  if (seen_.contains(key)) return Verdict::replayed;
  if (order_.size() >= capacity_) return Verdict::full;
  // Kept until the hello itself turns stale, and at least one window from now,
  // so a hello stamped in the future cannot outlive its entry.
  const auto until_ms = std::max(static_cast<std::int64_t>(timestamp_ms), now_ms) + window_.count();
  seen_.insert(key);
  order_.push_back({std::move(key), until_ms});
  return Verdict::fresh;
}

struct Handshake::State {
  HandshakeRole role = HandshakeRole::initiator;
  HandshakeConfig config;
  Certificate own_certificate;
  ReplayGuard* guard = nullptr;

  HandshakeState state = HandshakeState::ready;
  HandshakeFailure failure = HandshakeFailure::none;
  std::string failure_reason;

  std::optional<EphemeralKey> ephemeral;  // initiator, between hello and reply
  std::vector<std::uint8_t> hello_bytes;  // initiator: sent; responder: received
  std::uint64_t sent_ms = 0;              // when our last message left
  KeyBytes peer_confirmation_key;         // responder, until the finish
  std::optional<HandshakeResult> result;  // responder: pending until the finish

  HandshakeStep fail(HandshakeFailure why, std::string reason) {
    state = HandshakeState::failed;
    failure = why;
    failure_reason = std::move(reason);
    if (ephemeral) ephemeral->erase();
    peer_confirmation_key.wipe();
    result.reset();
    return {{}, failure, failure_reason};
  }

  // The peer's certificate: from the pinned server, current, for the expected user.
  std::optional<Certificate> check_peer_certificate(std::span<const std::uint8_t> encoded,
                                                    Clock::time_point now, HandshakeStep& refusal) {
    auto check = verify_certificate(encoded, config.login_server_key, now, config.peer_user);
    if (!check.ok()) {
      refusal = fail(HandshakeFailure::bad_certificate, "peer certificate refused (" +
                                                            std::string(status_name(check.status)) +
                                                            "): " + check.reason);
      return std::nullopt;
    }
    return std::move(check.certificate);
  }

  HandshakeResult make_result(const Certificate& peer_certificate, std::string suite,
                              std::string codec, const Offers& initiator_offers,
                              const Offers& responder_offers, const Digest& transcript,
                              HandshakeSecrets& secrets) {
    const bool initiating = role == HandshakeRole::initiator;
    return HandshakeResult{
        role,
        peer_certificate.user_id,
        peer_certificate,
        std::move(suite),
        std::move(codec),
        initiator_offers,
        responder_offers,
        transcript,
        safety_number(config.identity_key->public_key(), peer_certificate.subject_key, transcript),
        initiating ? std::move(secrets.initiator_to_responder)
                   : std::move(secrets.responder_to_initiator),
        initiating ? std::move(secrets.responder_to_initiator)
                   : std::move(secrets.initiator_to_responder)};
  }

  HandshakeStep start(Clock::time_point now);
  HandshakeStep on_hello(const HelloMessage& hello, Clock::time_point now);
  HandshakeStep on_reply(const ReplyMessage& reply, Clock::time_point now);
  HandshakeStep on_finish(const FinishMessage& finish, Clock::time_point now);
};

HandshakeStep Handshake::State::start(Clock::time_point now) {
  if (role != HandshakeRole::initiator || state != HandshakeState::ready) {
    throw IdentityError("start() is for an initiator that has not started");
  }
  ephemeral = EphemeralKey::generate(config.entropy);
  HelloFields hello;
  hello.initiator_user = own_certificate.user_id;
  hello.responder_user = config.peer_user;
  hello.ephemeral_key = ephemeral->public_bytes();
  hello.certificate = config.certificate;
  hello.offers = config.offers;
  fill_random(config.entropy, hello.nonce);
  hello.timestamp_ms = unix_ms(now);
  sent_ms = hello.timestamp_ms;
  auto message = encode_hello(hello, hello_bytes);
  state = HandshakeState::awaiting_reply;
  return {std::move(message), HandshakeFailure::none, {}};
}

HandshakeStep Handshake::State::on_hello(const HelloMessage& hello, Clock::time_point now) {
  const auto& fields = hello.fields;
  if (fields.responder_user != own_certificate.user_id) {
    return fail(HandshakeFailure::wrong_recipient, "the hello is meant for '" +
                                                       fields.responder_user + "', not '" +
                                                       own_certificate.user_id + "'");
  }
  if (skew_ms(fields.timestamp_ms, now) > static_cast<std::uint64_t>(guard->window().count())) {
    return fail(HandshakeFailure::stale, "the hello is stamped " +
                                             std::to_string(skew_ms(fields.timestamp_ms, now)) +
                                             " ms away from this clock; the freshness window is " +
                                             std::to_string(guard->window().count()) + " ms");
  }
  HandshakeStep refusal;
  auto peer_certificate = check_peer_certificate(fields.certificate, now, refusal);
  if (!peer_certificate) return refusal;
  if (fields.initiator_user != peer_certificate->user_id) {
    return fail(HandshakeFailure::bad_certificate,
                "the hello names its sender '" + fields.initiator_user +
                    "' but carries a certificate for '" + peer_certificate->user_id + "'");
  }
  switch (guard->admit(fields.nonce, fields.timestamp_ms, now)) {
    case ReplayGuard::Verdict::fresh: break;
    case ReplayGuard::Verdict::replayed:
      return fail(HandshakeFailure::replayed,
                  "this hello (its nonce) was seen before: a replayed first message");
    case ReplayGuard::Verdict::full:
      return fail(HandshakeFailure::busy,
                  "too many first messages inside the freshness window to remember another");
  }
  auto suite = first_common(fields.offers.cipher_suites, config.offers.cipher_suites);
  if (!suite) return fail(HandshakeFailure::no_common_suite, "no cipher suite in common");
  auto codec = first_common(fields.offers.codecs, config.offers.codecs);
  if (!codec && !fields.offers.codecs.empty() && !config.offers.codecs.empty()) {
    return fail(HandshakeFailure::no_common_codec, "no codec in common");
  }

  auto own_ephemeral = EphemeralKey::generate(config.entropy);
  const auto shared = own_ephemeral.agree(fields.ephemeral_key);
  own_ephemeral.erase();
  if (!shared) {
    return fail(HandshakeFailure::bad_key_share,
                "the hello's ephemeral key gives no shared secret");
  }
  ReplyFields reply;
  reply.hello_hash = sha256(hello.bytes);
  reply.ephemeral_key = own_ephemeral.public_bytes();
  reply.certificate = config.certificate;
  reply.offers = config.offers;
  reply.chosen_suite = *suite;
  reply.chosen_codec = codec.value_or("");
  fill_random(config.entropy, reply.nonce);
  reply.timestamp_ms = unix_ms(now);
  const auto body = encode_reply_body(reply);
  const auto transcript = transcript_hash(hello.bytes, body);
  auto secrets = derive_handshake_secrets(*shared, transcript);

  const auto signature = config.identity_key->sign(
      kHandshakeContext, role_statement(HandshakeRole::responder, transcript));
  const auto confirmation =
      confirmation_for(HandshakeRole::responder, secrets.confirm_responder, transcript);
  auto message = encode_reply(body, signature, confirmation);

  hello_bytes = hello.bytes;
  sent_ms = reply.timestamp_ms;
  peer_confirmation_key = std::move(secrets.confirm_initiator);
  result = make_result(*peer_certificate, *suite, reply.chosen_codec, fields.offers, config.offers,
                       transcript, secrets);
  state = HandshakeState::awaiting_finish;
  return {std::move(message), HandshakeFailure::none, {}};
}

HandshakeStep Handshake::State::on_reply(const ReplyMessage& reply, Clock::time_point now) {
  const auto& fields = reply.body;
  const auto sent_hello_hash = sha256(hello_bytes);
  if (CRYPTO_memcmp(fields.hello_hash.data(), sent_hello_hash.data(), sent_hello_hash.size()) !=
      0) {
    return fail(HandshakeFailure::transcript_mismatch,
                "the responder received a different hello than the one sent: it was altered on "
                "the way");
  }
  if (skew_ms(fields.timestamp_ms, now) > static_cast<std::uint64_t>(kFreshnessWindow.count()) ||
      unix_ms(now) - std::min(unix_ms(now), sent_ms) >
          static_cast<std::uint64_t>(kFreshnessWindow.count())) {
    return fail(HandshakeFailure::stale, "the reply arrived outside the freshness window");
  }
  HandshakeStep refusal;
  auto peer_certificate = check_peer_certificate(fields.certificate, now, refusal);
  if (!peer_certificate) return refusal;

  // Recomputed from the lists, not taken from the reply: a relay that edits
  // the choice (or a list) is caught here or by the signature below.
  const auto suite = first_common(config.offers.cipher_suites, fields.offers.cipher_suites);
  if (!suite || *suite != fields.chosen_suite) {
    return fail(HandshakeFailure::transcript_mismatch,
                "the reply chose cipher suite '" + fields.chosen_suite +
                    "' but the offered lists give '" + suite.value_or("none") +
                    "': a downgrade attempt or an altered reply");
  }
  const auto codec = first_common(config.offers.codecs, fields.offers.codecs).value_or("");
  if (codec != fields.chosen_codec) {
    return fail(HandshakeFailure::transcript_mismatch,
                "the reply chose codec '" + fields.chosen_codec + "' but the offered lists give '" +
                    codec + "'");
  }

  const auto shared = ephemeral->agree(fields.ephemeral_key);
  ephemeral->erase();
  if (!shared) {
    return fail(HandshakeFailure::bad_key_share,
                "the reply's ephemeral key gives no shared secret");
  }
  const auto transcript = transcript_hash(hello_bytes, reply.body_bytes);
  if (!verify_signature(peer_certificate->subject_key, kHandshakeContext,
                        role_statement(HandshakeRole::responder, transcript), reply.signature)) {
    return fail(HandshakeFailure::bad_signature,
                "the responder's transcript signature does not verify with its certified key");
  }
  auto secrets = derive_handshake_secrets(*shared, transcript);
  if (!confirmation_matches(reply.confirmation, HandshakeRole::responder, secrets.confirm_responder,
                            transcript)) {
    return fail(HandshakeFailure::transcript_mismatch,
                "the responder's key confirmation does not match: the peers derived different "
                "keys");
  }
  const auto signature = config.identity_key->sign(
      kHandshakeContext, role_statement(HandshakeRole::initiator, transcript));
  const auto confirmation =
      confirmation_for(HandshakeRole::initiator, secrets.confirm_initiator, transcript);
  auto message = encode_finish(signature, confirmation);
  result = make_result(*peer_certificate, *suite, codec, config.offers, fields.offers, transcript,
                       secrets);
  state = HandshakeState::established;
  return {std::move(message), HandshakeFailure::none, {}};
}

HandshakeStep Handshake::State::on_finish(const FinishMessage& finish, Clock::time_point now) {
  if (unix_ms(now) - std::min(unix_ms(now), sent_ms) >
      static_cast<std::uint64_t>(kFreshnessWindow.count())) {
    return fail(HandshakeFailure::stale, "the finish arrived outside the freshness window");
  }
  const auto& transcript = result->transcript_hash;
  if (!verify_signature(result->peer_certificate.subject_key, kHandshakeContext,
                        role_statement(HandshakeRole::initiator, transcript), finish.signature)) {
    return fail(HandshakeFailure::bad_signature,
                "the initiator's transcript signature does not verify with its certified key");
  }
  if (!confirmation_matches(finish.confirmation, HandshakeRole::initiator, peer_confirmation_key,
                            transcript)) {
    return fail(HandshakeFailure::transcript_mismatch,
                "the initiator's key confirmation does not match: the peers derived different "
                "keys");
  }
  peer_confirmation_key.wipe();
  state = HandshakeState::established;
  return {};
}

Handshake Handshake::initiator(HandshakeConfig config) {
  auto state = std::make_unique<State>();
  state->role = HandshakeRole::initiator;
  state->config = std::move(config);
  return Handshake(std::move(state));
}

Handshake Handshake::responder(HandshakeConfig config, ReplayGuard& guard) {
  auto state = std::make_unique<State>();
  state->role = HandshakeRole::responder;
  state->config = std::move(config);
  state->guard = &guard;
  return Handshake(std::move(state));
}

Handshake::Handshake(std::unique_ptr<State> state) : state_(std::move(state)) {
  auto& config = state_->config;
  if (config.identity_key == nullptr) throw IdentityError("a handshake needs an identity key");
  auto parsed = parse_certificate(config.certificate);
  if (!parsed.certificate) throw IdentityError("own certificate: " + parsed.error);
  if (parsed.certificate->subject_key != config.identity_key->public_key()) {
    throw IdentityError("own certificate is for another key than this identity key");
  }
  state_->own_certificate = std::move(*parsed.certificate);
  if (auto problem = user_id_problem(config.peer_user)) {
    throw IdentityError("expected peer: " + *problem);
  }
  if (auto problem =
          offer_list_problem(config.offers.cipher_suites, 1, kMaxCipherSuites, "cipher suites")) {
    throw IdentityError("own offer: " + *problem);
  }
  if (auto problem = offer_list_problem(config.offers.codecs, 0, kMaxCodecs, "codecs")) {
    throw IdentityError("own offer: " + *problem);
  }
}

Handshake::Handshake(Handshake&&) noexcept = default;
Handshake& Handshake::operator=(Handshake&&) noexcept = default;
Handshake::~Handshake() = default;

HandshakeStep Handshake::start(Clock::time_point now) {
  return state_->start(now);
}

HandshakeStep Handshake::receive(std::span<const std::uint8_t> message, Clock::time_point now) {
  auto& s = *state_;
  if (s.state == HandshakeState::failed) {
    return {{},
            HandshakeFailure::unexpected_message,
            "the handshake already failed (" + std::string(failure_name(s.failure)) + ")"};
  }
  if (s.state == HandshakeState::established) {
    return {{},
            HandshakeFailure::unexpected_message,
            "a handshake message arrived after the handshake was established"};
  }
  auto decoded = decode_handshake_message(message);
  if (!decoded.message) return s.fail(decoded.failure, std::move(decoded.reason));
  const auto& parsed = *decoded.message;
  const auto expect = [&](std::string_view wanted) {
    return s.fail(HandshakeFailure::unexpected_message,
                  "a " + std::string(message_name(parsed)) + " arrived while the " +
                      std::string(role_name(s.role)) + " is " + std::string(state_name(s.state)) +
                      " (expected " + std::string(wanted) + ")");
  };
  switch (s.state) {
    case HandshakeState::ready:
      if (s.role == HandshakeRole::initiator) return expect("nothing before start()");
      if (const auto* hello = std::get_if<HelloMessage>(&parsed)) return s.on_hello(*hello, now);
      return expect("a hello");
    case HandshakeState::awaiting_reply:
      if (const auto* reply = std::get_if<ReplyMessage>(&parsed)) return s.on_reply(*reply, now);
      return expect("a reply");
    case HandshakeState::awaiting_finish:
      if (const auto* finish = std::get_if<FinishMessage>(&parsed)) {
        return s.on_finish(*finish, now);
      }
      return expect("a finish");
    case HandshakeState::established:
    case HandshakeState::failed: break;
  }
  return expect("nothing");
}

HandshakeRole Handshake::role() const {
  return state_->role;
}
HandshakeState Handshake::state() const {
  return state_->state;
}
HandshakeFailure Handshake::failure() const {
  return state_->failure;
}
const std::string& Handshake::failure_reason() const {
  return state_->failure_reason;
}
const std::string& Handshake::self_user() const {
  return state_->own_certificate.user_id;
}

const HandshakeResult& Handshake::result() const {
  if (state_->state != HandshakeState::established || !state_->result) {
    throw IdentityError("the handshake is " + std::string(state_name(state_->state)) +
                        ", not established with a result");
  }
  return *state_->result;
}

HandshakeResult Handshake::take_result() {
  (void)result();  // throws unless established
  HandshakeResult out = std::move(*state_->result);
  state_->result.reset();
  return out;
}

}  // namespace parley::identity
