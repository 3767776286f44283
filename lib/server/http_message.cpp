#include "server/http_message.h"

#include <algorithm>
#include <utility>

namespace notme::server {
namespace {

template <typename Map>
std::string NthValue(const Map& map, std::string_view key, size_t id) {
  auto [first, last] = map.equal_range(key);
  for (auto it = first; it != last; ++it, --id) {
    if (id == 0) return it->second;
  }
  return {};
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  // Shorter names first: most names in one head differ in length, so most comparisons a
  // map makes end here instead of walking both names.
  if (a.size() != b.size()) return a.size() < b.size();
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = ToLowerAscii(a[i]);
    const char y = ToLowerAscii(b[i]);
    if (x != y) return x < y;
  }
  return false;
}

bool HasLineBreakOrNul(std::string_view s) {
  // A plain loop: find_first_of calls memchr once per byte of `s`.
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool Request::has_header(std::string_view key) const { return headers.find(key) != headers.end(); }

std::string Request::get_header_value(std::string_view key, size_t id) const {
  return NthValue(headers, key, id);
}

size_t Request::get_header_value_count(std::string_view key) const {
  return static_cast<size_t>(headers.count(key));
}

bool Request::has_param(std::string_view key) const {
  return params.find(std::string(key)) != params.end();
}

std::string Request::get_param_value(std::string_view key, size_t id) const {
  auto [first, last] = params.equal_range(std::string(key));
  for (auto it = first; it != last; ++it, --id) {
    if (id == 0) return it->second;
  }
  return {};
}

Response::~Response() { Release(false); }

void Response::Release(bool success) {
  if (!releaser_) return;
  auto releaser = std::move(releaser_);
  releaser_ = nullptr;
  releaser(success);
}

bool Response::has_header(std::string_view key) const { return headers.find(key) != headers.end(); }

std::string Response::get_header_value(std::string_view key, size_t id) const {
  return NthValue(headers, key, id);
}

void Response::set_header(std::string_view key, std::string_view value) {
  if (key.empty() || HasLineBreakOrNul(key) || HasLineBreakOrNul(value)) return;
  auto [first, last] = headers.equal_range(key);
  headers.erase(first, last);
  headers.emplace(std::string(key), std::string(value));
}

void Response::set_content(std::string body_text, std::string_view content_type) {
  body = std::move(body_text);
  provider_ = nullptr;
  chunked_provider_ = nullptr;
  if (content_type.empty()) {
    headers.erase("Content-Type");
  } else {
    set_header("Content-Type", content_type);
  }
}

void Response::set_content(const char* data, size_t length, std::string_view content_type) {
  set_content(std::string(data, length), content_type);
}

void Response::set_redirect(std::string_view url, int redirect_status) {
  if (HasLineBreakOrNul(url)) return;
  set_header("Location", url);
  status = (redirect_status >= 300 && redirect_status < 400) ? redirect_status : 302;
}

void Response::set_content_provider(size_t length, std::string_view content_type,
                                    ContentProvider provider,
                                    ContentProviderResourceReleaser releaser) {
  body.clear();
  content_length_ = length;
  provider_ = std::move(provider);
  chunked_provider_ = nullptr;
  releaser_ = std::move(releaser);
  if (!content_type.empty()) set_header("Content-Type", content_type);
}

void Response::set_chunked_content_provider(std::string_view content_type,
                                            ContentProviderWithoutLength provider,
                                            ContentProviderResourceReleaser releaser) {
  body.clear();
  content_length_ = 0;
  provider_ = nullptr;
  chunked_provider_ = std::move(provider);
  releaser_ = std::move(releaser);
  if (!content_type.empty()) set_header("Content-Type", content_type);
}

}  // namespace notme::server
