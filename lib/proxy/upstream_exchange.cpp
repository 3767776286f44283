#include "proxy/upstream_exchange.h"

namespace notme::proxy {
namespace {

StreamTimeouts TimeoutsOf(const ForwarderOptions& options) {
  return {options.connect_timeout, options.read_timeout, options.write_timeout};
}

}  // namespace

UpstreamTarget TargetFor(const Route& route, const ResolvedAddress& address) {
  UpstreamTarget t;
  t.host = route.upstream.host;
  t.port = route.upstream.port;
  t.tls = route.upstream.scheme == "https";
  t.ca_file = route.ca_file;
  t.address = address;
  t.allow_non_public = route.allow_loopback;
  return t;
}

Result<std::unique_ptr<UpstreamExchange>> UpstreamExchange::Start(ExchangeConnection connection,
                                                                  const UpstreamUrl& url,
                                                                  UpstreamRequest request,
                                                                  const ForwarderOptions& options) {
  const bool reused = connection.connection != nullptr;
  if (!reused) {
    auto opened = UpstreamConnection::Open(connection.target, TimeoutsOf(options));
    if (!opened) {
      // A refused connection is the upstream's failure (502), not the daemon's (503).
      const Error& e = opened.error();
      if (e.code() == ErrorCode::kUnavailable) return Fail(ErrorCode::kUpstream, e.message());
      return Fail(e);
    }
    connection.connection = std::move(*opened);
  }
  RequestBodyFraming framing{request.framing.content_length, request.framing.chunked};
  if (framing.chunked) framing.content_length.reset();
  // The injected credential is now also in `head`, which the client wipes once written
  // (docs/proxy.md "Where the secret lives"); the caller wipes its own copy.
  std::string head =
      RenderRequestHead(request.method, request.path, url.Authority(), request.headers, framing);
  const bool retryable =
      request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS";
  auto exchange = std::make_unique<Http1Exchange>(
      std::move(connection.connection), reused, std::move(head), framing,
      /*head_request=*/request.method == "HEAD", retryable);
  return std::unique_ptr<UpstreamExchange>(
      new UpstreamExchange(std::move(exchange), connection.pool, std::move(connection.pool_key)));
}

Result<void> UpstreamExchange::WriteRequestBody(const char* data, size_t n) {
  return exchange_->WriteBody(std::string_view(data, n));
}

Result<void> UpstreamExchange::FinishRequestBody() { return exchange_->FinishBody(); }

Result<ResponseHead> UpstreamExchange::ReadHead() {
  NOTME_TRY(auto parsed, exchange_->ReadHead());
  ResponseHead head;
  head.status = parsed.status;
  for (auto& f : parsed.fields) head.headers.emplace(std::move(f.name), std::move(f.value));
  head.content_length = parsed.declared_length;
  head.has_body = parsed.framing != BodyFraming::kNone;
  if (!head.has_body) Finish();
  return head;
}

Result<std::string_view> UpstreamExchange::ReadResponseBody() { return exchange_->ReadBody(); }

void UpstreamExchange::Finish() {
  if (finished_) return;
  finished_ = true;
  auto connection = exchange_->Release();
  if (connection != nullptr && pool_ != nullptr) pool_->Put(pool_key_, std::move(connection));
}

}  // namespace notme::proxy
