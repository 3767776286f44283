#include "proxy/route.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include "notme/paths.h"
#include "proxy/proxy_path.h"
#include "server/http_parser.h"

namespace notme::proxy {
namespace {

using nlohmann::json;

Unexpected Invalid(std::string msg) { return Fail(ErrorCode::kInvalidArgument, std::move(msg)); }

bool IsVisibleOrSpace(unsigned char c) { return c == '\t' || (c >= 0x20 && c < 0x7f); }

// Headers an injection may not set: they decide framing or routing of the request, or are
// the ones the proxy strips from callers for other reasons.
bool IsReservedHeader(std::string_view name) {
  static constexpr std::array<std::string_view, 14> kReserved = {
      "host", "content-length", "transfer-encoding", "connection", "keep-alive", "te",
      "trailer", "upgrade", "expect", "proxy-connection", "forwarded", "x-forwarded-for",
      "x-forwarded-host", "cookie"};
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kReserved.begin(), kReserved.end(), lower) != kReserved.end();
}

bool IsDnsName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i < host.size(); ++i) {
    char c = host[i];
    if (c == '.') {
      if (label == 0 || host[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != '-') return false;
    if (c == '-' && label == 0) return false;
    if (++label > 63) return false;
  }
  return label > 0 && host.back() != '-';
}

Result<uint16_t> ParsePort(std::string_view s) {
  unsigned value = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || s.size() > 5 || ec != std::errc() || p != s.data() + s.size() || value == 0 ||
      value > 65535) {
    return Invalid("upstream port must be 1..65535");
  }
  return static_cast<uint16_t>(value);
}

bool IsScopeToken(std::string_view s) {
  // RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
  });
}

Result<std::string> NormalizeMethod(std::string_view m) {
  static constexpr std::array<std::string_view, 7> kMethods = {"GET",   "HEAD",   "POST", "PUT",
                                                               "PATCH", "DELETE", "OPTIONS"};
  std::string upper(m);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (std::find(kMethods.begin(), kMethods.end(), upper) == kMethods.end()) {
    return Invalid("--allow-method must be one of GET HEAD POST PUT PATCH DELETE OPTIONS");
  }
  return upper;
}

Result<std::string> NormalizeAllowPath(std::string_view p) {
  if (p.empty() || p.front() != '/') return Invalid("--allow-path must start with '/'");
  if (p.find('%') != std::string_view::npos) return Invalid("--allow-path must not be percent-encoded");
  std::string s(p);
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  auto segs = CheckPath(s);
  if (!segs) return Invalid("--allow-path: " + segs.error().message());
  return s;
}

}  // namespace

std::string UpstreamUrl::Authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  return default_port ? h : h + ":" + std::to_string(port);
}

std::string UpstreamUrl::ToString() const { return scheme + "://" + Authority() + base_path; }

Result<UpstreamUrl> ParseUpstreamUrl(std::string_view url) {
  if (url.size() > 2048) return Invalid("upstream URL too long");
  for (char sc : url) {
    auto c = static_cast<unsigned char>(sc);
    if (c <= 0x20 || c >= 0x7f) return Invalid("upstream URL contains whitespace or control characters");
  }
  UpstreamUrl out;
  std::string_view rest;
  if (url.starts_with("https://")) {
    out.scheme = "https";
    out.port = 443;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    out.scheme = "http";
    out.port = 80;
    rest = url.substr(7);
  } else {
    return Invalid("upstream must be an https:// URL");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Invalid("upstream URL must not have a query or fragment");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return Invalid("upstream URL must not contain userinfo");
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("upstream URL: unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Invalid("upstream URL: junk after IPv6 literal");
      port = after.substr(1);
      if (port.empty()) return Invalid("upstream URL: empty port");
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, std::string(host).c_str(), &a6) != 1) {
      return Invalid("upstream URL: invalid IPv6 literal");
    }
  } else {
    if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return Invalid("upstream URL: empty port");
    }
    std::string lower(host);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.ends_with(".")) lower.pop_back();
    if (!IsDnsName(lower)) return Invalid("upstream URL: invalid host name");
    out.host = lower;
  }
  if (out.host.empty()) out.host = std::string(host);
  if (!port.empty()) {
    NOTME_TRY(out.port, ParsePort(port));
  }
  if (path.find('%') != std::string_view::npos) return Invalid("upstream base path must not be percent-encoded");
  std::string base(path);
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (auto segs = CheckPath(base); !segs) return Invalid("upstream base path: " + segs.error().message());
  out.base_path = base;
  return out;
}

std::string Injection::HeaderName() const {
  return kind == Kind::kBasic ? "Authorization" : header_name;
}

std::string Injection::Describe() const {
  if (kind == Kind::kBasic) return "basic:" + basic_user;
  return header_name + ": " + value_prefix + "{secret}" + value_suffix;
}

Result<Injection> ParseInjectTemplate(std::string_view text) {
  if (text.size() > 1024) return Invalid("--inject template too long");
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return Invalid("--inject must look like 'Header: value {secret}'");
  std::string_view name = text.substr(0, colon);
  std::string_view value = text.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (!IsHttpToken(name)) return Invalid("--inject header name must be an HTTP token");
  if (IsReservedHeader(name)) return Invalid("--inject may not set the " + std::string(name) + " header");
  for (char sc : value) {
    auto c = static_cast<unsigned char>(sc);
    if (!IsVisibleOrSpace(c)) return Invalid("--inject value must be printable ASCII (one header, no CR/LF)");
  }
  constexpr std::string_view kMarker = "{secret}";
  size_t at = value.find(kMarker);
  if (at == std::string_view::npos || value.find(kMarker, at + 1) != std::string_view::npos) {
    return Invalid("--inject value must contain {secret} exactly once");
  }
  Injection inj;
  inj.kind = Injection::Kind::kHeader;
  inj.header_name = std::string(name);
  inj.value_prefix = std::string(value.substr(0, at));
  inj.value_suffix = std::string(value.substr(at + kMarker.size()));
  return inj;
}

Result<Injection> MakeBasicInjection(std::string_view user) {
  if (user.empty() || user.size() > 256) return Invalid("--basic-user must be 1..256 characters");
  for (char sc : user) {
    auto c = static_cast<unsigned char>(sc);
    if (c == ':' || c < 0x20 || c == 0x7f) return Invalid("--basic-user must not contain ':' or control characters");
  }
  Injection inj;
  inj.kind = Injection::Kind::kBasic;
  inj.basic_user = std::string(user);
  return inj;
}

bool IsValidRouteName(std::string_view name) { return IsValidAgentName(name); }

bool IsValidSecretName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool IsHttpToken(std::string_view s) { return s.size() <= 256 && server::IsToken(s); }

Result<Route> ValidateRouteSpec(const RouteSpec& spec, int64_t created_at) {
  if (!IsValidRouteName(spec.name)) return Invalid("route name must match [a-z0-9][a-z0-9_-]{0,63}");
  if (!IsValidSecretName(spec.secret)) return Invalid("secret name must match [A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  Route r;
  r.name = spec.name;
  r.secret = spec.secret;
  r.created_at = created_at;
  r.allow_loopback = spec.allow_loopback;
  NOTME_TRY(r.upstream, ParseUpstreamUrl(spec.upstream));
  if (r.upstream.scheme == "http" && !spec.allow_loopback) {
    return Invalid("upstream must be https (plain http only for local services, with --allow-loopback)");
  }
  if (spec.inject && spec.basic_user) return Invalid("--inject and --basic-user are mutually exclusive");
  if (spec.basic_user) {
    NOTME_TRY(r.injection, MakeBasicInjection(*spec.basic_user));
  } else {
    NOTME_TRY(r.injection, ParseInjectTemplate(spec.inject.value_or("Authorization: Bearer {secret}")));
  }
  r.scope = spec.scope.value_or("route:" + spec.name);
  if (!IsScopeToken(r.scope)) return Invalid("--scope must be a single OAuth scope token");
  std::set<std::string> seen;
  for (const auto& m : spec.allow_methods) {
    NOTME_TRY(std::string norm, NormalizeMethod(m));
    if (seen.insert(norm).second) r.allow_methods.push_back(norm);
  }
  seen.clear();
  for (const auto& p : spec.allow_paths) {
    NOTME_TRY(std::string norm, NormalizeAllowPath(p));
    if (seen.insert(norm).second) r.allow_paths.push_back(norm);
  }
  if (!spec.ca_file.empty()) {
    if (spec.ca_file.front() != '/') return Invalid("--ca-file must be an absolute path");
    for (char sc : spec.ca_file) {
    auto c = static_cast<unsigned char>(sc);
      if (c < 0x20 || c == 0x7f) return Invalid("--ca-file contains control characters");
    }
    if (r.upstream.scheme != "https") return Invalid("--ca-file needs an https upstream");
  }
  r.ca_file = spec.ca_file;
  return r;
}

json RouteSpecToJson(const RouteSpec& spec) {
  json j = {{"name", spec.name},
            {"upstream", spec.upstream},
            {"secret", spec.secret},
            {"allow_methods", spec.allow_methods},
            {"allow_paths", spec.allow_paths},
            {"allow_loopback", spec.allow_loopback}};
  if (spec.inject) j["inject"] = *spec.inject;
  if (spec.basic_user) j["basic_user"] = *spec.basic_user;
  if (spec.scope) j["scope"] = *spec.scope;
  if (!spec.ca_file.empty()) j["ca_file"] = spec.ca_file;
  return j;
}

namespace {

Result<std::string> GetString(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return Invalid(std::string(key) + " must be a string");
  return it->get<std::string>();
}

Result<std::vector<std::string>> GetStringArray(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (!it->is_array() || it->size() > 64) return Invalid(std::string(key) + " must be an array of strings");
  for (const auto& v : *it) {
    if (!v.is_string()) return Invalid(std::string(key) + " must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<void> OnlyKnownKeys(const json& j, std::initializer_list<std::string_view> keys) {
  if (!j.is_object()) return Invalid("route must be a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) return Invalid("unknown member '" + k + "'");
  }
  return Ok();
}

}  // namespace

Result<RouteSpec> RouteSpecFromJson(const json& j) {
  NOTME_TRY_VOID(OnlyKnownKeys(j, {"name", "upstream", "secret", "inject", "basic_user", "scope",
                                   "allow_methods", "allow_paths", "ca_file", "allow_loopback"}));
  RouteSpec s;
  NOTME_TRY(s.name, GetString(j, "name"));
  NOTME_TRY(s.upstream, GetString(j, "upstream"));
  NOTME_TRY(s.secret, GetString(j, "secret"));
  for (const char* key : {"inject", "basic_user", "scope", "ca_file"}) {
    if (!j.contains(key)) continue;
    NOTME_TRY(std::string v, GetString(j, key));
    if (std::string_view(key) == "inject") s.inject = v;
    if (std::string_view(key) == "basic_user") s.basic_user = v;
    if (std::string_view(key) == "scope") s.scope = v;
    if (std::string_view(key) == "ca_file") s.ca_file = v;
  }
  NOTME_TRY(s.allow_methods, GetStringArray(j, "allow_methods"));
  NOTME_TRY(s.allow_paths, GetStringArray(j, "allow_paths"));
  if (auto it = j.find("allow_loopback"); it != j.end()) {
    if (!it->is_boolean()) return Invalid("allow_loopback must be a boolean");
    s.allow_loopback = it->get<bool>();
  }
  return s;
}

json RouteToJson(const Route& r) {
  json j = {{"name", r.name},
            {"upstream", r.upstream.ToString()},
            {"secret", r.secret},
            {"scope", r.scope},
            {"allow_methods", r.allow_methods},
            {"allow_paths", r.allow_paths},
            {"allow_loopback", r.allow_loopback},
            {"created_at", r.created_at}};
  if (r.injection.kind == Injection::Kind::kBasic) {
    j["basic_user"] = r.injection.basic_user;
  } else {
    j["inject"] = r.injection.header_name + ": " + r.injection.value_prefix + "{secret}" +
                  r.injection.value_suffix;
  }
  if (!r.ca_file.empty()) j["ca_file"] = r.ca_file;
  return j;
}

Result<Route> RouteFromJson(const json& j) {
  if (!j.is_object()) return Invalid("route must be a JSON object");
  auto it = j.find("created_at");
  if (it == j.end() || !it->is_number_integer()) return Invalid("created_at must be an integer");
  int64_t created_at = it->get<int64_t>();
  json spec_json = j;
  spec_json.erase("created_at");
  NOTME_TRY(RouteSpec spec, RouteSpecFromJson(spec_json));
  if (!spec.scope) return Invalid("scope missing");
  return ValidateRouteSpec(spec, created_at);
}

}  // namespace notme::proxy
