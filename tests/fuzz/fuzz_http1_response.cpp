// libFuzzer: an upstream's answer as the proxy's own client reads it
// (lib/proxy/http1_response_parser.h). Properties: never crashes; an accepted head lies
// within the input, has a status 100..599, fields without CR, LF or NUL, and never both
// chunked and Content-Length framing; the chunked decoder, fed the rest in pieces, never
// yields more bytes than it was given and never consumes more than it was offered.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "proxy/http1_response_parser.h"

using notme::proxy::BodyFraming;
using notme::proxy::ChunkedDecoder;

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
