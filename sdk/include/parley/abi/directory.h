/* directory/1.0: the decentralised user directory run by super nodes.
 * Records are opaque signed bytes: the kernel signs what it publishes and
 * verifies everything it reads, so a directory plugin (or a node running one)
 * can lose a record but never forge or alter one unnoticed. */
#ifndef PARLEY_ABI_DIRECTORY_H
#define PARLEY_ABI_DIRECTORY_H

#include "parley/abi/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_DIRECTORY_MAJOR 1
#define PARLEY_DIRECTORY_MINOR 0

enum {
  PARLEY_DIRECTORY_CAP_LISTEN = 1u << 0, /* push notification of changes */
  PARLEY_DIRECTORY_CAP_PREFIX = 1u << 1  /* lookup_prefix works */
};

typedef struct parley_directory_config {
  uint32_t struct_size;
  parley_str listen;    /* "host:port" this node's directory engine binds */
  parley_str bootstrap; /* comma-separated "host:port" of other directory nodes */
  parley_str state_dir; /* where the engine may keep files; may be empty */
} parley_directory_config;

/* Called once per record found; return non-zero to stop. */
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
  void (*stop)(void* node);
  parley_status (*publish)(void* node, parley_str key, const uint8_t* record, size_t size,
                           uint32_t ttl_s);
  parley_status (*lookup)(void* node, parley_str key, uint32_t timeout_ms,
                          parley_record_visitor visit, void* user);
  parley_status (*lookup_prefix)(void* node, parley_str prefix, uint32_t timeout_ms,
                                 parley_record_visitor visit, void* user);
  /* visit is called from the plugin's own thread whenever key's records change. */
  parley_status (*listen)(void* node, parley_str key, parley_record_visitor visit, void* user,
                          uint64_t* out_token);
  void (*unlisten)(void* node, uint64_t token);
  uint32_t (*peer_count)(void* node);
} parley_directory_api;

#ifdef __cplusplus
}
#endif

#endif /* PARLEY_ABI_DIRECTORY_H */
