/* directory/1.1: the decentralised user directory run by super nodes.
 * Records are opaque signed bytes: the kernel signs what it publishes and
 * verifies everything it reads, so a directory plugin (or a node running one)
 * can lose a record but never forge or alter one unnoticed.
 *
 * Keys are user ids: non-empty UTF-8 of at most 256 bytes (longer:
 * PARLEY_ERR_LIMIT). A key holds one record: the newest publish of a key
 * supersedes older ones, wherever they were published. A node may be called
 * from several threads at once. */
#ifndef PARLEY_ABI_DIRECTORY_H
#define PARLEY_ABI_DIRECTORY_H

#include "parley/abi/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_DIRECTORY_MAJOR 1
#define PARLEY_DIRECTORY_MINOR 1

enum {
  PARLEY_DIRECTORY_CAP_LISTEN = 1u << 0, /* push notification of changes */
  PARLEY_DIRECTORY_CAP_PREFIX = 1u << 1  /* lookup_prefix works */
};

/* Addresses are "host:port", IPv6 in brackets ("[::1]:4222"). An unparsable
 * config is PARLEY_ERR_INVALID_ARGUMENT; an address that cannot be bound,
 * PARLEY_ERR_IO. */
typedef struct parley_directory_config {
  uint32_t struct_size;
  parley_str listen;    /* "host:port" this node's directory engine binds; port 0: any */
  parley_str bootstrap; /* comma-separated "host:port" of other directory nodes */
  parley_str state_dir; /* where the engine may keep files; may be empty */
} parley_directory_config;

/* Called once per record found; return non-zero to stop. Pointers are valid
 * only during the call. listen's visitor: record NULL with size 0 means the
 * key's record expired; its return value is ignored. */
typedef int (*parley_record_visitor)(void* user, parley_str key, const uint8_t* record,
                                     size_t size);

typedef struct parley_directory_info {
  uint32_t struct_size;
  uint32_t capabilities; /* PARLEY_DIRECTORY_CAP_* */
  uint32_t max_record_bytes;
} parley_directory_info;

typedef struct parley_directory_api {
  uint32_t struct_size;
  const parley_directory_info* info;

  parley_status (*start)(const parley_directory_config* config, void** out_node);
  /* Leaves the network and joins the node's threads; no visitor runs after it returns. */
  void (*stop)(void* node);
  /* Record: 1..max_record_bytes (empty: INVALID_ARGUMENT, longer: LIMIT); ttl_s > 0.
   * Returns once the network has the record: PARLEY_ERR_IO when no node took
   * it, PARLEY_ERR_TIMEOUT when none confirmed in time (the engine keeps trying). */
  parley_status (*publish)(void* node, parley_str key, const uint8_t* record, size_t size,
                           uint32_t ttl_s);
  /* Visits key's current record (none when absent) on the caller's thread
   * before returning. PARLEY_OK: the search completed. PARLEY_ERR_TIMEOUT: the
   * deadline ended it first; what was found by then has been visited. */
  parley_status (*lookup)(void* node, parley_str key, uint32_t timeout_ms,
                          parley_record_visitor visit, void* user);
  /* As lookup, for every key that starts with prefix, with each record's own
   * key. The plugin may ask for a minimum prefix length (shorter:
   * INVALID_ARGUMENT); without PARLEY_DIRECTORY_CAP_PREFIX: UNSUPPORTED. */
  parley_status (*lookup_prefix)(void* node, parley_str prefix, uint32_t timeout_ms,
                                 parley_record_visitor visit, void* user);
  /* visit is called from the plugin's own thread whenever key's records change:
   * with the current record (first the one already there, if any), or with
   * NULL/0 when it expired. It may call unlisten, but not stop, publish, lookup
   * or peer_count on the same node (they may wait for the thread it runs on). */
  parley_status (*listen)(void* node, parley_str key, parley_record_visitor visit, void* user,
                          uint64_t* out_token);
  /* After it returns, token's visit is never called again (a running call has finished). */
  void (*unlisten)(void* node, uint64_t token);
  /* Other directory nodes this one currently reaches. */
  uint32_t (*peer_count)(void* node);
  /* directory/1.1: the UDP port the node bound, which is the one it chose when
   * config.listen asked for port 0; 0 when it cannot tell. Super nodes
   * advertise it, so that a node started on port 0 can still be bootstrapped
   * from. The kernel calls it only when the table is large enough. */
  uint16_t (*bound_port)(void* node);
  /* directory/1.1: another directory node to join through, "host:port" with a
   * numeric host (as config.bootstrap's entries), learnt while running (a
   * super node hears its peers' directory addresses). Returns at once:
   * PARLEY_OK when the engine will try it, INVALID_ARGUMENT when malformed. */
  parley_status (*bootstrap)(void* node, parley_str address);
} parley_directory_api;

#ifdef __cplusplus
}
#endif

#endif /* PARLEY_ABI_DIRECTORY_H */
