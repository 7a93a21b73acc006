/* codec/1.1: audio encoder and decoder. 1.1 added encoder_update. */
#ifndef PARLEY_ABI_CODEC_H
#define PARLEY_ABI_CODEC_H

#include "parley/abi/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_CODEC_MAJOR 1
#define PARLEY_CODEC_MINOR 1

enum {
  PARLEY_CODEC_CAP_PLC = 1u << 0, /* decode(NULL payload) conceals a lost frame */
  PARLEY_CODEC_CAP_FEC = 1u << 1, /* in-band forward error correction */
  PARLEY_CODEC_CAP_DTX = 1u << 2, /* encode may return 0 bytes during silence */
  PARLEY_CODEC_CAP_VBR = 1u << 3,
  PARLEY_CODEC_CAP_BITRATE = 1u << 4 /* bitrate_bps is honoured */
};

enum {
  /* decode: rebuild the frame *before* this payload from its in-band FEC. */
  PARLEY_DECODE_FEC = 1u << 0
};

#define PARLEY_RTP_PT_DYNAMIC 255u

typedef struct parley_codec_info {
  uint32_t struct_size;
  parley_str rtp_encoding_name;    /* as in SDP rtpmap: "opus", "PCMU", "speex" */
  uint32_t rtp_clock_rate_hz;      /* RTP timestamp rate (opus: always 48000) */
  uint32_t static_payload_type;    /* RFC 3551 number, or PARLEY_RTP_PT_DYNAMIC */
  const uint32_t* sample_rates_hz; /* rates encode/decode accept, ascending */
  uint32_t sample_rate_count;
  uint32_t max_channels;
  const uint32_t* frame_durations_ms; /* accepted frame lengths */
  uint32_t frame_duration_count;
  uint32_t capabilities;                     /* PARLEY_CODEC_CAP_* */
  uint32_t min_bitrate_bps, max_bitrate_bps; /* 0 when fixed */
  uint32_t max_payload_bytes;                /* upper bound of one encoded frame */
} parley_codec_info;

typedef struct parley_codec_params {
  uint32_t struct_size;
  uint32_t sample_rate_hz;
  uint32_t channels;
  uint32_t frame_duration_ms;
  uint32_t bitrate_bps; /* 0: codec default */
  int32_t complexity;   /* -1: codec default, else 0..10 */
  uint8_t vbr;          /* booleans, honoured where the capability exists */
  uint8_t fec;
  uint8_t dtx;
  uint8_t expected_loss_pct; /* tunes FEC strength */
  parley_str options;        /* codec-specific "key=value;key=value" (e.g. "mode=wb") */
} parley_codec_params;

typedef struct parley_codec_api {
  uint32_t struct_size;
  const parley_codec_info* info;

  parley_status (*encoder_create)(const parley_codec_params* params, void** out_encoder);
  void (*encoder_destroy)(void* encoder);
  /* Encodes exactly one frame of interleaved samples
   * (sample_rate_hz * frame_duration_ms / 1000 per channel). 0 bytes = DTX. */
  parley_status (*encode)(void* encoder, const int16_t* pcm, uint32_t samples_per_channel,
                          uint8_t* out, size_t out_capacity, size_t* out_size);

  parley_status (*decoder_create)(const parley_codec_params* params, void** out_decoder);
  void (*decoder_destroy)(void* decoder);
  /* payload == NULL: the frame was lost, conceal it (PLC). flags: PARLEY_DECODE_*.
   * Writes *out_samples_per_channel interleaved samples. */
  parley_status (*decode)(void* decoder, const uint8_t* payload, size_t payload_size,
                          uint32_t flags, int16_t* pcm, uint32_t capacity_samples_per_channel,
                          uint32_t* out_samples_per_channel);

  /* --- codec/1.1 --- */
  /* Mid-call adaptation (bitrate, FEC, expected loss) without a new encoder.
   * May be NULL when the codec has nothing to adapt. */
  parley_status (*encoder_update)(void* encoder, const parley_codec_params* params);
} parley_codec_api;

#ifdef __cplusplus
}
#endif

#endif /* PARLEY_ABI_CODEC_H */
