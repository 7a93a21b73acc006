/* ui/1.0: extensions of the desktop client (video, conference panel, ...).
 * The host window is an opaque handle of the toolkit named in the plugin
 * descriptor's ui_toolkit ("wx/3.2"); the kernel loads an extension only into a
 * client built against the same toolkit major.minor.
 *
 * Contract (comments only; the layout is unchanged):
 *   - ui_toolkit is "<toolkit>/<major>.<minor>", e.g. "wx/3.2". For "wx/..."
 *     the host window is a wxWindow* (usually a wxFrame or wxPanel) and the
 *     extension's windows are created as its children.
 *   - Every call (create, destroy, on_event) happens on the toolkit's GUI
 *     thread, never from inside the extension's own event handlers (a client
 *     that wants to close an extension from there defers the destroy).
 *   - The host table and its host_context stay valid until destroy returns.
 *   - destroy removes every window the extension made; the host window may
 *     already be gone (it takes its children with it), so an extension must
 *     notice its windows' deletion rather than keep raw pointers. */
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

  /* PARLEY_ERR_INVALID_ARGUMENT for a null host_window, host or out_extension. */
  parley_status (*create)(void* host_window, const parley_ui_host* host, void** out_extension);
  void (*destroy)(void* extension);
  /* Client events, e.g. "call.stats" or "call.state" with a JSON object as payload.
   * The payload comes from the client, so an extension validates it and ignores
   * (with a log line) what it cannot use; nothing is returned. */
  void (*on_event)(void* extension, parley_str event, parley_str json_payload);
} parley_ui_extension_api;

#ifdef __cplusplus
}
#endif

#endif /* PARLEY_ABI_UI_EXTENSION_H */
