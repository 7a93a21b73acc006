// What every audio device plugin must do: real devices (PACED), files and
// generators alike. Real devices are exercised where the machine has them; a
// machine without one skips those tests and says so.
#include <unistd.h>
#include "temp_dir.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <numbers>
#include <optional>
#include <set>

#include "conformance.hpp"
#include "plugin/audio_plugin.hpp"

namespace parley::conformance {
namespace {

using plugin::AudioPlugin;
using plugin::AudioStreamRequest;

using test::TempDir;

std::vector<std::int16_t> sine(std::size_t frames, std::uint32_t channels, std::uint32_t rate_hz) {
  std::vector<std::int16_t> pcm(frames * channels);
  for (std::size_t i = 0; i < frames; ++i) {
    const auto value = static_cast<std::int16_t>(
        8000 * std::sin(2 * std::numbers::pi * 440 * static_cast<double>(i) / rate_hz));
    for (std::uint32_t c = 0; c < channels; ++c) pcm[i * channels + c] = value;
  }
  return pcm;
}

// Where a test can capture from or play to, and what it should expect there.
struct Target {
  std::string device_id;
  std::uint32_t rate_hz = 48000;
  std::uint32_t channels = 1;
  std::optional<std::size_t> frames_available;  // files end; devices do not
  [[nodiscard]] std::uint32_t frame_samples() const { return rate_hz / 50; }  // 20 ms
};

constexpr std::size_t kFramesPerTest = 10;

class AudioConformance : public testing::TestWithParam<plugin::Offer> {
 protected:
  AudioPlugin audio{GetParam()};
  const parley_audio_device_api& api =
      *static_cast<const parley_audio_device_api*>(GetParam().interface->api);
  TempDir dir;

  [[nodiscard]] AudioStreamRequest request(const Target& target, std::uint32_t direction) const {
    AudioStreamRequest r;
    r.device_id = target.device_id;
    r.direction = direction;
    r.sample_rate_hz = target.rate_hz;
    r.channels = target.channels;
    r.frame_samples = target.frame_samples();
    return r;
  }

  [[nodiscard]] std::optional<Target> listed(std::uint32_t direction) const {
    for (const auto& device : audio.devices()) {
      if ((device.directions & direction) == 0) continue;
      Target target;
      target.device_id = device.device_id;
      if (device.default_sample_rate_hz != 0) target.rate_hz = device.default_sample_rate_hz;
      return target;
    }
    return std::nullopt;
  }

  // A playback target, or the reason there is none (which skips the test).
  std::optional<Target> playback_target(std::string& why) {
    if (auto device = listed(PARLEY_AUDIO_PLAYBACK)) return device;
    if (audio.paced()) {
      why = "no playback device on this machine";
      return std::nullopt;
    }
    // Unpaced and nothing listed: a file device, whose ids are paths.
    Target file;
    file.device_id = (dir.path() / "playback.wav").string();
    try {
      (void)audio.open(request(file, PARLEY_AUDIO_PLAYBACK));
    } catch (const plugin::PluginCallError& error) {
      if (error.status() != PARLEY_ERR_UNSUPPORTED) throw;
      why = "capture-only plugin";
      return std::nullopt;
    }
    return file;
  }

  // A capture source; for a file device, a file made by playing into it first.
  std::optional<Target> capture_target(std::string& why) {
    if (auto device = listed(PARLEY_AUDIO_CAPTURE)) return device;
    if (audio.paced()) {
      why = "no capture device on this machine";
      return std::nullopt;
    }
    Target file;
    file.device_id = (dir.path() / "capture-source.wav").string();
    try {
      auto sink = audio.open(request(file, PARLEY_AUDIO_PLAYBACK));
      sink.write(sine(file.frame_samples() * kFramesPerTest, file.channels, file.rate_hz));
    } catch (const plugin::PluginCallError& error) {
      ADD_FAILURE() << "an unpaced plugin that lists no capture device must take a file path: "
                    << error.what();
      why = "no capture source";
      return std::nullopt;
    }
    file.frames_available = file.frame_samples() * kFramesPerTest;
    return file;
  }
};

TEST_P(AudioConformance, DescribesItself) {
  EXPECT_GE(api.struct_size, sizeof(parley_audio_device_api));
  EXPECT_EQ(std::string_view(api.backend.data, api.backend.size), GetParam().interface->name);
  EXPECT_EQ(api.flags & ~std::uint32_t{PARLEY_AUDIO_PACED}, 0u) << "unknown flag bits";
}

TEST_P(AudioConformance, EnumeratesWellFormedDevices) {
  EXPECT_EQ(api.enumerate(nullptr, nullptr), PARLEY_ERR_INVALID_ARGUMENT);
  const auto devices = audio.devices();
  std::set<std::string> ids;
  for (const auto& device : devices) {
    SCOPED_TRACE(device.device_id);
    EXPECT_FALSE(device.device_id.empty());
    EXPECT_TRUE(ids.insert(device.device_id).second) << "device ids must be unique";
    EXPECT_NE(device.directions, 0u);
    EXPECT_EQ(device.directions & ~std::uint32_t{PARLEY_AUDIO_CAPTURE | PARLEY_AUDIO_PLAYBACK}, 0u);
    EXPECT_GE(device.max_channels, 1u);
  }
  if (devices.size() > 1) {
    int visits = 0;
    api.enumerate(
        [](void* user, const parley_audio_device_desc*) {
          ++*static_cast<int*>(user);
          return 1;  // stop at once
        },
        &visits);
    EXPECT_EQ(visits, 1) << "enumerate must stop when the visitor asks";
  }
  if (devices.empty()) std::cout << "note: " << audio.name() << " lists no devices here\n";
}

TEST_P(AudioConformance, CapturesFramesOfTheRequestedSize) {
  std::string why;
  const auto target = capture_target(why);
  if (!target) GTEST_SKIP() << why;
  auto stream = audio.open(request(*target, PARLEY_AUDIO_CAPTURE));
  EXPECT_EQ(stream.format().sample_rate_hz, target->rate_hz);
  EXPECT_EQ(stream.format().channels, target->channels);
  std::vector<std::int16_t> pcm(target->frame_samples() * target->channels);
  for (std::size_t i = 0; i < kFramesPerTest; ++i) {
    EXPECT_EQ(stream.read(pcm), target->frame_samples()) << "read " << i;
  }
  if (target->frames_available) {
    EXPECT_EQ(stream.read(pcm), 0u) << "a finished file reads 0 frames";
    EXPECT_EQ(stream.read(pcm), 0u) << "and keeps reading 0";
  }
  EXPECT_EQ(stream.stats().frames, kFramesPerTest * target->frame_samples());
}

TEST_P(AudioConformance, PlaysFramesOfTheRequestedSize) {
  std::string why;
  const auto target = playback_target(why);
  if (!target) GTEST_SKIP() << why;
  auto stream = audio.open(request(*target, PARLEY_AUDIO_PLAYBACK));
  EXPECT_EQ(stream.format().sample_rate_hz, target->rate_hz);
  EXPECT_EQ(stream.format().channels, target->channels);
  const auto pcm = sine(target->frame_samples(), target->channels, target->rate_hz);
  for (std::size_t i = 0; i < kFramesPerTest; ++i) stream.write(pcm);
  EXPECT_EQ(stream.stats().frames, kFramesPerTest * target->frame_samples());
}

TEST_P(AudioConformance, FileDevicesGiveBackWhatWasWritten) {
  if (audio.paced()) GTEST_SKIP() << "real device, not a file";
  std::string why;
  auto target = playback_target(why);
  if (!target) GTEST_SKIP() << why;
  target->channels = 2;
  target->rate_hz = 44100;
  const auto written = sine(target->frame_samples() * 3 + 7, 2, target->rate_hz);
  {
    auto sink = audio.open(request(*target, PARLEY_AUDIO_PLAYBACK));
    sink.write(written);
  }
  if (!std::filesystem::exists(target->device_id)) GTEST_SKIP() << "not file-backed";
  auto r = request(*target, PARLEY_AUDIO_CAPTURE);
  r.sample_rate_hz = 0;  // the file's own format, read back with stream_format
  r.channels = 0;
  auto source = audio.open(r);
  EXPECT_EQ(source.format().sample_rate_hz, 44100u);
  EXPECT_EQ(source.format().channels, 2u);
  std::vector<std::int16_t> read_back;
  std::vector<std::int16_t> pcm(target->frame_samples() * 2);
  while (const auto frames = source.read(pcm)) {
    read_back.insert(read_back.end(), pcm.begin(), pcm.begin() + static_cast<long>(frames * 2));
  }
  EXPECT_EQ(read_back, written);

  r.sample_rate_hz = 48000;  // a mismatch is refused: resampling is the kernel's job
  EXPECT_THROW((void)audio.open(r), plugin::PluginCallError);
}

TEST_P(AudioConformance, CapturesAtTheDevicesOwnFormatWhenAskedForNone) {
  std::string why;
  const auto target = capture_target(why);
  if (!target) GTEST_SKIP() << why;
  auto r = request(*target, PARLEY_AUDIO_CAPTURE);
  r.sample_rate_hz = 0;
  r.channels = 0;
  auto stream = audio.open(r);
  EXPECT_GE(stream.format().sample_rate_hz, PARLEY_AUDIO_MIN_SAMPLE_RATE_HZ);
  EXPECT_LE(stream.format().sample_rate_hz, PARLEY_AUDIO_MAX_SAMPLE_RATE_HZ);
  EXPECT_GE(stream.format().channels, 1u);
  EXPECT_LE(stream.format().channels, PARLEY_AUDIO_MAX_CHANNELS);
  std::uint32_t rate = 0, channels = 0;
  EXPECT_EQ(api.stream_format(nullptr, &rate, &channels), PARLEY_ERR_INVALID_ARGUMENT);
}

TEST_P(AudioConformance, RefusesBadParameters) {
  parley_audio_stream_params good{};
  good.struct_size = sizeof good;
  good.direction = PARLEY_AUDIO_CAPTURE;
  good.sample_rate_hz = 48000;
  good.channels = 1;
  good.frame_samples = 960;
  void* handle = nullptr;
  const auto refused = [&](parley_audio_stream_params p) {
    handle = nullptr;
    const auto status = api.open(&p, &handle);
    if (status == PARLEY_OK) api.close(handle);
    return status == PARLEY_ERR_INVALID_ARGUMENT;
  };
  EXPECT_EQ(api.open(nullptr, &handle), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(api.open(&good, nullptr), PARLEY_ERR_INVALID_ARGUMENT);
  auto p = good;
  p.struct_size = 8;
  EXPECT_TRUE(refused(p)) << "struct_size too small";
  p = good;
  p.direction = 0;
  EXPECT_TRUE(refused(p)) << "no direction";
  p.direction = PARLEY_AUDIO_CAPTURE | PARLEY_AUDIO_PLAYBACK;
  EXPECT_TRUE(refused(p)) << "both directions";
  p = good;
  p.frame_samples = 0;
  EXPECT_TRUE(refused(p)) << "zero frame size";
  p.frame_samples = PARLEY_AUDIO_MAX_FRAME_SAMPLES + 1;
  EXPECT_TRUE(refused(p)) << "frame size past the bound";
  p = good;
  p.channels = PARLEY_AUDIO_MAX_CHANNELS + 1;
  EXPECT_TRUE(refused(p)) << "too many channels";
  p = good;
  p.sample_rate_hz = PARLEY_AUDIO_MIN_SAMPLE_RATE_HZ - 1;
  EXPECT_TRUE(refused(p)) << "rate below the bound";
  p.sample_rate_hz = PARLEY_AUDIO_MAX_SAMPLE_RATE_HZ + 1;
  EXPECT_TRUE(refused(p)) << "rate above the bound";
  p = good;
  p.device_id = parley_str{nullptr, 4};
  EXPECT_TRUE(refused(p)) << "null device id with a size";
}

TEST_P(AudioConformance, RefusesBadCallsOnAnOpenStream) {
  std::string why;
  const auto target = capture_target(why);
  if (!target) GTEST_SKIP() << why;
  auto r = request(*target, PARLEY_AUDIO_CAPTURE);
  parley_audio_stream_params p{};
  p.struct_size = sizeof p;
  p.device_id = {r.device_id.data(), r.device_id.size()};
  p.direction = r.direction;
  p.sample_rate_hz = r.sample_rate_hz;
  p.channels = r.channels;
  p.frame_samples = r.frame_samples;
  void* handle = nullptr;
  ASSERT_EQ(api.open(&p, &handle), PARLEY_OK);
  std::vector<std::int16_t> pcm(r.frame_samples * r.channels);
  std::uint32_t frames = 0;
  EXPECT_EQ(api.read(handle, nullptr, r.frame_samples, &frames), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(api.read(handle, pcm.data(), r.frame_samples, nullptr), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(api.read(handle, pcm.data(), 0, &frames), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(api.read(nullptr, pcm.data(), r.frame_samples, &frames), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_NE(api.write(handle, pcm.data(), r.frame_samples), PARLEY_OK)
      << "wrote to a capture stream";
  EXPECT_EQ(api.stream_format(handle, nullptr, nullptr), PARLEY_ERR_INVALID_ARGUMENT);
  parley_audio_stream_stats stats{};
  EXPECT_EQ(api.stream_stats(handle, &stats), PARLEY_ERR_INVALID_ARGUMENT) << "struct_size 0";
  stats.struct_size = sizeof stats;
  EXPECT_EQ(api.stream_stats(handle, &stats), PARLEY_OK);
  EXPECT_EQ(api.read(handle, pcm.data(), r.frame_samples, &frames), PARLEY_OK)
      << "stream unusable after refused calls";
  api.close(handle);
}

TEST_P(AudioConformance, OpensAndClosesRepeatedly) {
  std::string why;
  const auto target = capture_target(why);
  if (!target) GTEST_SKIP() << why;
  std::vector<std::int16_t> pcm(target->frame_samples() * target->channels);
  // A real device may take a second or two to deliver its first frame after each open.
  const int rounds = audio.paced() ? 3 : 20;
  for (int round = 0; round < rounds; ++round) {
    auto stream = audio.open(request(*target, PARLEY_AUDIO_CAPTURE));
    EXPECT_EQ(stream.read(pcm), target->frame_samples()) << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(Plugin, AudioConformance,
                         testing::ValuesIn(offers_of(PARLEY_KIND_AUDIO_DEVICE)), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AudioConformance);

}  // namespace
}  // namespace parley::conformance
