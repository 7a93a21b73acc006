/* Network value types shared by the transport and nat kinds. Fixed layout forever. */
#ifndef PARLEY_ABI_NET_TYPES_H
#define PARLEY_ABI_NET_TYPES_H

#include "parley/abi/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct parley_address {
  uint8_t family; /* 4 or 6; 0 = unset */
  uint8_t reserved;
  uint16_t port;     /* host byte order */
  uint8_t bytes[16]; /* IPv4 uses the first 4, network byte order */
} parley_address;

#ifdef __cplusplus
}
#endif

#endif /* PARLEY_ABI_NET_TYPES_H */
