// Audio device plugins in C++. A device backend is a type T with:
//   static constexpr std::uint32_t flags = 0;  // or PARLEY_AUDIO_PACED
//   static std::vector<parley::sdk::AudioDevice> devices();
//   class T::Stream {
//    public:
//     explicit Stream(const StreamParams&);           // throw Error to refuse
//     StreamFormat format() const;                    // what the stream really runs at
//     std::size_t read(std::span<std::int16_t> pcm);  // frames read; fewer only at the end
//     void write(std::span<const std::int16_t> pcm);
//     GlitchCounts glitches() const;                  // optional
//   };
// registered with parley::sdk::audio_device<T>("wav", score). A capture-only
// stream may throw Error(PARLEY_ERR_UNSUPPORTED) from write (and the reverse);
// the adapter already refuses reading a playback stream and writing a capture one.
// pcm spans are interleaved: frames * channels samples.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "parley/abi/audio_device.h"
#include "parley/sdk/plugin.hpp"

namespace parley::sdk {

struct AudioDevice {
  std::string device_id;  // stable across runs: it is written into config
  std::string display_name;
  std::uint32_t directions = 0;  // PARLEY_AUDIO_CAPTURE | PARLEY_AUDIO_PLAYBACK
  std::uint32_t default_sample_rate_hz = 0;
  std::uint32_t max_channels = 0;
};

struct StreamParams {
  std::string_view device_id;  // valid only during the Stream constructor
  std::uint32_t direction = PARLEY_AUDIO_CAPTURE;
  std::uint32_t sample_rate_hz = 0;  // 0: the device's own
  std::uint32_t channels = 0;        // 0: the device's own
  std::uint32_t frame_samples = 0;   // per channel per read/write
  std::string_view options;          // valid only during the Stream constructor

  [[nodiscard]] bool capture() const { return direction == PARLEY_AUDIO_CAPTURE; }
};

struct StreamFormat {
  std::uint32_t sample_rate_hz = 0;
  std::uint32_t channels = 0;
};

struct GlitchCounts {
  std::uint64_t overflows = 0;
  std::uint64_t underflows = 0;
};

// "key=value;key=value" device options. Keys a device does not know are an
// error (a typo should not silently do nothing): call reject_unknown() last.
class Options {
 public:
  explicit Options(std::string_view text) {
    while (!text.empty()) {
      const auto end = text.find(';');
      const auto item = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
      if (item.empty()) continue;
      const auto equals = item.find('=');
      if (equals == std::string_view::npos || equals == 0) {
        throw Error(PARLEY_ERR_INVALID_ARGUMENT,
                    "option '" + std::string(item) + "' is not key=value");
      }
      entries_.push_back(
          {std::string(item.substr(0, equals)), std::string(item.substr(equals + 1)), false});
    }
  }

  [[nodiscard]] std::optional<std::string> text(std::string_view key) {
    std::optional<std::string> found;
    for (auto& entry : entries_) {
      if (entry.key == key) {
        entry.used = true;
        found = entry.value;  // the last one wins, as in a config file
      }
    }
    return found;
  }

  template <typename Number>
  [[nodiscard]] Number number(std::string_view key, Number fallback, Number min, Number max) {
    const auto value = text(key);
    if (!value) return fallback;
    Number parsed{};
    const auto* first = value->data();
    const auto* last = first + value->size();
    const auto [ptr, error] = std::from_chars(first, last, parsed);
    // Written so that NaN, which compares false with everything, is refused too.
    if (error != std::errc{} || ptr != last || !(parsed >= min && parsed <= max)) {
      throw Error(PARLEY_ERR_INVALID_ARGUMENT, "option " + std::string(key) + "=" + *value +
                                                   " is not a number in [" + std::to_string(min) +
                                                   ", " + std::to_string(max) + "]");
    }
    return parsed;
  }

  void reject_unknown() const {
    for (const auto& entry : entries_) {
      if (!entry.used)
        throw Error(PARLEY_ERR_INVALID_ARGUMENT, "unknown option '" + entry.key + "'");
    }
  }

 private:
  struct Entry {
    std::string key;
    std::string value;
    bool used;
  };
  std::vector<Entry> entries_;
};

namespace detail {

template <typename S, typename = void>
struct has_glitches : std::false_type {};
template <typename S>
struct has_glitches<S, std::void_t<decltype(std::declval<const S&>().glitches())>>
    : std::true_type {};

inline void validate(const parley_audio_stream_params* params) {
  if (params == nullptr || params->struct_size < sizeof(parley_audio_stream_params)) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "stream params missing or too small");
  }
  if (params->direction != PARLEY_AUDIO_CAPTURE && params->direction != PARLEY_AUDIO_PLAYBACK) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "direction must be exactly capture or playback");
  }
  const auto rate = params->sample_rate_hz;
  if (rate != 0 &&
      (rate < PARLEY_AUDIO_MIN_SAMPLE_RATE_HZ || rate > PARLEY_AUDIO_MAX_SAMPLE_RATE_HZ)) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT,
                "sample rate " + std::to_string(rate) + " Hz is outside 8000..192000");
  }
  if (params->channels > PARLEY_AUDIO_MAX_CHANNELS) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "more than 8 channels");
  }
  if (params->frame_samples == 0 || params->frame_samples > PARLEY_AUDIO_MAX_FRAME_SAMPLES) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "frame_samples must be 1..192000");
  }
  if ((params->device_id.data == nullptr && params->device_id.size != 0) ||
      (params->options.data == nullptr && params->options.size != 0)) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "null string with a size");
  }
}

template <typename T>
struct AudioDeviceAdapter {
  static constexpr std::uint32_t kind = PARLEY_KIND_AUDIO_DEVICE;
  static constexpr std::uint16_t major = PARLEY_AUDIO_MAJOR;
  static constexpr std::uint16_t minor = PARLEY_AUDIO_MINOR;
  using Stream = typename T::Stream;

  struct StreamBox {
    std::uint32_t direction;
    StreamFormat format;  // fixed at open: the sizes of every later read and write
    std::uint64_t frames = 0;
    Stream stream;
    explicit StreamBox(const StreamParams& params) : direction(params.direction), stream(params) {
      format = stream.format();
      if (format.sample_rate_hz == 0 || format.channels == 0 ||
          format.channels > PARLEY_AUDIO_MAX_CHANNELS) {
        throw Error(PARLEY_ERR_INTERNAL, "stream opened without a usable format");
      }
    }
  };

  static parley_status enumerate(parley_audio_device_visitor visit, void* user) {
    return guard("audio enumerate", [&]() -> parley_status {
      if (visit == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      const std::vector<AudioDevice> devices = T::devices();
      for (const auto& device : devices) {
        parley_audio_device_desc c{};
        c.struct_size = sizeof c;
        c.device_id = to_c(device.device_id);
        c.display_name = to_c(device.display_name);
        c.directions = device.directions;
        c.default_sample_rate_hz = device.default_sample_rate_hz;
        c.max_channels = device.max_channels;
        if (visit(user, &c) != 0) break;
      }
      return PARLEY_OK;
    });
  }

  static parley_status open(const parley_audio_stream_params* params, void** out) {
    return guard("audio open", [&]() -> parley_status {
      if (out == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      *out = nullptr;
      validate(params);
      StreamParams p;
      p.device_id = from_c(params->device_id);
      p.direction = params->direction;
      p.sample_rate_hz = params->sample_rate_hz;
      p.channels = params->channels;
      p.frame_samples = params->frame_samples;
      p.options = from_c(params->options);
      try {
        *out = new StreamBox(p);
      } catch (const Error& error) {
        // A refused file or device is the user's business: say why above debug level.
        log(PARLEY_LOG_WARN, "cannot open '" + std::string(p.device_id) + "': " + error.what());
        return error.status();
      }
      return PARLEY_OK;
    });
  }

  static void close(void* stream) { delete static_cast<StreamBox*>(stream); }

  static StreamBox& box_of(void* stream) {
    if (stream == nullptr) throw Error(PARLEY_ERR_INVALID_ARGUMENT, "stream is null");
    return *static_cast<StreamBox*>(stream);
  }

  static parley_status stream_format(void* stream, std::uint32_t* rate, std::uint32_t* channels) {
    return guard("audio stream_format", [&]() -> parley_status {
      const auto& box = box_of(stream);
      if (rate == nullptr || channels == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      *rate = box.format.sample_rate_hz;
      *channels = box.format.channels;
      return PARLEY_OK;
    });
  }

  static parley_status read(void* stream, std::int16_t* pcm, std::uint32_t frames,
                            std::uint32_t* out_frames) {
    return guard("audio read", [&]() -> parley_status {
      auto& box = box_of(stream);
      if (pcm == nullptr || out_frames == nullptr || frames == 0 ||
          frames > PARLEY_AUDIO_MAX_FRAME_SAMPLES) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      *out_frames = 0;
      if (box.direction != PARLEY_AUDIO_CAPTURE) return PARLEY_ERR_UNSUPPORTED;
      const std::size_t samples = std::size_t{frames} * box.format.channels;
      const auto got = box.stream.read(std::span<std::int16_t>(pcm, samples));
      if (got > frames) throw Error(PARLEY_ERR_INTERNAL, "stream read more frames than asked");
      *out_frames = static_cast<std::uint32_t>(got);
      box.frames += got;
      return PARLEY_OK;
    });
  }

  static parley_status write(void* stream, const std::int16_t* pcm, std::uint32_t frames) {
    return guard("audio write", [&]() -> parley_status {
      auto& box = box_of(stream);
      if (pcm == nullptr || frames == 0 || frames > PARLEY_AUDIO_MAX_FRAME_SAMPLES) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      if (box.direction != PARLEY_AUDIO_PLAYBACK) return PARLEY_ERR_UNSUPPORTED;
      const std::size_t samples = std::size_t{frames} * box.format.channels;
      box.stream.write(std::span<const std::int16_t>(pcm, samples));
      box.frames += frames;
      return PARLEY_OK;
    });
  }

  static parley_status stream_stats(void* stream, parley_audio_stream_stats* stats) {
    return guard("audio stream_stats", [&]() -> parley_status {
      const auto& box = box_of(stream);
      if (stats == nullptr || stats->struct_size < sizeof(std::uint32_t)) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      parley_audio_stream_stats full{};
      full.struct_size = sizeof full;
      full.frames = box.frames;
      if constexpr (has_glitches<Stream>::value) {
        const GlitchCounts counts = box.stream.glitches();
        full.overflows = counts.overflows;
        full.underflows = counts.underflows;
      }
      // An older caller's struct is smaller: fill only what it has room for.
      const std::uint32_t room = std::min(stats->struct_size, std::uint32_t{sizeof full});
      std::memcpy(stats, &full, room);
      stats->struct_size = room;
      return PARLEY_OK;
    });
  }

  static const void* get_api() {
    return build_table_once<parley_audio_device_api>("audio device", [] {
      parley_audio_device_api api{};
      api.struct_size = sizeof(parley_audio_device_api);
      api.backend = to_c(backend_name());
      api.flags = T::flags;
      api.enumerate = &enumerate;
      api.open = &open;
      api.close = &close;
      api.stream_format = &stream_format;
      api.read = &read;
      api.write = &write;
      api.stream_stats = &stream_stats;
      return api;
    });
  }

  // Set once by audio_device<T>() before the table is built.
  static std::string& backend_name() {
    static std::string name;
    return name;
  }
};

}  // namespace detail

template <typename T>
parley_interface audio_device(std::string_view name, std::int32_t score = 0) {
  detail::AudioDeviceAdapter<T>::backend_name() = std::string(name);
  return make_interface<detail::AudioDeviceAdapter<T>>(name, score);
}

}  // namespace parley::sdk
