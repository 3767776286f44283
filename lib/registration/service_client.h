#pragma once
// ServiceClient: the HTTP client notme uses to talk to a registration service — GET of
// discovery documents, POST of JSON to register_uri and the claim endpoints, POST of a form to
// the token endpoint. Each call
// connects to the URL's own host (https with certificate verification against the system
// store; plain http only where UrlPolicy allowed it, i.e. loopback in tests), never
// follows redirects, never decompresses, has connect/read/write timeouts, and stops
// reading a body at `max_body` bytes (kTooLarge). Bodies that may hold credentials are
// returned in a std::string the caller wipes (WipeString) when done.
// Thread-safe: no shared state; each call uses its own connection.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "notme/result.h"
#include "registration/service_url.h"

namespace notme::registration {

struct HttpAnswer {
  int status = 0;
  std::string www_authenticate;  // the WWW-Authenticate field ("" when absent)
  std::string content_type;
  std::string body;
};

struct ServiceClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{15000};
  std::string ca_file;  // "" = the system store
};

class ServiceClient {
 public:
  explicit ServiceClient(ServiceClientOptions options = {}) : options_(std::move(options)) {}

  // Errors: kUnavailable (connect failed / refused), kTimeout, kTooLarge (body over
  // max_body), kUpstream (TLS or protocol failure). An HTTP error status is not an error
  // here: it is in HttpAnswer::status.
  Result<HttpAnswer> Get(const ServiceUrl& url, size_t max_body) const;
  Result<HttpAnswer> PostJson(const ServiceUrl& url, std::string_view json, size_t max_body) const;
  // An application/x-www-form-urlencoded POST (the RFC 6749 §4.1.3 token request); `form`
  // must already be encoded.
  Result<HttpAnswer> PostForm(const ServiceUrl& url, std::string_view form, size_t max_body) const;

 private:
  ServiceClientOptions options_;
};

}  // namespace notme::registration
