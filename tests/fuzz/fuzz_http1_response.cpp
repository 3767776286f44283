// libFuzzer: an upstream's answer as the proxy's own client reads it
// (lib/proxy/http1_response_parser.h). Properties: never crashes; an accepted head lies
// within the input, has a status 100..599, fields without CR, LF or NUL, and never both
// chunked and Content-Length framing; the chunked decoder, fed the rest in pieces, never
// yields more bytes than it was given and never consumes more than it was offered.
// The accepted fields then go through both header policies (lib/proxy/header_policy.h),
// as an answer's and as a caller's headers: nothing kept may carry a line break, a
// credential, a hop-by-hop or framing field, Set-Cookie, or a byte string chosen as the
// "secret".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "proxy/header_policy.h"
#include "proxy/http1_response_parser.h"
#include "server/http_message.h"

using notme::proxy::BodyFraming;
using notme::proxy::ChunkedDecoder;
using notme::server::EqualsIgnoreCase;

namespace {

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

bool IsOneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (EqualsIgnoreCase(name, n)) return true;
  }
  return false;
}

void CheckHeaderPolicies(const notme::server::Headers& fields, std::string_view secret) {
  const std::string_view forms[] = {secret};
  auto answer = notme::proxy::FilterResponseHeaders(fields, forms);
  if (answer.size() > fields.size()) std::abort();
  for (const auto& [name, value] : answer) {
    if (notme::server::HasLineBreakOrNul(value)) std::abort();
    if (!secret.empty() && (name.find(secret) != std::string::npos ||
                            value.find(secret) != std::string::npos)) {
      std::abort();
    }
    if (IsOneOf(name, {"connection", "keep-alive", "transfer-encoding", "content-length",
                       "set-cookie", "set-cookie2", "host"}) ||
        StartsWithIgnoreCase(name, "proxy-")) {
      std::abort();
    }
  }
  auto request = notme::proxy::FilterRequestHeaders(fields, "X-Injected");
  if (!request) return;
  for (const auto& [name, value] : request->first) {
    if (notme::server::HasLineBreakOrNul(name) || notme::server::HasLineBreakOrNul(value)) {
      std::abort();
    }
    if (IsOneOf(name, {"authorization", "dpop", "cookie", "connection", "host", "x-injected",
                       "content-length", "transfer-encoding", "forwarded", "via"}) ||
        StartsWithIgnoreCase(name, "proxy-") || StartsWithIgnoreCase(name, "x-forwarded-")) {
      std::abort();
    }
  }
  if (request->second.chunked && request->second.content_length) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const bool head_request = size > 0 && (data[0] & 1) != 0;
  auto parsed = notme::proxy::ParseResponseHead(in, head_request);
  if (!parsed || !parsed->has_value()) return 0;
  const auto& head = **parsed;
  if (head.head_size > size || head.status < 100 || head.status > 599) std::abort();
  for (const auto& f : head.fields) {
    if (f.name.empty()) std::abort();
    if (f.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) std::abort();
  }
  if (head.framing == BodyFraming::kChunked && head.declared_length) std::abort();
  if (head_request && head.framing != BodyFraming::kNone) std::abort();
  notme::server::Headers fields;
  for (const auto& f : head.fields) fields.emplace(f.name, f.value);
  // The "secret": the input's last 1..4 bytes, so that the fuzzer can make fields echo it.
  CheckHeaderPolicies(fields, in.substr(in.size() - std::min<size_t>(in.size(), 1 + size % 4)));
  if (head.framing != BodyFraming::kChunked) return 0;

  std::string_view rest = in.substr(head.head_size);
  ChunkedDecoder decoder;
  std::string pending;
  size_t out = 0;
  size_t piece = 1 + (size % 7);
  while (!decoder.done()) {
    auto step = decoder.Next(pending);
    if (!step) return 0;
    if (step->consumed > pending.size()) std::abort();
    out += step->data.size();
    pending.erase(0, step->consumed);
    if (step->consumed > 0) continue;
    if (rest.empty()) break;
    size_t n = std::min(piece, rest.size());
    pending.append(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  if (out > size) std::abort();
  return 0;
}
