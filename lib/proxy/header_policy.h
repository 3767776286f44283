#pragma once
// Which headers cross the proxy, in each direction (docs/proxy.md "Headers").
//
// Requests: the caller's credentials and routing claims never reach the upstream
// (Authorization, Proxy-*, DPoP, Cookie, Forwarded, X-Forwarded-*, X-Real-IP, Via), nor
// hop-by-hop headers (Connection and every header it lists, Keep-Alive, TE, Trailer,
// Upgrade, Expect) nor framing (Host, Content-Length, Transfer-Encoding: the forwarder sets
// them for the upstream connection), nor a caller's copy of the injected header.
// Smuggling attempts are refused outright rather than cleaned: CR, LF or NUL in any name
// or value, a name that is not a token, more than one Host, Content-Length together with
// Transfer-Encoding, a Transfer-Encoding other than exactly "chunked", repeated or
// non-numeric Content-Length.
//
// Responses: hop-by-hop and framing headers are dropped, Set-Cookie is dropped (an
// upstream session cookie would be a credential handed to the agent), and so is any header
// whose value contains the injected secret (an upstream echoing request headers).
// Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "notme/result.h"
#include "server/http_message.h"

namespace notme::proxy {

struct RequestFraming {
  std::optional<uint64_t> content_length;  // Content-Length given
  bool chunked = false;                    // Transfer-Encoding: chunked given
  bool has_body() const { return chunked || content_length.value_or(0) > 0; }
};

// Header fields as views, in order: what goes into a request head (upstream_client.h
// RenderRequestHead). The strings they view must outlive them.
using FieldViews = std::vector<std::pair<std::string_view, std::string_view>>;

// Validates the caller's headers and returns the ones to forward, as views into `in`
// (in its order), plus the body framing. `injected_header` is the header the route sets
// (removed from the caller's headers). Errors: kInvalidRequest naming the rule broken
// (never echoing a header value).
Result<std::pair<FieldViews, RequestFraming>> FilterRequestHeaders(
    const server::Headers& in, std::string_view injected_header);

// Headers of the upstream's answer to pass back to the caller: `in` with the others
// removed. `secret_forms` are the byte strings to look for (the secret and the rendered
// injected value); a header containing one is dropped.
server::Headers FilterResponseHeaders(server::Headers in,
                                       std::span<const std::string_view> secret_forms);

}  // namespace notme::proxy
