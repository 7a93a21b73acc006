// GSM 06.10 full rate behind the codec SDK. Namespace gsm_fr, because libgsm
// already owns the global name `gsm`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "parley/sdk/codec.hpp"

namespace parley::gsm_fr {

inline constexpr std::size_t kFrameBytes = 33;     // 260 bits plus the 0xD signature nibble
inline constexpr std::size_t kFrameSamples = 160;  // 20 ms at 8 kHz

struct GsmFullRate {
  static sdk::CodecInfo info();

  class Encoder {
   public:
    explicit Encoder(const sdk::CodecParams& params);
    ~Encoder();
    Encoder(const Encoder&) = delete;
    Encoder& operator=(const Encoder&) = delete;
    // One 33-byte frame per 20 ms of input.
    std::size_t encode(std::span<const std::int16_t> pcm, std::span<std::uint8_t> out);

   private:
    struct State;
    std::unique_ptr<State> state_;
  };

  class Decoder {
   public:
    explicit Decoder(const sdk::CodecParams& params);
    ~Decoder();
    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;
    // Payloads must be whole frames. A loss (or a FEC request: GSM has none)
    // repeats the last good frame with falling amplitude, silent after 320 ms
    // (the substitution and muting of GSM 06.11).
    std::size_t decode(const sdk::DecodeRequest& request, std::span<std::int16_t> pcm);

   private:
    void conceal_frame(std::span<std::int16_t> pcm);
    struct State;
    std::unique_ptr<State> state_;
  };
};

}  // namespace parley::gsm_fr
