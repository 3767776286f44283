#include "proxy/address_policy.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace notme::proxy {
namespace {

bool InV4(uint32_t a, uint32_t net, int bits) {
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (a & mask) == (net & mask);
}

constexpr uint32_t V4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

// IANA IPv4 special-purpose registry (RFC 6890) entries that are not globally reachable,
// plus multicast and the shared address space.
bool IsNonPublicV4(uint32_t a) {
  struct Net {
    uint32_t net;
    int bits;
  };
  static constexpr Net kNets[] = {
      {V4(0, 0, 0, 0), 8},       {V4(10, 0, 0, 0), 8},     {V4(100, 64, 0, 0), 10},
      {V4(127, 0, 0, 0), 8},     {V4(169, 254, 0, 0), 16}, {V4(172, 16, 0, 0), 12},
      {V4(192, 0, 0, 0), 24},    {V4(192, 0, 2, 0), 24},   {V4(192, 88, 99, 0), 24},
      {V4(192, 168, 0, 0), 16},  {V4(198, 18, 0, 0), 15},  {V4(198, 51, 100, 0), 24},
      {V4(203, 0, 113, 0), 24},  {V4(224, 0, 0, 0), 4},    {V4(240, 0, 0, 0), 4},
  };
  for (const auto& n : kNets) {
    if (InV4(a, n.net, n.bits)) return true;
  }
  return false;
}

uint32_t V4At(const uint8_t* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

bool IsNonPublicV6(const in6_addr& addr) {
  const uint8_t* b = addr.s6_addr;
  bool first10_zero = std::all_of(b, b + 10, [](uint8_t x) { return x == 0; });
  if (first10_zero && b[10] == 0xff && b[11] == 0xff) return IsNonPublicV4(V4At(b + 12));  // mapped
  if (first10_zero && b[10] == 0 && b[11] == 0) return true;  // ::, ::1, deprecated v4-compatible
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {  // 64:ff9b::/96, /48
    return true;
  }
  if (b[0] == 0x20 && b[1] == 0x02) return IsNonPublicV4(V4At(b + 2));  // 6to4
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // documentation
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) return true;  // Teredo
  if ((b[0] & 0xfe) == 0xfc) return true;                     // unique-local fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;     // link-local fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return true;     // site-local fec0::/10
  if (b[0] == 0xff) return true;                              // multicast
  if (b[0] == 0x01 && b[1] == 0x00 && std::all_of(b + 2, b + 8, [](uint8_t x) { return x == 0; })) {
    return true;  // discard-only 100::/64
  }
  return false;
}

}  // namespace

bool IsNonPublicAddress(const sockaddr* addr) {
  if (addr == nullptr) return true;
  if (addr->sa_family == AF_INET) {
    sockaddr_in in{};
    std::memcpy(&in, addr, sizeof in);
    return IsNonPublicV4(ntohl(in.sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, addr, sizeof in6);
    return IsNonPublicV6(in6.sin6_addr);
  }
  return true;
}

bool IsNonPublicAddress(std::string_view numeric) {
  std::string s(numeric);
  in_addr a4{};
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) return IsNonPublicV4(ntohl(a4.s_addr));
  in6_addr a6{};
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) return IsNonPublicV6(a6);
  return true;
}

Result<ResolvedAddress> ResolveUpstream(const std::string& host, bool allow_non_public) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* raw = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &raw);
  if (rc != 0 || raw == nullptr) {
    // Retry without AI_ADDRCONFIG: on a host with only loopback configured it hides
    // every address, including the loopback ones a local upstream needs.
    hints.ai_flags = 0;
    rc = getaddrinfo(host.c_str(), nullptr, &hints, &raw);
  }
  if (rc != 0 || raw == nullptr) {
    return Fail(ErrorCode::kUpstream, "cannot resolve upstream host '" + host + "': " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(raw, &freeaddrinfo);
  ResolvedAddress chosen;
  for (addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    if (!allow_non_public && IsNonPublicAddress(ai->ai_addr)) {
      return Fail(ErrorCode::kPermissionDenied,
                  "upstream host '" + host + "' resolves to a loopback/private address "
                  "(the route needs --allow-loopback)");
    }
    if (chosen.ip.empty()) {
      char buf[INET6_ADDRSTRLEN] = {};
      const void* src = ai->ai_family == AF_INET
                            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
                            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
      if (inet_ntop(ai->ai_family, src, buf, sizeof buf) == nullptr) continue;
      chosen.ip = buf;
      chosen.family = ai->ai_family;
    }
  }
  if (chosen.ip.empty()) return Fail(ErrorCode::kUpstream, "upstream host '" + host + "' has no IP address");
  return chosen;
}

}  // namespace notme::proxy
