/* transport/1.0: moves datagrams between peers (UDP, or framed over TCP). */
#ifndef PARLEY_ABI_TRANSPORT_H
#define PARLEY_ABI_TRANSPORT_H

#include "parley/abi/net_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_TRANSPORT_MAJOR 1
#define PARLEY_TRANSPORT_MINOR 0

enum {
  PARLEY_TRANSPORT_RELIABLE = 1u << 0, /* ordered and reliable (TCP) */
  PARLEY_TRANSPORT_CONNECTED = 1u << 1 /* needs connect before send */
};

typedef struct parley_transport_info {
  uint32_t struct_size;
  parley_str protocol; /* "udp", "tcp" */
  uint32_t flags;      /* PARLEY_TRANSPORT_* */
  uint32_t max_datagram_bytes;
  uint32_t overhead_bytes; /* per datagram on the wire above IP (UDP: 8, TCP framing: 20+2) */
} parley_transport_info;

typedef struct parley_transport_api {
  uint32_t struct_size;
  const parley_transport_info* info;

  /* Binds to local (port 0: any; the wildcard "::" also serves IPv4 peers).
   * Datagram transports ignore remote. Connected transports connect to remote
   * (client; local may then be NULL) or, with remote NULL, listen on local and
   * accept one peer (server) within timeout_ms; with timeout_ms 0 the server
   * returns at once so local_address can be advertised, and the first receive
   * accepts the peer (send fails with PARLEY_ERR_IO until then).
   * PARLEY_ERR_TIMEOUT when nobody came in time. */
  parley_status (*open)(const parley_address* local, const parley_address* remote,
                        uint32_t timeout_ms, void** out_endpoint);
  void (*close)(void* endpoint);
  parley_status (*local_address)(void* endpoint, parley_address* out);
  /* Sends one whole datagram or nothing. Connected transports ignore to (it
   * may be NULL). PARLEY_ERR_LIMIT when size exceeds info->max_datagram_bytes. */
  parley_status (*send_to)(void* endpoint, const parley_address* to, const uint8_t* data,
                           size_t size);
  /* Waits up to timeout_ms for one datagram. PARLEY_ERR_TIMEOUT if none.
   * A datagram larger than capacity is dropped whole and reported as
   * PARLEY_ERR_BUFFER_TOO_SMALL with *out_size set to its size; the next
   * receive returns the next datagram. Connected transports report a closed or
   * failed connection as PARLEY_ERR_IO, after delivering what arrived before. */
  parley_status (*receive)(void* endpoint, uint8_t* buffer, size_t capacity, uint32_t timeout_ms,
                           size_t* out_size, parley_address* out_from);
  /* A descriptor the kernel may poll for readability, or -1. Its number stays
   * the same for the endpoint's life: a deferred accept moves the connection
   * onto the listener's number (epoll users re-register it after the accept). */
  int (*native_handle)(void* endpoint);
} parley_transport_api;

#ifdef __cplusplus
}
#endif

#endif /* PARLEY_ABI_TRANSPORT_H */
