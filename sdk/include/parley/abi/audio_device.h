/* audio/1.1: capture and playback devices, files and generators. 1.1 added
 * stream_stats and the request bounds (PARLEY_AUDIO_MIN_SAMPLE_RATE_HZ...). */
#ifndef PARLEY_ABI_AUDIO_DEVICE_H
#define PARLEY_ABI_AUDIO_DEVICE_H

#include "parley/abi/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_AUDIO_MAJOR 1
#define PARLEY_AUDIO_MINOR 1

enum {
  PARLEY_AUDIO_CAPTURE = 1u << 0,
  PARLEY_AUDIO_PLAYBACK = 1u << 1,
  /* read/write block at the device's real-time pace. Unpaced devices (files,
   * generators) are paced by the kernel's media clock instead. */
  PARLEY_AUDIO_PACED = 1u << 2
};

/* Bounds every stream request must respect; the SDK refuses anything outside
 * them with PARLEY_ERR_INVALID_ARGUMENT before plugin code sees it. */
#define PARLEY_AUDIO_MIN_SAMPLE_RATE_HZ 8000u
#define PARLEY_AUDIO_MAX_SAMPLE_RATE_HZ 192000u
#define PARLEY_AUDIO_MAX_CHANNELS 8u
#define PARLEY_AUDIO_MAX_FRAME_SAMPLES 192000u /* one second at the highest rate */

typedef struct parley_audio_device_desc {
  uint32_t struct_size;
  parley_str device_id; /* stable, for config */
  parley_str display_name;
  uint32_t directions; /* PARLEY_AUDIO_CAPTURE | PARLEY_AUDIO_PLAYBACK */
  uint32_t default_sample_rate_hz;
  uint32_t max_channels;
} parley_audio_device_desc;

typedef int (*parley_audio_device_visitor)(void* user, const parley_audio_device_desc* device);

typedef struct parley_audio_stream_params {
  uint32_t struct_size;
  parley_str device_id;    /* a file path for file devices; empty: default device */
  uint32_t direction;      /* exactly one of PARLEY_AUDIO_CAPTURE, PARLEY_AUDIO_PLAYBACK */
  uint32_t sample_rate_hz; /* 0: the device's own rate (read it back with stream_format) */
  uint32_t channels;       /* 0: the device's own count (read it back with stream_format) */
  uint32_t frame_samples;  /* per channel per read/write, e.g. 960 = 20 ms at 48 kHz */
  parley_str options;      /* "key=value;...", device-specific */
} parley_audio_stream_params;

/* Counters of one stream since it was opened. Glitches are counted, never fatal. */
typedef struct parley_audio_stream_stats {
  uint32_t struct_size;
  uint64_t frames;     /* samples per channel delivered by read or accepted by write */
  uint64_t overflows;  /* capture: input was lost because it was not read in time */
  uint64_t underflows; /* playback: the device ran dry and played a gap */
} parley_audio_stream_stats;

typedef struct parley_audio_device_api {
  uint32_t struct_size;
  parley_str backend; /* "wav", "portaudio", "tone" */
  uint32_t flags;     /* PARLEY_AUDIO_PACED if its streams block in real time */

  parley_status (*enumerate)(parley_audio_device_visitor visit, void* user);
  parley_status (*open)(const parley_audio_stream_params* params, void** out_stream);
  void (*close)(void* stream);
  parley_status (*stream_format)(void* stream, uint32_t* sample_rate_hz, uint32_t* channels);
  /* Fills up to frames samples per channel; *out_frames < frames only at end of
   * stream (files), where 0 means finished. */
  parley_status (*read)(void* stream, int16_t* pcm, uint32_t frames, uint32_t* out_frames);
  parley_status (*write)(void* stream, const int16_t* pcm, uint32_t frames);
  /* --- audio/1.1 --- */
  /* Fills *stats (the caller sets stats->struct_size; the plugin fills what fits). */
  parley_status (*stream_stats)(void* stream, parley_audio_stream_stats* stats);
} parley_audio_device_api;

#ifdef __cplusplus
}
#endif

#endif /* PARLEY_ABI_AUDIO_DEVICE_H */
