#include "registration/service_client.h"

#include <sodium.h>

#include "proxy/address_policy.h"
#include "proxy/upstream_client.h"
#include "server/http_message.h"

namespace notme::registration {
namespace {

std::string Authority(const ServiceUrl& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  const bool default_port =
      (url.scheme == "https" && url.port == 443) || (url.scheme == "http" && url.port == 80);
  return default_port ? host : host + ":" + std::to_string(url.port);
}

// Connects to the URL's own host: resolved here (UrlPolicy already decided which hosts and
// schemes are acceptable), TLS verified against the system store or options.ca_file.
Result<std::unique_ptr<proxy::UpstreamConnection>> Connect(const ServiceUrl& url,
                                                           const ServiceClientOptions& o) {
  auto address = proxy::ResolveUpstream(url.host, /*allow_non_public=*/true);
  if (!address) return Fail(ErrorCode::kUnavailable, "cannot resolve " + url.Origin());
  proxy::UpstreamTarget target;
  target.host = url.host;
  target.port = url.port;
  target.tls = url.scheme == "https";
  target.ca_file = o.ca_file;
  target.address = *address;
  target.allow_non_public = true;
  auto connection =
      proxy::UpstreamConnection::Open(target, {o.connect_timeout, o.read_timeout, o.read_timeout});
  if (!connection) {
    if (connection.error().code() == ErrorCode::kUpstream) {
      return Fail(ErrorCode::kUpstream,
                  "TLS with " + url.Origin() + " failed (certificate not trusted?)");
    }
    return Fail(ErrorCode::kUnavailable, "cannot connect to " + url.Origin());
  }
  return connection;
}

std::string FieldValue(const proxy::ParsedResponseHead& head, std::string_view name) {
  for (const auto& f : head.fields) {
    if (server::EqualsIgnoreCase(f.name, name)) return f.value;
  }
  return "";
}

Result<HttpAnswer> Exchange(proxy::Http1Exchange& exchange, const ServiceUrl& url, size_t max_body,
                            std::string_view body) {
  auto too_large = [&] {
    return Fail(ErrorCode::kTooLarge,
                url.Origin() + " answered with more than " + std::to_string(max_body) + " bytes");
  };
  // Write, read and framing failures alike: the service gave no usable answer.
  auto incomplete = [&](const Error& e) {
    return Fail(ErrorCode::kTimeout,
                "no complete answer from " + url.Origin() + " (" + e.message() + ")");
  };
  if (!body.empty()) {
    if (auto w = exchange.WriteBody(body); !w) return incomplete(w.error());
  }
  if (auto f = exchange.FinishBody(); !f) return incomplete(f.error());
  auto head = exchange.ReadHead();
  if (!head) return incomplete(head.error());
  HttpAnswer answer;
  answer.status = head->status;
  answer.www_authenticate = FieldValue(*head, "WWW-Authenticate");
  answer.content_type = FieldValue(*head, "Content-Type");
  if (head->declared_length && *head->declared_length > max_body) return too_large();
  for (;;) {
    auto piece = exchange.ReadBody();
    if (!piece) return incomplete(piece.error());
    if (piece->empty()) break;
    if (answer.body.size() + piece->size() > max_body) return too_large();
    answer.body.append(*piece);
  }
  return answer;
}

Result<HttpAnswer> Run(const ServiceUrl& url, const ServiceClientOptions& options, size_t max_body,
                       const char* method, std::string_view body, const char* content_type) {
  NOTME_TRY(auto connection, Connect(url, options));
  std::string target = url.path.empty() ? "/" : url.path;
  if (!url.query.empty()) target += "?" + url.query;
  std::vector<std::pair<std::string_view, std::string_view>> fields = {
      {"Accept", "application/json"}, {"User-Agent", "notme"}, {"Connection", "close"}};
  proxy::RequestBodyFraming framing;
  const bool has_body = !body.empty() || std::string_view(method) == "POST";
  if (has_body) {
    fields.emplace_back("Content-Type", content_type);
    framing.content_length = body.size();
  }
  // Never follows a redirect: a 3xx is returned like any answer, and each call uses its own
  // connection (no reuse).
  proxy::Http1Exchange exchange(
      std::move(connection), /*reused=*/false,
      proxy::RenderRequestHead(method, target, Authority(url), fields, framing), framing,
      /*head_request=*/false, /*retryable=*/false);
  // The request body may carry a claim token or an assertion: the exchange wipes the copies
  // it queued; the caller owns `body`.
  return Exchange(exchange, url, max_body, body);
}

}  // namespace

Result<HttpAnswer> ServiceClient::Get(const ServiceUrl& url, size_t max_body) const {
  return Run(url, options_, max_body, "GET", {}, "");
}

Result<HttpAnswer> ServiceClient::PostJson(const ServiceUrl& url, std::string_view json,
                                           size_t max_body) const {
  return Run(url, options_, max_body, "POST", json, "application/json");
}

Result<HttpAnswer> ServiceClient::PostForm(const ServiceUrl& url, std::string_view form,
                                           size_t max_body) const {
  return Run(url, options_, max_body, "POST", form, "application/x-www-form-urlencoded");
}

}  // namespace notme::registration
