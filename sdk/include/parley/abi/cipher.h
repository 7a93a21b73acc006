/* cipher/1.0: authenticated encryption of media (SRTP-style) and messages. */
#ifndef PARLEY_ABI_CIPHER_H
#define PARLEY_ABI_CIPHER_H

#include "parley/abi/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_CIPHER_MAJOR 1
#define PARLEY_CIPHER_MINOR 0

enum {
  /* Provides no confidentiality or integrity. The kernel refuses such a suite
   * unless configuration explicitly allows it (experiments only). */
  PARLEY_CIPHER_FLAG_INSECURE = 1u << 0
};

/* protect_rtcp appends the tag and then the 4-octet E-flag||SRTCP-index word
 * (RFC 3711 section 3.4, RFC 7714 section 9): every suite, the null one too,
 * adds auth_tag_bytes + 4 octets to an RTCP packet. */

typedef struct parley_cipher_info {
  uint32_t struct_size;
  parley_str suite_name; /* "AEAD_AES_256_GCM" (RFC 7714 name where one exists) */
  uint32_t master_key_bytes;
  uint32_t master_salt_bytes;
  uint32_t auth_tag_bytes;      /* bytes protect adds to each packet */
  uint32_t flags;               /* PARLEY_CIPHER_FLAG_* */
  uint64_t max_packets_per_key; /* rekey before this many packets are protected */
} parley_cipher_info;

typedef enum parley_cipher_direction {
  PARLEY_CIPHER_OUTBOUND = 0, /* this context protects */
  PARLEY_CIPHER_INBOUND = 1   /* this context unprotects */
} parley_cipher_direction;

typedef struct parley_cipher_stats {
  uint32_t struct_size;
  uint64_t packets_protected;
  uint64_t packets_unprotected;
  uint64_t authentication_failures;
  uint64_t replays_rejected;
} parley_cipher_stats;

typedef struct parley_cipher_api {
  uint32_t struct_size;
  const parley_cipher_info* info;

  parley_status (*context_create)(const uint8_t* master_key, size_t key_size,
                                  const uint8_t* master_salt, size_t salt_size, uint32_t direction,
                                  void** out_context);
  void (*context_destroy)(void* context);

  /* A context holds one key for one direction: protect_* and seal need an
   * OUTBOUND context, unprotect_* and open an INBOUND one (else
   * PARLEY_ERR_INVALID_ARGUMENT). Each direction needs its own master key (or
   * distinct SSRCs), as in SRTP. Per-packet outcomes are status codes; once
   * max_packets_per_key packets were protected, protect_* and seal return
   * PARLEY_ERR_LIMIT until the kernel rekeys with a new context. A context is
   * used by one thread at a time. */

  /* RTP: packet holds header + payload (size bytes) in a buffer of capacity
   * bytes; protected in place, *out_size includes the tag. A sequence number
   * (extended by its rollover counter) is protected at most once:
   * PARLEY_ERR_REPLAY refuses a second use, which would reuse a nonce. */
  parley_status (*protect_rtp)(void* context, uint8_t* packet, size_t size, size_t capacity,
                               size_t* out_size);
  /* Checks, decrypts in place, enforces the replay window. On failure the
   * packet is untouched and must be dropped: PARLEY_ERR_AUTHENTICATION or
   * PARLEY_ERR_REPLAY. */
  parley_status (*unprotect_rtp)(void* context, uint8_t* packet, size_t size, size_t* out_size);
  parley_status (*protect_rtcp)(void* context, uint8_t* packet, size_t size, size_t capacity,
                                size_t* out_size);
  parley_status (*unprotect_rtcp)(void* context, uint8_t* packet, size_t size, size_t* out_size);

  /* Messages (instant messages, signaling payloads): out = nonce-free
   * ciphertext||tag, bound to the 64-bit sequence number and aad. seal refuses
   * a sequence number it already used (PARLEY_ERR_REPLAY); open enforces a
   * replay window over sequence numbers and leaves nothing of an
   * unauthenticated message in out. */
  parley_status (*seal)(void* context, uint64_t sequence, const uint8_t* aad, size_t aad_size,
                        const uint8_t* plaintext, size_t size, uint8_t* out, size_t out_capacity,
                        size_t* out_size);
  parley_status (*open)(void* context, uint64_t sequence, const uint8_t* aad, size_t aad_size,
                        const uint8_t* ciphertext, size_t size, uint8_t* out, size_t out_capacity,
                        size_t* out_size);

  void (*get_stats)(void* context, parley_cipher_stats* out);
} parley_cipher_api;

#ifdef __cplusplus
}
#endif

#endif /* PARLEY_ABI_CIPHER_H */
