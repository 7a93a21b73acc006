// Host candidates (RFC 8445 section 5.1.1.1): the addresses of this machine at
// which the media socket can be reached directly.
#pragma once

#include <vector>

#include "parley/sdk/nat.hpp"

namespace parley::nat {

// The bound address itself when it is specific; for a wildcard bind, every
// address of every interface that is up, of the families the socket serves
// ("::" serves both). Loopback only when bound to it; IPv6 link-local and
// site-local never (RFC 8445 section 5.1.1.1, and a parley_address has no
// scope id). IPv6 first, as RFC 6724's default policy prefers.
std::vector<parley_candidate> gather_host_candidates(const parley_address& local);

}  // namespace parley::nat
