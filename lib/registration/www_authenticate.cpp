#include "registration/www_authenticate.h"

#include <algorithm>

namespace notme::registration {
namespace {

// RFC 9110 §5.6.2 tchar.
bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
// RFC 9110 §11.2 token68 adds '/' and '=' padding.
bool IsToken68Char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-._~+/").find(c) != std::string_view::npos;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  void SkipOws() {
    while (!done() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  bool Eat(char c) {
    if (peek() != c || done()) return false;
    ++i_;
    return true;
  }
  std::string_view Token() {
    const size_t start = i_;
    while (!done() && IsTchar(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  std::string Token68() {
    std::string t;
    while (!done() && IsToken68Char(s_[i_])) t.push_back(s_[i_++]);
    while (Eat('=')) t.push_back('=');
    return t;
  }
  size_t pos() const { return i_; }
  void set_pos(size_t p) { i_ = p; }
  // RFC 9110 §5.6.4 quoted-string; the opening quote has been consumed.
  Result<std::string> QuotedRest() {
    std::string out;
    while (!done()) {
      const char c = s_[i_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (done()) break;
        const char e = s_[i_++];
        if (static_cast<unsigned char>(e) < 0x20 && e != '\t') break;
        out.push_back(e);
        continue;
      }
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) {
        return Fail(ErrorCode::kMalformed, "WWW-Authenticate: control character in a quoted string");
      }
      out.push_back(c);
    }
    return Fail(ErrorCode::kMalformed, "WWW-Authenticate: unterminated quoted string");
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

Result<std::vector<Challenge>> ParseWwwAuthenticate(std::string_view value) {
  if (value.size() > kMaxWwwAuthenticateBytes) {
    return Fail(ErrorCode::kTooLarge, "WWW-Authenticate: header too long");
  }
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) {
      return Fail(ErrorCode::kMalformed, "WWW-Authenticate: control character");
    }
  }
  std::vector<Challenge> out;
  Lexer lx(value);
  size_t total_params = 0;
  while (true) {
    // Empty list elements are allowed (RFC 9110 §5.6.1.2).
    lx.SkipOws();
    while (lx.Eat(',')) lx.SkipOws();
    if (lx.done()) break;
    std::string_view scheme = lx.Token();
    if (scheme.empty()) return Fail(ErrorCode::kMalformed, "WWW-Authenticate: expected an auth-scheme");
    Challenge ch;
    ch.scheme = Lower(scheme);
    const size_t after_scheme = lx.pos();
    lx.SkipOws();
    const bool had_space = lx.pos() > after_scheme;
    if (lx.done() || lx.peek() == ',') {
      out.push_back(std::move(ch));
      continue;
    }
    if (!had_space) return Fail(ErrorCode::kMalformed, "WWW-Authenticate: expected a space after the scheme");
    // token68 or auth-params: look ahead for "name =".
    const size_t mark = lx.pos();
    std::string_view name = lx.Token();
    lx.SkipOws();
    bool is_param = !name.empty() && lx.Eat('=');
    if (is_param) {
      lx.SkipOws();
      is_param = lx.peek() != '=';  // "abc==" is token68 padding, not a parameter
    }
    if (!is_param) {
      lx.set_pos(mark);
      std::string t = lx.Token68();
      if (t.empty()) return Fail(ErrorCode::kMalformed, "WWW-Authenticate: malformed challenge");
      ch.token68 = std::move(t);
      lx.SkipOws();
      if (!lx.done() && lx.peek() != ',') return Fail(ErrorCode::kMalformed, "WWW-Authenticate: garbage after token68");
      out.push_back(std::move(ch));
      continue;
    }
    // auth-param list; the next element that is not "name=" starts a new challenge.
    while (true) {
      std::string pvalue;
      if (lx.Eat('"')) {
        NOTME_TRY(pvalue, lx.QuotedRest());
      } else {
        std::string_view t = lx.Token();
        if (t.empty()) return Fail(ErrorCode::kMalformed, "WWW-Authenticate: empty parameter value");
        pvalue = std::string(t);
      }
      if (++total_params > kMaxChallengeParams) {
        return Fail(ErrorCode::kTooLarge, "WWW-Authenticate: too many parameters");
      }
      if (!ch.params.emplace(Lower(name), std::move(pvalue)).second) {
        return Fail(ErrorCode::kMalformed,
                    "WWW-Authenticate: parameter '" + Lower(name) + "' repeated");
      }
      lx.SkipOws();
      if (lx.done()) break;
      if (!lx.Eat(',')) return Fail(ErrorCode::kMalformed, "WWW-Authenticate: expected ','");
      lx.SkipOws();
      while (lx.Eat(',')) lx.SkipOws();
      if (lx.done()) break;
      const size_t next = lx.pos();
      name = lx.Token();
      lx.SkipOws();
      if (name.empty() || !lx.Eat('=')) {
        lx.set_pos(next);  // a new challenge begins here
        break;
      }
      lx.SkipOws();
    }
    out.push_back(std::move(ch));
  }
  return out;
}

Result<std::string> ResourceMetadataFromWwwAuthenticate(std::string_view value) {
  NOTME_TRY(auto challenges, ParseWwwAuthenticate(value));
  for (const auto& ch : challenges) {
    if (ch.scheme != "bearer") continue;
    auto it = ch.params.find("resource_metadata");
    if (it != ch.params.end()) return it->second;
  }
  return Fail(ErrorCode::kNotFound, "WWW-Authenticate: no Bearer challenge with resource_metadata");
}

}  // namespace notme::registration
