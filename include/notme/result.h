#pragma once
// Result<T>: the one error-handling type of notme (STYLE.md "Errors").
//
// `Result<T>` is `std::expected<T, Error>` where the standard library has it (g++ 12).
// clang 14 cannot instantiate libstdc++'s <expected> (it needs C++20 concepts at
// 202002L), so there a small replacement with the same surface is used. Code must only
// use the common subset: has_value(), operator bool, value(), error(), operator*,
// operator->, value_or(), and construction from T or from `Fail(...)`/`Unexpected`.

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <version>

#ifdef __cpp_lib_expected
#include <expected>
#endif

namespace notme {

// Closed set of failure kinds. Add a value only with a caller that needs to tell it
// apart; the HTTP/OAuth mapping lives in authority/error_mapping.cpp.
enum class [[nodiscard]] ErrorCode {
  kInvalidArgument,     // caller passed something malformed (usage, arguments)
  kMalformed,           // untrusted input failed to parse
  kTooLarge,            // untrusted input exceeds a size or depth limit
  kUnsupported,         // well-formed but not supported (algorithm, crit, grant type)
  kBadSignature,        // signature did not verify
  kInvalidKey,          // key material is malformed or of the wrong kind
  kExpired,             // exp in the past
  kNotYetValid,         // nbf/iat in the future beyond skew
  kInvalidIssuer,       // iss mismatch
  kInvalidAudience,     // aud mismatch
  kReplay,              // jti seen before
  kInvalidDpopProof,    // RFC 9449 invalid_dpop_proof
  kUseDpopNonce,        // RFC 9449 use_dpop_nonce
  kInvalidClient,       // RFC 6749 invalid_client (unknown agent)
  kInvalidScope,        // RFC 6749 invalid_scope
  kInvalidTarget,       // RFC 8707 invalid_target
  kInvalidRequest,      // RFC 6749 invalid_request
  kInvalidToken,        // RFC 6750 invalid_token (revoked, unknown kid, ...)
  kUnsupportedGrantType,
  kPermissionDenied,    // authenticated but not allowed (wrong socket, peer uid)
  kNotFound,
  kAlreadyExists,
  kUnsafePath,          // symlink, wrong owner, group/other-accessible
  kConfig,              // configuration file broken
  kIo,                  // operating-system failure (errno)
  kUnavailable,         // daemon or keyring not reachable
  kTimeout,
  kUpstream,            // proxied upstream failed
  kInternal,            // a bug or an impossible state reported as data
  kDaemonUnreachable,   // client side: nothing answers on notmed's socket (CLI exit code 3)
};

// Stable lowercase name for logs, JSON and tests ("bad_signature").
std::string_view ErrorCodeName(ErrorCode code);

// An error: a code a program can branch on and a message a human can read. Messages
// never contain secrets (STYLE.md "Secrets").
class [[nodiscard]] Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code_name: message"
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
};

#ifdef __cpp_lib_expected

template <typename T>
using Result = std::expected<T, Error>;
using Unexpected = std::unexpected<Error>;

#else

// Wrapper marking an Error as the failure branch, like std::unexpected<Error>.
class Unexpected {
 public:
  explicit Unexpected(Error e) : error_(std::move(e)) {}
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result() requires std::is_default_constructible_v<T> : v_(std::in_place_index<0>) {}
  template <typename U = T>
    requires std::is_constructible_v<T, U&&> &&
             (!std::is_same_v<std::remove_cvref_t<U>, Result>) &&
             (!std::is_same_v<std::remove_cvref_t<U>, Unexpected>)
  Result(U&& v) : v_(std::in_place_index<0>, std::forward<U>(v)) {}  // NOLINT
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u).error()) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { Ensure(); return std::get<0>(v_); }
  const T& value() const& { Ensure(); return std::get<0>(v_); }
  T&& value() && { Ensure(); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  template <typename U>
  T value_or(U&& d) const& { return has_value() ? std::get<0>(v_) : T(std::forward<U>(d)); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  void Ensure() const {
    if (!has_value()) std::abort();
  }
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : error_(std::move(u).error()), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  void value() const {
    if (!ok_) std::abort();
  }
  const Error& error() const& { return error_; }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool ok_ = true;
};

#endif

// The failure branch: `return Fail(ErrorCode::kMalformed, "jws: three parts expected");`
inline Unexpected Fail(ErrorCode code, std::string message) {
  return Unexpected(Error(code, std::move(message)));
}
inline Unexpected Fail(Error e) { return Unexpected(std::move(e)); }

// Success for Result<void>.
inline Result<void> Ok() { return {}; }

}  // namespace notme

// Propagate an error: `NOTME_TRY(auto x, Parse(s));` or `NOTME_TRY_VOID(Check(s));`.
#define NOTME_CONCAT_INNER(a, b) a##b
#define NOTME_CONCAT(a, b) NOTME_CONCAT_INNER(a, b)
#define NOTME_TRY_VOID(expr)                                     \
  do {                                                           \
    auto notme_try_r_ = (expr);                                  \
    if (!notme_try_r_) return ::notme::Fail(notme_try_r_.error()); \
  } while (0)
#define NOTME_TRY_IMPL(tmp, decl, expr)               \
  auto tmp = (expr);                                  \
  if (!tmp) return ::notme::Fail(std::move(tmp).error()); \
  decl = std::move(*tmp)
#define NOTME_TRY(decl, expr) NOTME_TRY_IMPL(NOTME_CONCAT(notme_try_, __LINE__), decl, expr)
