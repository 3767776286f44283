#include "registration/service_client.h"

#include <charconv>
#include <memory>

#include <sodium.h>

#include <httplib.h>

namespace notme::registration {
namespace {

std::unique_ptr<httplib::ClientImpl> Connect(const ServiceUrl& url, const ServiceClientOptions& o) {
  std::unique_ptr<httplib::ClientImpl> client;
  if (url.scheme == "https") {
    auto ssl = std::make_unique<httplib::SSLClient>(url.host, url.port);
    ssl->enable_server_certificate_verification(true);
    if (!o.ca_file.empty()) ssl->set_ca_cert_path(o.ca_file.c_str());
    client = std::move(ssl);
  } else {
    client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
  }
  client->set_follow_location(false);
  client->set_decompress(false);
  client->set_keep_alive(false);
  client->set_connection_timeout(std::chrono::duration_cast<std::chrono::seconds>(o.connect_timeout).count(),
                                 0);
  client->set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(o.read_timeout).count(), 0);
  client->set_write_timeout(std::chrono::duration_cast<std::chrono::seconds>(o.read_timeout).count(), 0);
  return client;
}

Result<HttpAnswer> Run(const ServiceUrl& url, const ServiceClientOptions& options, size_t max_body,
                       const char* method, std::string_view body, const char* content_type) {
  auto client = Connect(url, options);
  std::string target = url.path.empty() ? "/" : url.path;
  if (!url.query.empty()) target += "?" + url.query;
  HttpAnswer answer;
  bool too_large = false;
  httplib::Request req;
  req.method = method;
  req.path = target;
  req.headers.emplace("Accept", "application/json");
  req.headers.emplace("User-Agent", "notme");
  if (!body.empty() || req.method == "POST") {
    req.headers.emplace("Content-Type", content_type);
    req.body = std::string(body);
  }
  req.response_handler = [&](const httplib::Response& res) {
    answer.status = res.status;
    answer.www_authenticate = res.get_header_value("WWW-Authenticate");
    answer.content_type = res.get_header_value("Content-Type");
    if (res.has_header("Content-Length")) {
      const std::string cl = res.get_header_value("Content-Length");
      uint64_t length = 0;
      auto [ptr, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), length);
      if (ec != std::errc() || ptr != cl.data() + cl.size() || length > max_body) {
        too_large = true;
        return false;
      }
    }
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (answer.body.size() + n > max_body) {
      too_large = true;
      return false;
    }
    answer.body.append(data, n);
    return true;
  };
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  const bool ok = client->send(req, res, err);
  if (!req.body.empty()) {
    // The request body may carry a claim token or an assertion.
    sodium_memzero(req.body.data(), req.body.size());
  }
  if (too_large) {
    return Fail(ErrorCode::kTooLarge, url.Origin() + " answered with more than " + std::to_string(max_body) +
                                          " bytes");
  }
  if (!ok) {
    switch (err) {
      case httplib::Error::Connection:
        return Fail(ErrorCode::kUnavailable, "cannot connect to " + url.Origin());
      case httplib::Error::Read:
      case httplib::Error::Write:
        return Fail(ErrorCode::kTimeout, "no complete answer from " + url.Origin());
      case httplib::Error::SSLConnection:
      case httplib::Error::SSLServerVerification:
        return Fail(ErrorCode::kUpstream, "TLS with " + url.Origin() + " failed (certificate not trusted?)");
      default:
        return Fail(ErrorCode::kUpstream, "request to " + url.Origin() + " failed: " + httplib::to_string(err));
    }
  }
  return answer;
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
