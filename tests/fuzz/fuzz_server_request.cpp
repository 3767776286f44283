// Fuzzes lib/server's parsers of untrusted input (the daemon's first contact with a
// client): the HTTP/1.1 request head, body framing, the chunked-body decoder (whole and
// split at a data-chosen point), paths and queries, then the request-body parsers
// (strict OAuth forms, UTF-8 validation and JSON objects with a depth cap).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/http_parser.h"
#include "server/request_parsing.h"

namespace {

void FuzzHttp(std::string_view input) {
  using notme::server::ChunkedDecoder;
  notme::server::RequestHead head;
  auto parsed = notme::server::ParseRequestHead(input, 16 * 1024, head);
  if (parsed.state == notme::server::HeadParse::State::kComplete) {
    if (parsed.consumed > input.size() || head.target.empty()) __builtin_trap();
    (void)notme::server::DetermineFraming(head.headers);
    notme::server::Params params;
    const size_t q = head.target.find('?');
    (void)notme::server::DecodePath(std::string_view(head.target).substr(0, q));
    if (q != std::string::npos)
      notme::server::ParseQuery(std::string_view(head.target).substr(q + 1), params);
  } else if (parsed.state == notme::server::HeadParse::State::kInvalid) {
    if (parsed.status < 400 || parsed.status > 505) __builtin_trap();
  }

  // The chunked decoder must give the same answer however the bytes arrive.
  ChunkedDecoder whole;
  std::string a;
  size_t used = 0;
  auto st_whole = whole.Feed(input, input.size() + 1, a, used);
  if (used > input.size() || a.size() > input.size()) __builtin_trap();
  ChunkedDecoder split;
  std::string b;
  const size_t cut = input.empty() ? 0 : static_cast<uint8_t>(input[0]) % input.size();
  size_t used1 = 0;
  auto st = split.Feed(input.substr(0, cut), input.size() + 1, b, used1);
  if (st == ChunkedDecoder::Status::kNeedMore) {
    if (used1 != cut) __builtin_trap();
    size_t used2 = 0;
    st = split.Feed(input.substr(cut), input.size() + 1, b, used2);
    used1 += used2;
  }
  if (st_whole != ChunkedDecoder::Status::kInvalid && st != ChunkedDecoder::Status::kInvalid &&
      (st != st_whole || a != b || used1 != used)) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  FuzzHttp(input);
  auto form = notme::server::ParseOAuthForm(input);
  if (form) {
    for (const auto& [name, value] : *form) {
      if (!notme::server::IsValidUtf8(name) || !notme::server::IsValidUtf8(value)) __builtin_trap();
    }
  }
  auto json = notme::server::ParseJsonObject(input);
  if (json && !json->is_object()) __builtin_trap();
  return 0;
}
