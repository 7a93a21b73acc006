/* storage/1.1: the local buddy list and message history. 1.1 stated the field
 * bounds (PARLEY_STORAGE_MAX_*) and the open refusals; the layout is 1.0's. */
#ifndef PARLEY_ABI_STORAGE_H
#define PARLEY_ABI_STORAGE_H

#include "parley/abi/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_STORAGE_MAJOR 1
#define PARLEY_STORAGE_MINOR 1

/* Field bounds every storage plugin enforces (bigger: PARLEY_ERR_LIMIT). Ids
 * must be non-empty (empty or NULL-with-size: PARLEY_ERR_INVALID_ARGUMENT). */
#define PARLEY_STORAGE_MAX_ID_BYTES 256u   /* user_id, peer_user_id, message_id */
#define PARLEY_STORAGE_MAX_NAME_BYTES 256u /* display_name, group */
#define PARLEY_STORAGE_MAX_BODY_BYTES 65536u

typedef struct parley_buddy {
  uint32_t struct_size;
  parley_str user_id;
  parley_str display_name;
  parley_str group;
  int64_t added_unix_ms;
  uint32_t blocked; /* boolean */
} parley_buddy;

typedef enum parley_message_direction {
  PARLEY_MESSAGE_SENT = 0,
  PARLEY_MESSAGE_RECEIVED = 1
} parley_message_direction;

typedef struct parley_message {
  uint32_t struct_size;
  parley_str message_id; /* unique; storing the same id twice keeps one copy */
  parley_str peer_user_id;
  uint32_t direction; /* parley_message_direction */
  int64_t sent_unix_ms;
  parley_str body; /* UTF-8 */
} parley_message;

/* Visitors: return 0 to continue, non-zero to stop early. Pointers inside the
 * record are valid only during the call. */
typedef int (*parley_buddy_visitor)(void* user, const parley_buddy* buddy);
typedef int (*parley_message_visitor)(void* user, const parley_message* message);

typedef struct parley_storage_api {
  uint32_t struct_size;
  parley_str backend; /* "sqlite" */

  /* location: a file path or connection string; created when missing.
   * Refusals: PARLEY_ERR_UNSUPPORTED when the location holds something that is
   * not this backend's Parley store (or one from a newer schema); PARLEY_ERR_IO
   * when it cannot be read or written or fails its integrity check. The reason
   * is logged through the host. A store may be used from several threads, and a
   * visitor may call back into its store. */
  parley_status (*open)(parley_str location, void** out_store);
  void (*close)(void* store);

  parley_status (*buddy_put)(void* store, const parley_buddy* buddy); /* insert or update */
  parley_status (*buddy_remove)(void* store, parley_str user_id);     /* NOT_FOUND if absent */
  parley_status (*buddy_list)(void* store, parley_buddy_visitor visit, void* user); /* by id */

  parley_status (*message_append)(void* store, const parley_message* message);
  /* Messages with sent_unix_ms >= since_unix_ms, oldest first (equal times in the
   * order they were stored). limit > 0 keeps the newest limit of them; 0: all. */
  parley_status (*message_history)(void* store, parley_str peer_user_id, int64_t since_unix_ms,
                                   uint32_t limit, parley_message_visitor visit, void* user);
} parley_storage_api;

#ifdef __cplusplus
}
#endif

#endif /* PARLEY_ABI_STORAGE_H */
