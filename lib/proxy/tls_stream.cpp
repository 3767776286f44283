#include "proxy/tls_stream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "base/shared_library.h"
#include "crypto/libcrypto_api.h"
#include "notme/thread_annotations.h"

namespace notme::proxy {
namespace {

using Clock = std::chrono::steady_clock;

// The libssl functions this file calls, loaded with dlopen when the first TLS connection
// is made instead of linked, as libcrypto is (crypto/libcrypto_api.h: its BIO, ERR and X509
// functions below): a daemon without TLS routes maps neither (docs/proxy.md). libssl
// finds libcrypto already loaded. Opened by SONAME (the ABI the headers describe) and
// never closed; each pointer's type is the real header's (decltype), so a signature change
// fails to compile rather than to call. Loaded once (std::call_once), immutable afterwards.
constexpr char kLibsslSoname[] = "libssl.so.3";

struct LibsslApi {
  decltype(&::TLS_client_method) TLS_client_method;
  decltype(&::SSL_CTX_new) SSL_CTX_new;
  decltype(&::SSL_CTX_ctrl) SSL_CTX_ctrl;
  decltype(&::SSL_CTX_set_verify) SSL_CTX_set_verify;
  decltype(&::SSL_CTX_set_options) SSL_CTX_set_options;
  decltype(&::SSL_CTX_set_default_verify_paths) SSL_CTX_set_default_verify_paths;
  decltype(&::SSL_CTX_load_verify_locations) SSL_CTX_load_verify_locations;
  decltype(&::SSL_CTX_free) SSL_CTX_free;
  decltype(&::SSL_new) SSL_new;
  decltype(&::SSL_free) SSL_free;
  decltype(&::SSL_set_bio) SSL_set_bio;
  decltype(&::SSL_get0_param) SSL_get0_param;
  decltype(&::SSL_set_hostflags) SSL_set_hostflags;
  decltype(&::SSL_ctrl) SSL_ctrl;
  decltype(&::SSL_set1_host) SSL_set1_host;
  decltype(&::SSL_connect) SSL_connect;
  decltype(&::SSL_get_error) SSL_get_error;
  decltype(&::SSL_get_verify_result) SSL_get_verify_result;
  decltype(&::SSL_pending) SSL_pending;
  decltype(&::SSL_read_ex) SSL_read_ex;
  decltype(&::SSL_write_ex) SSL_write_ex;
  decltype(&::SSL_shutdown) SSL_shutdown;
};

LibsslApi& SslTable() {
  static LibsslApi api{};
  return api;
}

Result<void> LoadInto(LibsslApi& api) {
  NOTME_TRY(void* handle,
            OpenSharedLibrary(kLibsslSoname, "(OpenSSL 3, package libssl3) for TLS to upstreams"));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "TLS_client_method", api.TLS_client_method));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_CTX_new", api.SSL_CTX_new));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_CTX_ctrl", api.SSL_CTX_ctrl));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_CTX_set_verify", api.SSL_CTX_set_verify));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibsslSoname, "SSL_CTX_set_options", api.SSL_CTX_set_options));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_CTX_set_default_verify_paths",
                              api.SSL_CTX_set_default_verify_paths));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_CTX_load_verify_locations",
                              api.SSL_CTX_load_verify_locations));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_CTX_free", api.SSL_CTX_free));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_new", api.SSL_new));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_free", api.SSL_free));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_set_bio", api.SSL_set_bio));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_get0_param", api.SSL_get0_param));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_set_hostflags", api.SSL_set_hostflags));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_ctrl", api.SSL_ctrl));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_set1_host", api.SSL_set1_host));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_connect", api.SSL_connect));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_get_error", api.SSL_get_error));
  NOTME_TRY_VOID(
      BindFunction(handle, kLibsslSoname, "SSL_get_verify_result", api.SSL_get_verify_result));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_pending", api.SSL_pending));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_read_ex", api.SSL_read_ex));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_write_ex", api.SSL_write_ex));
  NOTME_TRY_VOID(BindFunction(handle, kLibsslSoname, "SSL_shutdown", api.SSL_shutdown));
  return Ok();
}

// Loads the table on the first call; a failure is remembered and returned again, and no
// TLS connection is made without it (fail closed).
Result<void> LoadLibssl() {
  static std::once_flag once;
  static Result<void> loaded = Ok();
  std::call_once(once, [] {
    // libcrypto first (libssl needs it, and this file calls its BIO, ERR and X509 parts).
    auto libcrypto = crypto::LoadLibcrypto();
    loaded = libcrypto ? LoadInto(SslTable()) : Result<void>(Fail(libcrypto.error()));
  });
  if (!loaded) return Fail(ErrorCode::kUpstream, "TLS unavailable: " + loaded.error().message());
  return Ok();
}

// The loaded tables: only called once LoadLibssl succeeded (every SSL object, context and
// BIO was made after it).
const LibsslApi& Ssl() { return SslTable(); }
const crypto::LibcryptoApi& Crypto() { return **crypto::LoadLibcrypto(); }

// SSL_CTX per CA file, made on first use and kept: loading the system store is the
// expensive part of a TLS client, and an SSL_CTX is thread-safe for SSL_new once set up.
// A CA file is reloaded when it changed (inode, size or modification time), so a route's
// rotated CA takes effect at the next new connection, as it did when each client loaded it.
// The system store is loaded once per process.
class TlsContexts {
 public:
  Result<SSL_CTX*> Get(const std::string& ca_file) EXCLUDES(mu_) {
    std::string stamp;
    if (!ca_file.empty()) {
      struct stat st {};
      if (::stat(ca_file.c_str(), &st) != 0) {
        return Fail(ErrorCode::kUpstream, "cannot load the route's CA file");
      }
      stamp = std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
              std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
    }
    MutexLock lock(&mu_);
    auto it = contexts_.find(ca_file);
    if (it != contexts_.end() && it->second.stamp == stamp) return it->second.ctx;
    NOTME_TRY(SSL_CTX * ctx, Make(ca_file));
    if (it != contexts_.end()) {
      // Connections made with the old context hold their own reference to it.
      Ssl().SSL_CTX_free(it->second.ctx);
      it->second = {stamp, ctx};
    } else {
      contexts_.emplace(ca_file, Entry{stamp, ctx});
    }
    return ctx;
  }

 private:
  struct Entry {
    std::string stamp;
    SSL_CTX* ctx;
  };

  static Result<SSL_CTX*> Make(const std::string& ca_file) {
    SSL_CTX* ctx = Ssl().SSL_CTX_new(Ssl().TLS_client_method());
    if (ctx == nullptr) return Fail(ErrorCode::kUpstream, "cannot create a TLS context");
    Ssl().SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, nullptr);
    Ssl().SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    // A peer closing without close_notify reads as EOF; the HTTP framing (Content-Length,
    // the last chunk) is what tells a complete answer from a cut one.
    Ssl().SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
    int ok = ca_file.empty() ? Ssl().SSL_CTX_set_default_verify_paths(ctx)
                             : Ssl().SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
    Crypto().ERR_clear_error();
    if (ok != 1) {
      Ssl().SSL_CTX_free(ctx);
      return Fail(ErrorCode::kUpstream, ca_file.empty() ? "cannot load the system CA store"
                                                        : "cannot load the route's CA file");
    }
    return ctx;
  }

  Mutex mu_;
  std::map<std::string, Entry> contexts_ GUARDED_BY(mu_);
};

TlsContexts& Contexts() {
  static TlsContexts* contexts = new TlsContexts();  // never destroyed: used until exit
  return *contexts;
}

// A socket BIO that sends with MSG_NOSIGNAL: a peer that went away must not raise SIGPIPE
// in a process that did not ignore it (tests, the CLI).
int BioWrite(BIO* bio, const char* data, int n) {
  Crypto().BIO_clear_flags(bio, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
  int fd = static_cast<int>(reinterpret_cast<intptr_t>(Crypto().BIO_get_data(bio)));
  ssize_t r = 0;
  do {
    r = ::send(fd, data, static_cast<size_t>(n), MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  // Once the socket blocks (after the handshake), EAGAIN means the write timeout passed.
  if (r < 0 && errno == EAGAIN)
    Crypto().BIO_set_flags(bio, BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY);
  return static_cast<int>(r);
}

int BioRead(BIO* bio, char* data, int n) {
  Crypto().BIO_clear_flags(bio, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
  int fd = static_cast<int>(reinterpret_cast<intptr_t>(Crypto().BIO_get_data(bio)));
  ssize_t r = 0;
  do {
    r = ::recv(fd, data, static_cast<size_t>(n), 0);
  } while (r < 0 && errno == EINTR);
  // Once the socket blocks (after the handshake), EAGAIN means the read timeout passed.
  if (r < 0 && errno == EAGAIN)
    Crypto().BIO_set_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
  return static_cast<int>(r);
}

long BioCtrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

int BioCreate(BIO* bio) {
  Crypto().BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* SocketBio() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m =
        Crypto().BIO_meth_new(Crypto().BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "notme-socket");
    Crypto().BIO_meth_set_write(m, BioWrite);
    Crypto().BIO_meth_set_read(m, BioRead);
    Crypto().BIO_meth_set_ctrl(m, BioCtrl);
    Crypto().BIO_meth_set_create(m, BioCreate);
    return m;
  }();
  return method;
}

bool IsIpLiteral(const std::string& host) {
  in6_addr buf{};
  return inet_pton(AF_INET, host.c_str(), &buf) == 1 ||
         inet_pton(AF_INET6, host.c_str(), &buf) == 1;
}

std::chrono::milliseconds Left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

}  // namespace

Result<std::unique_ptr<UpstreamStream>> UpstreamStream::Connect(const ResolvedAddress& address,
                                                                uint16_t port,
                                                                bool allow_non_public,
                                                                const StreamTimeouts& timeouts) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (address.family == AF_INET6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    if (inet_pton(AF_INET6, address.ip.c_str(), &sin6->sin6_addr) != 1) {
      return Fail(ErrorCode::kUnavailable, "invalid upstream address");
    }
    len = sizeof(sockaddr_in6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    if (inet_pton(AF_INET, address.ip.c_str(), &sin->sin_addr) != 1) {
      return Fail(ErrorCode::kUnavailable, "invalid upstream address");
    }
    len = sizeof(sockaddr_in);
  }
  server::UniqueFd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Fail(ErrorCode::kUnavailable, "cannot create a socket");
  std::unique_ptr<UpstreamStream> s(new UpstreamStream(std::move(fd), timeouts));
  int fdn = s->fd_.get();
  if (::connect(fdn, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS)
      return Fail(ErrorCode::kUnavailable, "cannot connect to the upstream");
    if (!s->Wait(POLLOUT, timeouts.connect)) {
      return Fail(ErrorCode::kTimeout, "connecting to the upstream timed out");
    }
    int err = 0;
    socklen_t elen = sizeof(err);
    if (::getsockopt(fdn, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
      return Fail(ErrorCode::kUnavailable, "cannot connect to the upstream");
    }
  }
  int one = 1;
  ::setsockopt(fdn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (!allow_non_public) {
    sockaddr_storage peer{};
    socklen_t plen = sizeof(peer);
    if (::getpeername(fdn, reinterpret_cast<sockaddr*>(&peer), &plen) != 0 ||
        IsNonPublicAddress(reinterpret_cast<const sockaddr*>(&peer))) {
      return Fail(ErrorCode::kPermissionDenied, "the upstream address is not public");
    }
  }
  return s;
}

UpstreamStream::~UpstreamStream() {
  if (ssl_ != nullptr) {
    // close_notify, best effort and without waiting: the socket is closed right after.
    if (blocking_) (void)::fcntl(fd_.get(), F_SETFL, ::fcntl(fd_.get(), F_GETFL) | O_NONBLOCK);
    Ssl().SSL_shutdown(ssl_);
    Ssl().SSL_free(ssl_);
    Crypto().ERR_clear_error();
  }
}

bool UpstreamStream::Wait(short events, std::chrono::milliseconds timeout) const {
  pollfd p{fd_.get(), events, 0};
  auto deadline = Clock::now() + timeout;
  for (;;) {
    int r = ::poll(&p, 1, static_cast<int>(Left(deadline).count()));
    if (r > 0) return (p.revents & (events | POLLHUP | POLLERR)) != 0;
    if (r == 0 || errno != EINTR) return false;
  }
}

bool UpstreamStream::WaitFor(int ssl_error, std::chrono::milliseconds timeout) const {
  if (ssl_error == SSL_ERROR_WANT_READ) return Wait(POLLIN, timeout);
  if (ssl_error == SSL_ERROR_WANT_WRITE) return Wait(POLLOUT, timeout);
  return false;
}

Result<void> UpstreamStream::StartTls(const std::string& host, const std::string& ca_file) {
  NOTME_TRY_VOID(LoadLibssl());
  NOTME_TRY(SSL_CTX * ctx, Contexts().Get(ca_file));
  ssl_ = Ssl().SSL_new(ctx);
  BIO* bio = ssl_ != nullptr ? Crypto().BIO_new(SocketBio()) : nullptr;
  if (bio == nullptr) return Fail(ErrorCode::kUpstream, "cannot create a TLS connection");
  Crypto().BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd_.get())));
  Ssl().SSL_set_bio(ssl_, bio, bio);
  // Fail closed: without the name (or address) to check, a valid certificate for any
  // host would do.
  bool named = false;
  if (IsIpLiteral(host)) {
    named = Crypto().X509_VERIFY_PARAM_set1_ip_asc(Ssl().SSL_get0_param(ssl_), host.c_str()) == 1;
  } else {
    Ssl().SSL_set_hostflags(ssl_, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    // SNI: SSL_set_tlsext_host_name, without its old-style cast.
    named = Ssl().SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                           const_cast<char*>(host.c_str())) == 1 &&
            Ssl().SSL_set1_host(ssl_, host.c_str()) == 1;
  }
  if (!named) {
    Crypto().ERR_clear_error();
    return Fail(ErrorCode::kUpstream, "cannot set the upstream host name for TLS");
  }
  auto deadline = Clock::now() + timeouts_.connect;
  for (;;) {
    int r = Ssl().SSL_connect(ssl_);
    if (r == 1) return Ok();
    int e = Ssl().SSL_get_error(ssl_, r);
    if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && Left(deadline).count() > 0) {
      if (WaitFor(e, Left(deadline))) continue;
      Crypto().ERR_clear_error();
      return Fail(ErrorCode::kTimeout, "TLS handshake with the upstream timed out");
    }
    bool unverified = Ssl().SSL_get_verify_result(ssl_) != X509_V_OK;
    Crypto().ERR_clear_error();
    return Fail(ErrorCode::kUpstream, unverified ? "upstream certificate verification failed"
                                                 : "TLS handshake with the upstream failed");
  }
}

Result<void> UpstreamStream::MakeBlocking() {
  if (blocking_) return Ok();
  auto as_timeval = [](std::chrono::milliseconds t) {
    // A zero timeval means "no timeout": never less than a millisecond.
    const auto ms = std::max<int64_t>(t.count(), 1);
    return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000 * 1000)};
  };
  const timeval rcv = as_timeval(timeouts_.read);
  const timeval snd = as_timeval(timeouts_.write);
  const int fd = fd_.get();
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof rcv) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof snd) != 0 ||
      ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return Fail(ErrorCode::kUpstream, "cannot set the upstream connection's timeouts");
  }
  blocking_ = true;
  return Ok();
}

Result<size_t> UpstreamStream::ReadSome(char* buf, size_t n) {
  NOTME_TRY_VOID(MakeBlocking());
  for (;;) {
    if (ssl_ == nullptr) {
      // Blocks up to the read timeout (SO_RCVTIMEO), then fails with EAGAIN.
      ssize_t r = ::recv(fd_.get(), buf, n, 0);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return Fail(ErrorCode::kTimeout, "reading from the upstream timed out");
      }
      return Fail(ErrorCode::kUpstream, "reading from the upstream failed");
    }
    size_t got = 0;
    int r = Ssl().SSL_read_ex(ssl_, buf, n, &got);
    if (r == 1) return got;
    int e = Ssl().SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_ZERO_RETURN) return size_t{0};
    Crypto().ERR_clear_error();
    // On a blocking socket OpenSSL asks to retry only when a recv or send timed out (the
    // socket BIO itself retries a call a signal interrupted).
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      return Fail(ErrorCode::kTimeout, "reading from the upstream timed out");
    }
    return Fail(ErrorCode::kUpstream, "reading from the upstream failed (TLS)");
  }
}

Result<void> UpstreamStream::WriteAll(std::string_view data) {
  NOTME_TRY_VOID(MakeBlocking());
  while (!data.empty()) {
    size_t done = 0;
    if (ssl_ == nullptr) {
      // Blocks until the socket took some bytes, up to the write timeout (SO_SNDTIMEO).
      ssize_t r = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (r >= 0) {
        done = static_cast<size_t>(r);
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return Fail(ErrorCode::kTimeout, "writing to the upstream timed out");
      } else if (errno != EINTR) {
        return Fail(ErrorCode::kUpstream, "writing to the upstream failed");
      }
    } else if (Ssl().SSL_write_ex(ssl_, data.data(), data.size(), &done) != 1) {
      const int e = Ssl().SSL_get_error(ssl_, 0);
      Crypto().ERR_clear_error();
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        return Fail(ErrorCode::kTimeout, "writing to the upstream timed out");
      }
      return Fail(ErrorCode::kUpstream, "writing to the upstream failed (TLS)");
    }
    data.remove_prefix(done);
  }
  return Ok();
}

bool UpstreamStream::Quiet() const {
  if (ssl_ != nullptr && Ssl().SSL_pending(ssl_) > 0) return false;
  pollfd p{fd_.get(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

}  // namespace notme::proxy
