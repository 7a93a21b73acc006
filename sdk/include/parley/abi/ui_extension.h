/* ui/1.0: extensions of the desktop client (video, conference panel, ...).
 * The host window is an opaque handle of the toolkit named in the plugin
 * descriptor's ui_toolkit ("wx/3.2"); the kernel loads an extension only into a
 * client built against the same toolkit major.minor. */
#ifndef PARLEY_ABI_UI_EXTENSION_H
#define PARLEY_ABI_UI_EXTENSION_H

#include "parley/abi/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_UI_MAJOR 1
#define PARLEY_UI_MINOR 0

/* What the client offers an extension. */
typedef struct parley_ui_host {
  uint32_t struct_size;
  void* host_context;
  /* Ask the client to run a console-style command ("call alice", "hangup"). */
  parley_status (*run_command)(void* host_context, parley_str command);
} parley_ui_host;

typedef struct parley_ui_extension_api {
  uint32_t struct_size;
  parley_str menu_label; /* where the client lists it, e.g. "&Conference" */

  parley_status (*create)(void* host_window, const parley_ui_host* host, void** out_extension);
  void (*destroy)(void* extension);
  /* Client events, e.g. "call.state" with a JSON payload. */
  void (*on_event)(void* extension, parley_str event, parley_str json_payload);
} parley_ui_extension_api;

#ifdef __cplusplus
}
#endif

#endif /* PARLEY_ABI_UI_EXTENSION_H */
