/* nat/1.1: a NAT traversal strategy. It gathers candidate addresses at which a
 * peer may reach this node (host, server-reflexive, relayed), doing its network
 * exchanges through the kernel's socket so that candidates match the media
 * socket's own mapping. */
#ifndef PARLEY_ABI_NAT_H
#define PARLEY_ABI_NAT_H

#include "parley/abi/net_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_NAT_MAJOR 1
#define PARLEY_NAT_MINOR 1

typedef enum parley_candidate_type {
  PARLEY_CANDIDATE_HOST = 1,
  PARLEY_CANDIDATE_SERVER_REFLEXIVE = 2,
  PARLEY_CANDIDATE_PEER_REFLEXIVE = 3,
  PARLEY_CANDIDATE_RELAYED = 4
} parley_candidate_type;

typedef struct parley_candidate {
  uint32_t type;     /* parley_candidate_type */
  uint32_t priority; /* RFC 8445 section 5.1.2 formula */
  uint8_t protocol;  /* 17 UDP, 6 TCP */
  uint8_t reserved[3];
  parley_address address;
  parley_address base; /* the local address it was derived from */
} parley_candidate;

/* Sends request from the media socket to server and waits up to timeout_ms for
 * one reply from that server: PARLEY_OK with *reply_size set, PARLEY_ERR_TIMEOUT,
 * PARLEY_ERR_BUFFER_TOO_SMALL (reply dropped) or PARLEY_ERR_IO. A strategy
 * retransmits by calling it again. */
typedef parley_status (*parley_nat_exchange_fn)(void* host_context, const parley_address* server,
                                                const uint8_t* request, size_t request_size,
                                                uint8_t* reply, size_t reply_capacity,
                                                size_t* reply_size, uint32_t timeout_ms);

typedef struct parley_nat_environment {
  uint32_t struct_size;
  parley_address local;          /* the media socket's bound address */
  const parley_address* servers; /* STUN / relay servers (super nodes) */
  uint32_t server_count;
  parley_nat_exchange_fn exchange; /* NULL when the strategy needs no network */
  void* host_context;
  parley_str credentials; /* relay authorisation token, if any */
  /* nat/1.1: total time gather may take, all servers together; 0 = the
   * strategy's own default. Read it only when struct_size covers it. */
  uint32_t timeout_ms;
} parley_nat_environment;

typedef struct parley_nat_info {
  uint32_t struct_size;
  uint32_t produces;      /* bitmask of 1u << parley_candidate_type */
  uint32_t needs_servers; /* boolean */
} parley_nat_info;

typedef struct parley_nat_api {
  uint32_t struct_size;
  const parley_nat_info* info;
  /* Writes at most capacity candidates, highest priority first (RFC 8445
   * section 5.1.2, component 1); *out_count says how many. When more were
   * found than fit, the best capacity of them are written and the result is
   * PARLEY_ERR_BUFFER_TOO_SMALL. */
  parley_status (*gather)(const parley_nat_environment* environment, parley_candidate* out,
                          size_t capacity, size_t* out_count);
} parley_nat_api;

#ifdef __cplusplus
}
#endif

#endif /* PARLEY_ABI_NAT_H */
