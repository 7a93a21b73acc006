// What the parser accepts, the reader returns and the writer leaves on disk,
// including after a crash.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "temp_dir.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numbers>

#include "wav_bytes.hpp"
#include "wav_file.hpp"

namespace parley::wav::test {
namespace {

using parley::test::TempDir;

Bytes file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
}

std::vector<std::int16_t> sweep(std::size_t frames, std::uint16_t channels) {
  std::vector<std::int16_t> pcm(frames * channels);
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    // Covers the extremes too: -32768 and 32767 must survive the byte order.
    pcm[i] = static_cast<std::int16_t>(static_cast<int>((i * 2654435761u) % 65536) - 32768);
  }
  return pcm;
}

std::vector<std::int16_t> read_all(WavReader& reader, std::size_t chunk_frames) {
  std::vector<std::int16_t> all;
  std::vector<std::int16_t> pcm(chunk_frames * reader.format().channels);
  while (const auto frames = reader.read(pcm)) {
    all.insert(all.end(), pcm.begin(),
               pcm.begin() + static_cast<long>(frames * reader.format().channels));
  }
  return all;
}

TEST(wav_reader, RoundTripsEveryChannelCountAndRateClass) {
  TempDir dir;
  for (const std::uint32_t rate : {8000u, 44100u, 192000u}) {
    for (const std::uint16_t channels : {std::uint16_t{1}, std::uint16_t{2}}) {
      SCOPED_TRACE(std::to_string(rate) + " Hz, " + std::to_string(channels) + " ch");
      const auto path = dir / "round.wav";
      const auto written = sweep(rate / 10 + 3, channels);  // not a multiple of any chunk size
      {
        WavWriter writer(path, {rate, channels}, 0);
        writer.write(written);
        writer.close();
        EXPECT_EQ(writer.frames_written(), written.size() / channels);
      }
      EXPECT_EQ(std::filesystem::file_size(path), kCanonicalHeaderBytes + written.size() * 2);
      WavReader reader(path);
      EXPECT_EQ(reader.format(), (Format{rate, channels}));
      EXPECT_EQ(reader.frames_total(), written.size() / channels);
      EXPECT_EQ(read_all(reader, 160), written);
      std::vector<std::int16_t> more(channels);
      EXPECT_EQ(reader.read(more), 0u) << "a finished reader stays finished";
    }
  }
}

TEST(wav_reader, SkipsUnknownChunksIncludingOddSizedOnes) {
  TempDir dir;
  const auto path = dir / "chunks.wav";
  write_file(path, riff({chunk("LIST", Bytes(3, 'a')), chunk("fmt ", pcm_fmt(1, 16000)),
                         chunk("junk", Bytes(5, 'b')), chunk("fact", Bytes(4, 0)),
                         chunk("data", samples({-32768, -1, 0, 1, 32767})),
                         chunk("id3 ", Bytes(7, 'c'))}));
  WavReader reader(path);
  EXPECT_EQ(reader.format(), (Format{16000, 1}));
  EXPECT_EQ(read_all(reader, 2), (std::vector<std::int16_t>{-32768, -1, 0, 1, 32767}));
}

TEST(wav_reader, AcceptsExtensiblePcmAndLongerFmtChunks) {
  const auto extensible = riff({chunk("fmt ", extensible_fmt(1, 2, 48000, 16, 16)),
                                chunk("data", samples({10, -10, 20, -20}))});
  const auto layout = parse(MemorySource(extensible));
  EXPECT_EQ(layout.format, (Format{48000, 2}));
  EXPECT_EQ(layout.frames(), 2u);

  auto with_cb_size = pcm_fmt(1, 22050);
  put16(with_cb_size, 0);  // fmt of 18 bytes, cbSize 0, as some tools write
  const auto longer = riff({chunk("fmt ", with_cb_size), chunk("data", samples({5}))});
  EXPECT_EQ(parse(MemorySource(longer)).format, (Format{22050, 1}));
}

TEST(wav_reader, IgnoresBytesAfterTheRiffChunk) {
  auto bytes = riff({chunk("fmt ", pcm_fmt()), chunk("data", samples({1, 2}))});
  put_text(bytes, "TAG trailing metadata");
  const auto layout = parse(MemorySource(bytes));
  EXPECT_EQ(layout.frames(), 2u);
  EXPECT_EQ(layout.data_offset, 44u);
}

TEST(wav_reader, ReportsMissingFilesAndDirectories) {
  TempDir dir;
  try {
    WavReader reader(dir / "absent.wav");
    ADD_FAILURE() << "opened a missing file";
  } catch (const WavError& error) {
    EXPECT_EQ(error.problem(), WavError::Problem::io);
  }
  std::filesystem::create_directory(dir / "folder.wav");
  EXPECT_THROW(WavReader(dir / "folder.wav"), WavError);
}

TEST(wav_writer, CreatesAPrivateFile) {
  TempDir dir;
  WavWriter writer(dir / "private.wav", {8000, 1}, 0);
  struct stat info {};
  ASSERT_EQ(::stat((dir / "private.wav").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(wav_writer, RefusesFormatsItCannotWrite) {
  TempDir dir;
  EXPECT_THROW(WavWriter(dir / "x.wav", {8000, 3}, 0), WavError);
  EXPECT_THROW(WavWriter(dir / "x.wav", {4000, 1}, 0), WavError);
  WavWriter writer(dir / "x.wav", {8000, 2}, 0);
  const std::int16_t half_frame[] = {1};
  EXPECT_THROW(writer.write(half_frame), std::invalid_argument);
}

TEST(wav_writer, HeaderDescribesFlushedAudioWhileStillOpen) {
  TempDir dir;
  const auto path = dir / "open.wav";
  constexpr std::uint32_t kRate = 8000;
  WavWriter writer(path, {kRate, 1}, kRate);  // refresh every second
  EXPECT_EQ(parse(MemorySource(file_bytes(path))).frames(), 0u) << "valid from the first instant";
  const auto frame = sweep(kRate / 50, 1);
  for (int i = 0; i < 75; ++i) writer.write(frame);  // 1.5 s
  const auto on_disk = file_bytes(path);
  const auto layout = parse(MemorySource(on_disk));
  EXPECT_EQ(layout.frames(), kRate) << "the refresh at 1 s, not yet the last half second";
  writer.close();
  EXPECT_EQ(parse(MemorySource(file_bytes(path))).frames(), kRate * 3 / 2);
}

TEST(wav_writer, ACrashLeavesAReadableFileWithAllButTheLastSecond) {
  TempDir dir;
  const auto path = dir / "crash.wav";
  constexpr std::uint32_t kRate = 16000;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The writer's destructor never runs: the process dies mid-recording.
    WavWriter writer(path, {kRate, 2}, kRate);
    const auto frame = sweep(kRate / 50, 2);
    for (int i = 0; i < 125; ++i) writer.write(frame);  // 2.5 s
    ::raise(SIGKILL);
    ::_exit(1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  WavReader reader(path);
  EXPECT_EQ(reader.format(), (Format{kRate, 2}));
  EXPECT_EQ(reader.frames_total(), 2 * kRate) << "the refreshes at 1 s and 2 s survived";
  const auto expected_frame = sweep(kRate / 50, 2);
  const auto all = read_all(reader, kRate / 50);
  ASSERT_EQ(all.size(), 2u * kRate * 2);
  EXPECT_TRUE(std::equal(expected_frame.begin(), expected_frame.end(),
                         all.end() - static_cast<long>(expected_frame.size())));
}

}  // namespace
}  // namespace parley::wav::test
