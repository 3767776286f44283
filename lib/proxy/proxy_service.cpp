#include "proxy/proxy_service.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "authority/error_mapping.h"
#include "proxy/address_policy.h"
#include "proxy/header_policy.h"
#include "proxy/proxy_path.h"

namespace notme::proxy {
namespace {

constexpr size_t kRefusalDrainLimit = 64 * 1024;
// Answers up to this size with a Content-Length are read whole before the head is sent.
constexpr uint64_t kSmallBodyLimit = 16 * 1024;

int64_t MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

// The secret must be sendable inside one header value (RFC 9110 §5.5: visible ASCII,
// space, tab); anything else could split the header or be mangled by the upstream.
bool IsHeaderSafe(std::span<const uint8_t> s) {
  return std::all_of(s.begin(), s.end(),
                     [](uint8_t c) { return c == '\t' || (c >= 0x20 && c < 0x7f); });
}

// Renders the injected header value. The returned string holds the secret: callers wipe
// it (sodium_memzero) as soon as it has been handed to the exchange.
Result<std::string> RenderInjection(const Injection& inj, const crypto::SecretBytes& secret,
                                    const std::string& secret_name) {
  return secret.RevealForCrypto([&](std::span<const uint8_t> s) -> Result<std::string> {
    if (s.empty() || !IsHeaderSafe(s)) {
      return Fail(ErrorCode::kConfig, "secret '" + secret_name +
                                          "' cannot be sent in a header (empty or contains "
                                          "control/non-ASCII characters)");
    }
    if (inj.kind == Injection::Kind::kHeader) {
      std::string v;
      v.reserve(inj.value_prefix.size() + s.size() + inj.value_suffix.size());
      v.append(inj.value_prefix);
      v.append(reinterpret_cast<const char*>(s.data()), s.size());
      v.append(inj.value_suffix);
      return v;
    }
    // RFC 7617: base64(user ":" password).
    std::string plain = inj.basic_user + ":";
    plain.append(reinterpret_cast<const char*>(s.data()), s.size());
    std::string b64(sodium_base64_ENCODED_LEN(plain.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(plain.data()),
                      plain.size(), sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(plain.data(), plain.size());
    b64.resize(std::strlen(b64.c_str()));
    std::string v = "Basic " + b64;
    sodium_memzero(b64.data(), b64.size());
    return v;
  });
}

// One Content-Length of at most kRefusalDrainLimit and no Transfer-Encoding: a body the
// server may read before refusing (a chunked body could be as long as the stream limit).
bool HasSmallContentLength(const server::Request& req) {
  if (req.headers.count("Content-Length") != 1 || req.has_header("Transfer-Encoding")) return false;
  const std::string& v = req.get_header_value("Content-Length");
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return ec == std::errc() && end == v.data() + v.size() && n <= kRefusalDrainLimit;
}

void WipeString(std::string& s) {
  sodium_memzero(s.data(), s.size());
  s.clear();
}

}  // namespace

struct ProxyService::Prepared {
  ProxyTarget target;
  FieldViews headers;  // into the caller's request
  RequestFraming framing;
  ExchangeConnection connection;
};

int ProxyHttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kUnsupported:  // a method the route does not allow
      return 405;
    case ErrorCode::kTooLarge:  // a request target past the limit
      return 414;
    case ErrorCode::kConfig:  // the route's secret cannot be sent (docs/proxy.md)
      return 502;
    default:
      // The one table (authority/error_mapping.h) for everything else, so that a token or
      // proof refused on the loopback listener (replayed, bad signature, wrong issuer...)
      // is a 401 with its challenge, and a bug a 500, never a "bad gateway".
      return authority::MapError(code, authority::ErrorContext::kProtectedResource).status;
  }
}

void SetProxyError(server::Response& res, const Error& error) {
  res.status = ProxyHttpStatus(error.code());
  // The error names and description rules of every other endpoint (docs/protocol.md
  // "Errors"): "bad_gateway", not the internal code's name; a kInternal detail is not shown.
  res.set_content(
      authority::ErrorResponseJson(error, authority::ErrorContext::kProtectedResource).dump(),
      "application/json");
  if (res.status == 401) {
    // RFC 9449 §7.1 challenge, plus Basic so git (libcurl) offers the credential helper's
    // token on the loopback listener.
    res.headers.emplace("WWW-Authenticate", "DPoP algs=\"EdDSA ES256\"");
    res.headers.emplace("WWW-Authenticate", "Basic realm=\"notme\"");
  }
}

ProxyService::ProxyService(const RouteStore& routes, SecretLookup secrets, ProxyAuditSink audit,
                           ForwarderOptions options)
    : routes_(routes),
      secrets_(std::move(secrets)),
      audit_(std::move(audit)),
      options_(options),
      pool_(std::make_unique<UpstreamPool>(options.pool)) {}

ProxyService::~ProxyService() {
  // Every exchange ended with its request (the servers stopped first); the idle
  // connections close here.
  pool_->Clear();
}

void ProxyService::CloseIdleConnections() const { pool_->Clear(); }

bool ProxyService::MayUse(const ProxyCaller& caller, const Route& route) {
  if (caller.is_human) return true;
  return std::find(caller.scopes.begin(), caller.scopes.end(), route.scope) != caller.scopes.end();
}

bool ProxyService::IsGitSmartHttp(const std::string& method,
                                  const std::vector<std::string>& segments,
                                  const std::string& query) {
  if (segments.empty()) return false;
  const std::string& last = segments.back();
  if (method == "POST") return last == "git-upload-pack" || last == "git-receive-pack";
  if (method == "GET" && segments.size() >= 2 && segments[segments.size() - 2] == "info" &&
      last == "refs") {
    return query == "service=git-upload-pack" || query == "service=git-receive-pack";
  }
  return false;
}

void ProxyService::Handle(const ProxyCaller& caller, const server::Request& req,
                          server::Response& res, const server::ContentReader* body) const {
  auto start = std::chrono::steady_clock::now();
  ProxyAuditRecord record;
  record.principal = caller.principal;
  record.method = req.method;
  bool audit_deferred = false;
  bool forwarding = false;  // Forward may have read the request body

  auto refuse = [&](const Error& e) {
    SetProxyError(res, e);
    // Read a small unread request body, so that a client still writing it gets the
    // refusal instead of a broken pipe (e.g. `notme mcp` POSTing to a route it may not
    // use); a larger one is left unread and the connection closed, so it is never taken
    // for the next request on this connection.
    if (forwarding || body == nullptr || !HasSmallContentLength(req) ||
        !(*body)([](const char*, size_t) { return true; })) {
      res.set_header("Connection", "close");
    }
    record.status = res.status;
    record.error = std::string(ErrorCodeName(e.code()));
  };

  auto run = [&]() -> Result<void> {
    Prepared p;
    NOTME_TRY(p.target, ParseProxyTarget(req.target));
    record.route = p.target.route;
    record.path = p.target.rest;
    auto route = routes_.Find(p.target.route);
    if (!route || !MayUse(caller, *route)) {
      // An agent learns nothing about routes it may not use.
      if (!caller.is_human)
        return Fail(ErrorCode::kPermissionDenied, "route not available to this caller");
      return Fail(ErrorCode::kNotFound, "no route '" + p.target.route + "'");
    }
    if (caller.git_only && !IsGitSmartHttp(req.method, p.target.segments, p.target.query)) {
      return Fail(ErrorCode::kPermissionDenied, "HTTP Basic credentials are accepted only for git");
    }
    if (!route->allow_methods.empty() &&
        std::find(route->allow_methods.begin(), route->allow_methods.end(), req.method) ==
            route->allow_methods.end()) {
      return Fail(ErrorCode::kUnsupported, "method not allowed on this route");
    }
    if (!route->allow_paths.empty()) {
      bool allowed = std::any_of(route->allow_paths.begin(), route->allow_paths.end(),
                                 [&](const std::string& prefix) {
                                   auto segs = CheckPath(prefix);
                                   return segs && PathHasPrefix(p.target.segments, *segs);
                                 });
      if (!allowed) return Fail(ErrorCode::kPermissionDenied, "path not allowed on this route");
    }
    NOTME_TRY(auto filtered, FilterRequestHeaders(req.headers, route->injection.HeaderName()));
    p.headers = std::move(filtered.first);
    p.framing = filtered.second;
    // notmed's server never compresses; asking the upstream for identity keeps the body
    // as the caller can read it without a negotiation the daemon does not take part in.
    std::erase_if(p.headers, [](const auto& field) {
      return server::EqualsIgnoreCase(field.first, "Accept-Encoding");
    });
    // A pooled connection was made to an address checked under this same route key; only
    // a new connection needs a (checked) resolution.
    p.connection.pool = pool_.get();
    p.connection.pool_key = UpstreamPoolKey(*route, caller.principal);
    p.connection.connection = pool_->Take(p.connection.pool_key);
    if (p.connection.connection == nullptr) {
      NOTME_TRY(auto address, ResolveUpstream(route->upstream.host, route->allow_loopback));
      p.connection.target = TargetFor(*route, address);
    }
    forwarding = true;
    return Forward(caller, *route, p, req, res, body, record, start, audit_deferred);
  };

  if (auto r = run(); !r) refuse(r.error());
  if (!audit_deferred) {
    record.status = res.status;
    record.duration_ms = MillisSince(start);
    if (audit_) audit_(record);
  }
}

Result<void> ProxyService::Forward(const ProxyCaller&, const Route& route, Prepared& p,
                                   const server::Request& req, server::Response& res,
                                   const server::ContentReader* body, ProxyAuditRecord& record,
                                   std::chrono::steady_clock::time_point start,
                                   bool& audit_deferred) const {
  auto secret = secrets_(route.secret);
  if (!secret) {
    if (secret.error().code() == ErrorCode::kNotFound) {
      return Fail(ErrorCode::kUnavailable, "secret '" + route.secret + "' is not in the keyring");
    }
    return Fail(ErrorCode::kUnavailable, "keyring: " + secret.error().message());
  }
  NOTME_TRY(std::string rendered, RenderInjection(route.injection, *secret, route.secret));

  UpstreamRequest up;
  up.method = req.method;
  up.path = route.upstream.base_path + p.target.rest;
  if (up.path.empty()) up.path = "/";
  if (p.target.has_query) up.path += "?" + p.target.query;
  const std::string injected_name = route.injection.HeaderName();
  up.headers = std::move(p.headers);
  up.headers.emplace_back(injected_name, rendered);
  up.framing = p.framing;
  auto started =
      UpstreamExchange::Start(std::move(p.connection), route.upstream, std::move(up), options_);
  if (!started) {
    WipeString(rendered);
    return Fail(started.error());
  }
  std::shared_ptr<UpstreamExchange> ex = std::move(*started);

  std::optional<Error> upstream_error;  // from writing the request body
  if (p.framing.has_body()) {
    // The body goes from the caller's connection to the upstream's piece by piece, on
    // this thread. When the upstream stops taking it, its early answer (if any) is still
    // read below; when the caller's body breaks off, there is nothing to forward.
    auto write = [&](const char* data, size_t n) {
      auto written = ex->WriteRequestBody(data, n);
      if (!written) upstream_error = written.error();
      return written.has_value();
    };
    bool ok = body != nullptr ? (*body)(write) : write(req.body.data(), req.body.size());
    if (ok) {
      if (auto finished = ex->FinishRequestBody(); !finished) upstream_error = finished.error();
    } else {
      res.set_header("Connection", "close");
      if (!upstream_error) {
        WipeString(rendered);
        return Fail(ErrorCode::kInvalidRequest, "the request body was cut short");
      }
    }
    if (upstream_error && upstream_error->code() == ErrorCode::kInvalidRequest) {
      WipeString(rendered);
      return Fail(*upstream_error);
    }
  }
  auto head = ex->ReadHead();
  if (!head) {
    WipeString(rendered);
    // A body that could not be written is why no answer came (a write timeout is a 504).
    return Fail(upstream_error ? *upstream_error : head.error());
  }

  res.status = head->status;
  std::string content_type;
  if (auto ct = head->headers.find("Content-Type"); ct != head->headers.end()) {
    content_type = ct->second;
  }
  server::Headers out;
  secret->RevealForCrypto([&](std::span<const uint8_t> s) {
    const std::string_view forms[] = {
        std::string_view(reinterpret_cast<const char*>(s.data()), s.size()), rendered};
    out = FilterResponseHeaders(std::move(head->headers), forms);
  });
  WipeString(rendered);
  res.headers.merge(out);
  record.request_bytes = ex->request_bytes();

  if (!head->has_body) {
    if (req.method == "HEAD" && head->content_length) {
      res.set_header("Content-Length", std::to_string(*head->content_length));
    }
    record.response_bytes = ex->response_bytes();
    return Ok();
  }

  if (head->content_length && *head->content_length <= kSmallBodyLimit) {
    // A small answer of known length is read here and sent with its head in one write:
    // one wakeup of the caller instead of two, and an upstream that breaks off gets a 502
    // instead of a cut-off answer. Bounded, so no body is ever held whole beyond this.
    std::string small;
    small.reserve(static_cast<size_t>(*head->content_length));
    for (;;) {
      auto piece = ex->ReadResponseBody();
      if (!piece || small.size() + piece->size() > *head->content_length) {
        res.headers.clear();  // the caller gets the proxy's error, none of the upstream's fields
        return piece ? Fail(ErrorCode::kUpstream, "the upstream sent more than it announced")
                     : Fail(piece.error());
      }
      if (piece->empty()) break;
      small.append(*piece);
    }
    ex->Finish();
    if (res.headers.count("Content-Type") == 1) {
      res.body = std::move(small);  // its Content-Type is already among the fields passed on
    } else {
      res.set_content(std::move(small), content_type);  // none, or one of several
    }
    record.response_bytes = ex->response_bytes();
    return Ok();
  }

  audit_deferred = true;
  record.status = head->status;
  // The server sends the answer after this handler returned, calling the provider on the
  // same thread; the upstream body is read as the caller's connection takes it.
  auto failure = std::make_shared<std::optional<Error>>();
  auto releaser = [ex, failure, record, start, audit = audit_](bool success) mutable {
    ex->Finish();
    record.request_bytes = ex->request_bytes();
    record.response_bytes = ex->response_bytes();
    record.duration_ms = MillisSince(start);
    if (*failure) {
      record.error = std::string(ErrorCodeName((*failure)->code()));
    } else if (!success) {
      record.error = "caller_disconnected";
    }
    if (audit) audit(record);
  };
  // One piece of the upstream body to `sink`: false ends the answer (upstream failed or
  // caller gone); `end` is set at the end of the upstream body.
  auto pump = [ex, failure](server::DataSink& sink, bool& end) {
    auto piece = ex->ReadResponseBody();
    if (!piece) {
      *failure = piece.error();
      return false;
    }
    end = piece->empty();
    return end || sink.write(piece->data(), piece->size());
  };
  if (head->content_length) {
    res.set_content_provider(
        static_cast<size_t>(*head->content_length), content_type,
        [pump](size_t, size_t, server::DataSink& sink) {
          bool end = false;
          return pump(sink, end) && !end;  // the end before Content-Length bytes: cut short
        },
        releaser);
  } else {
    res.set_chunked_content_provider(
        content_type,
        [pump](size_t, server::DataSink& sink) {
          bool end = false;
          if (!pump(sink, end)) return false;
          if (end) sink.done();
          return true;
        },
        releaser);
  }
  if (content_type.empty()) res.headers.erase("Content-Type");
  return Ok();
}

}  // namespace notme::proxy
