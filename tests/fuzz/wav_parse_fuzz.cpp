// WAV files come from users and the network (voicemail, shared clips): the
// parser must refuse anything malformed without reading out of bounds.
#include <cstdint>
#include <span>
#include <vector>

#include "replay_main.hpp"
#include "wav_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  try {
    const auto layout = parley::wav::parse(parley::wav::MemorySource(bytes));
    // The layout must lie inside the input: decoding touches every sample byte.
    if (layout.data_offset > size || layout.data_bytes > size - layout.data_offset)
      __builtin_trap();
    std::vector<std::int16_t> pcm(layout.data_bytes / 2);
    parley::wav::decode_samples(bytes.subspan(layout.data_offset, layout.data_bytes), pcm);
  } catch (const parley::wav::WavError&) {
    // Refusing is the expected answer to most inputs.
  }
  return 0;
}
