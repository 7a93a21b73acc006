/* Parley plugin ABI: the common part every plugin kind shares.
 *
 * Plain C so that any compiler, any C++ standard library and any language with a
 * C FFI can build a plugin. Rules (sdk/README.md, "Versioning"):
 *   - every table starts with its own struct_size and only ever grows at the end;
 *   - no C++ type, exception or allocation crosses this boundary: whoever
 *     allocates, frees (each create has its destroy in the same table);
 *   - strings are {pointer, length}, UTF-8, not necessarily NUL-terminated.
 */
#ifndef PARLEY_ABI_PLUGIN_H
#define PARLEY_ABI_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI tag. It changes only when something below breaks binary
 * compatibility for every plugin (layout of the descriptor, calling
 * convention). Growing one kind's interface is a minor bump of that
 * interface instead. The tag is part of the entry symbol's name, so the
 * kernel can refuse a plugin built for another ABI without running any of it. */
#define PARLEY_ABI_VERSION 1

#define PARLEY_ENTRY_NAME_PREFIX "parley_plugin_entry_abi"
#define PARLEY_PP_CAT_(a, b) a##b
#define PARLEY_PP_CAT(a, b) PARLEY_PP_CAT_(a, b)
#define PARLEY_ENTRY_SYMBOL PARLEY_PP_CAT(parley_plugin_entry_abi, PARLEY_ABI_VERSION)

#if defined(_WIN32)
#define PARLEY_EXPORT __declspec(dllexport)
#else
#define PARLEY_EXPORT __attribute__((visibility("default")))
#endif

typedef struct parley_str {
  const char* data;
  size_t size;
} parley_str;

typedef int32_t parley_status;
enum {
  PARLEY_OK = 0,
  PARLEY_ERR_INVALID_ARGUMENT = -1,
  PARLEY_ERR_BUFFER_TOO_SMALL = -2,
  PARLEY_ERR_UNSUPPORTED = -3,
  PARLEY_ERR_INTERNAL = -4,
  PARLEY_ERR_AUTHENTICATION = -5, /* integrity check failed: altered or forged */
  PARLEY_ERR_REPLAY = -6,         /* seen before or too old for the window */
  PARLEY_ERR_IO = -7,
  PARLEY_ERR_TIMEOUT = -8,
  PARLEY_ERR_NOT_FOUND = -9,
  PARLEY_ERR_LIMIT = -10 /* a size, count or key-usage limit was reached */
};

typedef enum parley_kind {
  PARLEY_KIND_CODEC = 1,
  PARLEY_KIND_CIPHER = 2,
  PARLEY_KIND_NAT = 3,
  PARLEY_KIND_TRANSPORT = 4,
  PARLEY_KIND_STORAGE = 5,
  PARLEY_KIND_DIRECTORY = 6,
  PARLEY_KIND_AUDIO_DEVICE = 7,
  PARLEY_KIND_UI_EXTENSION = 8
} parley_kind;

typedef enum parley_log_level {
  PARLEY_LOG_TRACE = 0,
  PARLEY_LOG_DEBUG = 1,
  PARLEY_LOG_INFO = 2,
  PARLEY_LOG_WARN = 3,
  PARLEY_LOG_ERROR = 4
} parley_log_level;

/* What the kernel offers a plugin. Valid from the entry call until exit. */
typedef struct parley_host_api {
  uint32_t struct_size;
  uint32_t abi_version;
  parley_str kernel_version;
  void (*log)(parley_log_level level, parley_str plugin_id, parley_str message);
  /* Monotonic clock shared with the media engine, in microseconds. */
  uint64_t (*monotonic_us)(void);
} parley_host_api;

/* One interface a plugin implements. get_api returns the kind's table
 * (parley_codec_api for PARLEY_KIND_CODEC, ...), owned by the plugin and valid
 * while the library is loaded; NULL means the plugin could not set it up. */
typedef struct parley_interface {
  uint32_t struct_size;
  uint32_t kind;   /* parley_kind */
  uint16_t major;  /* must equal the kernel's major for this kind */
  uint16_t minor;  /* at most the kernel's minor; older minors are adapted */
  parley_str name; /* the strategy's name in preference lists: "opus", "aes-256-gcm" */
  int32_t score;   /* breaks ties where a preference list is silent; higher wins */
  const void* (*get_api)(void);
} parley_interface;

typedef struct parley_plugin_descriptor {
  uint32_t struct_size;
  uint32_t abi_version; /* PARLEY_ABI_VERSION the plugin was built with */
  parley_str id;        /* reverse DNS: org.parley.codec.opus */
  parley_str display_name;
  parley_str version; /* semver of the plugin itself */
  parley_str license; /* SPDX expression */
  parley_str description;
  uint32_t interface_count;
  const parley_interface* interfaces;
  /* UI extensions only: the toolkit they were built against, "wx/3.2". */
  parley_str ui_toolkit;
} parley_plugin_descriptor;

/* The one exported symbol: PARLEY_ENTRY_SYMBOL, i.e. parley_plugin_entry_abi1.
 * Returns the descriptor (static storage in the plugin) or NULL on failure. */
typedef const parley_plugin_descriptor* (*parley_plugin_entry_fn)(const parley_host_api* host);

#ifdef __cplusplus
}
#endif

#endif /* PARLEY_ABI_PLUGIN_H */
