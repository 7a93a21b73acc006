// The parser's refusals: each file here is wrong in one way, and the message
// must say what was found (and, for formats, what is supported).
#include <gtest/gtest.h>

#include <string>

#include "wav_bytes.hpp"
#include "wav_file.hpp"

namespace parley::wav::test {
namespace {

using Problem = WavError::Problem;

// Parses bytes expecting a refusal; returns its message for further checks.
std::string refusal(const Bytes& bytes, Problem expected) {
  try {
    (void)parse(MemorySource(bytes));
  } catch (const WavError& error) {
    EXPECT_EQ(error.problem(), expected) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "parsed a file that should have been refused";
  return {};
}

void expect_contains(const std::string& text, std::string_view part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << text << "' lacks '" << part << "'";
}

const Bytes kData = samples({1, 2, 3, 4});

TEST(wav_malformed, EmptyAndTruncatedHeaders) {
  expect_contains(refusal({}, Problem::malformed), "shorter than a RIFF header");
  const auto whole = riff({chunk("fmt ", pcm_fmt()), chunk("data", kData)});
  for (std::size_t cut : {4u, 11u}) {
    expect_contains(refusal(Bytes(whole.begin(), whole.begin() + cut), Problem::malformed),
                    "shorter than a RIFF header");
  }
  // Every cut inside the chunks is a truncation the RIFF size exposes.
  for (std::size_t cut = 12; cut < whole.size(); ++cut) {
    SCOPED_TRACE(cut);
    expect_contains(
        refusal(Bytes(whole.begin(), whole.begin() + static_cast<long>(cut)), Problem::malformed),
        "truncated");
  }
}

TEST(wav_malformed, NotRiffOrNotWave) {
  Bytes text(64, 'x');
  expect_contains(refusal(text, Problem::malformed), "no RIFF header, found 'xxxx'");
  auto avi = riff({chunk("data", kData)});
  avi[8] = 'A', avi[9] = 'V', avi[10] = 'I', avi[11] = ' ';
  expect_contains(refusal(avi, Problem::malformed), "RIFF form is 'AVI '");
}

TEST(wav_malformed, RiffSizeBeyondTheFile) {
  const auto body = riff({chunk("fmt ", pcm_fmt()), chunk("data", kData)});
  const auto lying = riff({chunk("fmt ", pcm_fmt()), chunk("data", kData)},
                          static_cast<std::uint32_t>(body.size()) + 100);
  expect_contains(refusal(lying, Problem::malformed), "truncated: RIFF header says");
  expect_contains(refusal(riff({}, 0xffffffff), Problem::malformed), "truncated");
}

TEST(wav_malformed, DataChunkSizeBeyondTheEnd) {
  // The RIFF size is honest about the file; the data chunk is not.
  const auto lying = riff({chunk("fmt ", pcm_fmt()), chunk("data", kData, 1000)});
  expect_contains(refusal(lying, Problem::malformed),
                  "chunk 'data' at offset 36 claims 1000 bytes");
  const auto streaming = riff({chunk("fmt ", pcm_fmt()), chunk("data", kData, 0xffffffff)});
  expect_contains(refusal(streaming, Problem::malformed), "claims 4294967295 bytes");
}

TEST(wav_malformed, UnknownChunkSizeBeyondTheEnd) {
  const auto lying = riff({chunk("LIST", Bytes(10, 0), 5000), chunk("fmt ", pcm_fmt())});
  expect_contains(refusal(lying, Problem::malformed), "chunk 'LIST' at offset 12 claims 5000");
}

TEST(wav_malformed, FmtChunkTooShort) {
  auto short_fmt = pcm_fmt();
  short_fmt.resize(14);
  expect_contains(
      refusal(riff({chunk("fmt ", short_fmt), chunk("data", kData)}), Problem::malformed),
      "fmt chunk is 14 bytes, at least 16 are needed");
  auto short_extensible = extensible_fmt(1, 1, 8000, 16, 16);
  short_extensible.resize(24);
  expect_contains(
      refusal(riff({chunk("fmt ", short_extensible), chunk("data", kData)}), Problem::malformed),
      "extensible fmt chunk is 24 bytes");
}

TEST(wav_malformed, DataThatIsNotWholeFrames) {
  const auto odd = riff({chunk("fmt ", pcm_fmt(2)), chunk("data", samples({1, 2, 3}))});
  expect_contains(refusal(odd, Problem::malformed),
                  "data chunk of 6 bytes is not a whole number of 4-byte frames");
}

TEST(wav_malformed, ChunkOrderAndCount) {
  expect_contains(
      refusal(riff({chunk("data", kData), chunk("fmt ", pcm_fmt())}), Problem::malformed),
      "data chunk before the fmt chunk");
  expect_contains(refusal(riff({chunk("fmt ", pcm_fmt())}), Problem::malformed), "no data chunk");
  expect_contains(
      refusal(riff({chunk("fmt ", pcm_fmt()), chunk("fmt ", pcm_fmt()), chunk("data", kData)}),
              Problem::malformed),
      "second fmt chunk");
  Bytes many;
  for (int i = 0; i < 1100; ++i) {
    const auto empty = chunk("junk", {});
    many.insert(many.end(), empty.begin(), empty.end());
  }
  expect_contains(
      refusal(riff({many, chunk("fmt ", pcm_fmt()), chunk("data", kData)}), Problem::malformed),
      "more than 1024 chunks");
}

TEST(wav_malformed, TruncatedChunkHeaderAndMissingPad) {
  Bytes stub;
  put_text(stub, "jun");  // 3 bytes where an 8-byte chunk header should be
  stub.push_back(0);
  expect_contains(refusal(riff({chunk("fmt ", pcm_fmt()), stub}), Problem::malformed),
                  "truncated chunk header at offset 36");
  const auto unpadded = riff({chunk("fmt ", pcm_fmt()), chunk("odd!", Bytes(3, 7), {}, false)});
  expect_contains(refusal(unpadded, Problem::malformed), "lacks its pad byte");
}

TEST(wav_malformed, InconsistentFmtFields) {
  auto bad_align = pcm_fmt(2);
  bad_align[12] = 2;  // block align 2 for stereo 16-bit
  expect_contains(
      refusal(riff({chunk("fmt ", bad_align), chunk("data", kData)}), Problem::malformed),
      "block align is 2 bytes");
  auto bad_rate = pcm_fmt();
  bad_rate[8] = 0x11;  // byte rate no longer rate * block align
  expect_contains(
      refusal(riff({chunk("fmt ", bad_rate), chunk("data", kData)}), Problem::malformed),
      "byte rate is");
}

TEST(wav_unsupported, FormatsNameWhatWasFoundAndWhatIsSupported) {
  struct Case {
    Bytes fmt;
    std::string_view found;
  };
  const Case cases[] = {
      {fmt_body(3, 1, 48000, 32), "IEEE float"},
      {pcm_fmt(1, 8000, 8), "8-bit PCM"},
      {pcm_fmt(1, 48000, 24), "24-bit PCM"},
      {pcm_fmt(1, 48000, 32), "32-bit PCM"},
      {fmt_body(6, 1, 8000, 8), "A-law (compressed)"},
      {fmt_body(7, 1, 8000, 8), "mu-law (compressed)"},
      {fmt_body(2, 1, 8000, 4), "Microsoft ADPCM (compressed)"},
      {fmt_body(0x11, 1, 8000, 4), "IMA ADPCM (compressed)"},
      {fmt_body(0x55, 2, 44100, 0), "MPEG layer 3 (compressed)"},
      {fmt_body(0x1234, 1, 8000, 16), "format tag 0x1234"},
      {pcm_fmt(3, 48000), "3 channels"},
      {pcm_fmt(1, 7999), "a sample rate of 7999 Hz"},
      {pcm_fmt(1, 192001), "a sample rate of 192001 Hz"},
      {extensible_fmt(3, 2, 48000, 32, 32), "extensible IEEE float"},
      {extensible_fmt(1, 2, 48000, 24, 24), "24-bit PCM"},
      {extensible_fmt(1, 1, 48000, 16, 12), "12 valid bits in 16-bit containers"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.found);
    const auto message =
        refusal(riff({chunk("fmt ", c.fmt), chunk("data", Bytes(48, 0))}), Problem::unsupported);
    expect_contains(message, c.found);
    expect_contains(message, "supported: 16-bit PCM");
  }
}

TEST(wav_unsupported, OtherRiffFlavours) {
  auto rifx = riff({chunk("fmt ", pcm_fmt()), chunk("data", kData)});
  rifx[3] = 'X';
  expect_contains(refusal(rifx, Problem::unsupported), "big-endian RIFX");
  auto rf64 = rifx;
  rf64[0] = 'R', rf64[1] = 'F', rf64[2] = '6', rf64[3] = '4';
  expect_contains(refusal(rf64, Problem::unsupported), "RF64");
  auto guid = extensible_fmt(1, 1, 8000, 16, 16);
  guid.back() ^= 0xff;
  expect_contains(refusal(riff({chunk("fmt ", guid), chunk("data", kData)}), Problem::unsupported),
                  "subformat GUID");
}

}  // namespace
}  // namespace parley::wav::test
