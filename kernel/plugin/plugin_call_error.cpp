#include "plugin/plugin_call_error.hpp"

namespace parley::plugin {

std::string describe_status(parley_status status) {
  switch (status) {
    case PARLEY_OK: return "ok";
    case PARLEY_ERR_INVALID_ARGUMENT: return "invalid argument";
    case PARLEY_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case PARLEY_ERR_UNSUPPORTED: return "unsupported";
    case PARLEY_ERR_INTERNAL: return "internal error in plugin";
    case PARLEY_ERR_AUTHENTICATION: return "authentication failed";
    case PARLEY_ERR_REPLAY: return "replayed or too old";
    case PARLEY_ERR_IO: return "I/O error";
    case PARLEY_ERR_TIMEOUT: return "timed out";
    case PARLEY_ERR_NOT_FOUND: return "not found";
    case PARLEY_ERR_LIMIT: return "limit reached";
    default: return "status " + std::to_string(status);
  }
}

}  // namespace parley::plugin
