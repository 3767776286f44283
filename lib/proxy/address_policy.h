#pragma once
// Which IP addresses the proxy may connect to, and resolution of an upstream host to one
// checked address. The forwarder connects to exactly the address returned here (no second
// lookup between check and connect, so DNS rebinding cannot swap it).
// Thread-safe (getaddrinfo is).

#include <sys/socket.h>

#include <string>
#include <string_view>

#include "notme/result.h"

namespace notme::proxy {

// True for addresses that are not on the public Internet: unspecified, loopback,
// RFC 1918 private, CGNAT 100.64/10, link-local, multicast, broadcast, reserved
// (0/8, 192.0.0/24, 198.18/15, 240/4, documentation ranges), IPv6 unique-local fc00::/7,
// link-local fe80::/10, site-local fec0::/10, multicast ff00::/8, and IPv6 forms that embed
// an IPv4 address (v4-mapped ::ffff:0:0/96, v4-compatible ::/96, NAT64 64:ff9b::/96,
// 6to4 2002::/16) when the embedded address is itself non-public.
bool IsNonPublicAddress(const sockaddr* addr);
// Same, for a numeric address string ("10.0.0.1", "::1"). Non-numeric input → true.
bool IsNonPublicAddress(std::string_view numeric);

struct ResolvedAddress {
  std::string ip;  // numeric form to connect to
  int family = 0;  // AF_INET or AF_INET6
};

// Resolves `host` (a name or literal) and returns the first address, after checking every
// address the resolver returned: if any is non-public and `allow_non_public` is false the
// upstream is refused (kPermissionDenied), so a name cannot mix public and internal
// answers. Errors: kUpstream when the name does not resolve.
Result<ResolvedAddress> ResolveUpstream(const std::string& host, bool allow_non_public);

}  // namespace notme::proxy
