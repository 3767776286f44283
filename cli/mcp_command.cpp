#include "cli/mcp_command.h"

#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <list>
#include <memory>
#include <set>
#include <thread>

#include "cli/cli11.h"
#include "cli/mcp_relay.h"
#include "cli/output.h"
#include "client/transport_error.h"
#include "notme/client_socket.h"

namespace notme::cli {
namespace {

constexpr auto kConnectTimeout = std::chrono::seconds(5);
// notmed's proxy ends an upstream silent for 120 s; this only bounds a stuck daemon.
constexpr auto kReadTimeout = std::chrono::seconds(600);
constexpr auto kShutdownTimeout = std::chrono::seconds(5);
constexpr size_t kMaxInFlight = 32;
constexpr size_t kReadChunk = 64 * 1024;
constexpr int kListenerMaxFailures = 3;

int g_signal_pipe[2] = {-1, -1};
// Set while the main thread is blocked in a synchronous exchange (initialize, a
// notification) and cannot watch the signal pipe.
std::atomic<bool> g_main_busy{false};

void OnSignal(int sig) {
  if (g_main_busy.load()) ::_exit(128 + sig);  // nothing to tidy: no session yet, or mid-202
  char c = 1;
  (void)!::write(g_signal_pipe[1], &c, 1);
}

struct McpOptions {
  std::string route;
  std::string path;
};

// Writes whole lines to stdout; one writer at a time (MCP stdio: one message per line).
class StdoutWriter {
 public:
  bool Write(const std::string& line) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    if (broken_) return false;
    std::string out = line + "\n";
    std::string_view rest = out;
    while (!rest.empty()) {
      ssize_t n = ::write(STDOUT_FILENO, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        broken_ = true;
        return false;
      }
      rest.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

 private:
  Mutex mu_;
  bool broken_ GUARDED_BY(mu_) = false;
};

// The HTTP clients of exchanges in progress, so a signal can cut them short.
class InFlight {
 public:
  // False once stopping: the exchange must not start.
  bool Add(httplib::Client* c) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    if (stopping_) return false;
    clients_.insert(c);
    return true;
  }
  void Remove(httplib::Client* c) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    clients_.erase(c);
  }
  void StopAll() EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    stopping_ = true;
    for (auto* c : clients_) c->stop();
  }

 private:
  Mutex mu_;
  std::set<httplib::Client*> clients_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
};

struct HttpRequest {
  std::string method;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::seconds read_timeout = kReadTimeout;
  bool capture_session = false;  // an initialize request: keep the Mcp-Session-Id
};

// One `notme mcp` process: the main thread reads stdin and sends notifications and
// initialize itself; other requests run on worker threads (at most kMaxInFlight), the GET
// stream on one more. Members are thread-safe (McpSession, StdoutWriter, InFlight lock
// themselves; the rest is const or guarded by mu_).
class Relay {
 public:
  Relay(std::filesystem::path socket, std::string route, std::string target)
      : socket_(std::move(socket)), route_(std::move(route)), target_(std::move(target)) {}

  // Serves until EOF on stdin or SIGTERM/SIGINT/SIGHUP, then ends the session. Returns
  // the exit status (0; 1 when it cannot start).
  int Run();

 private:
  // Reads and handles stdin lines until EOF (false) or a signal (true).
  bool ReadStdin();
  void HandleLine(std::string_view line);
  void Post(const ClientMessage& message);
  std::optional<Error> Exchange(const HttpRequest& request, ResponseRelay& relay,
                                InFlight* registry);
  void Spawn(ClientMessage message) EXCLUDES(mu_);
  void StartListener() EXCLUDES(mu_);
  void Listen() EXCLUDES(mu_);
  void DeleteSession();
  void Note(const std::string& text) const {
    std::fprintf(stderr, "notme mcp %s: %s\n", route_.c_str(), Printable(text).c_str());
  }
  void WaitForWorkers() EXCLUDES(mu_);
  void WaitForRequestsOrSignal() EXCLUDES(mu_);

  const std::filesystem::path socket_;
  const std::string route_;
  const std::string target_;
  McpSession session_;
  StdoutWriter out_;
  InFlight requests_;  // POSTs: cut short only by a signal
  InFlight listener_;  // the GET stream: cut short at any shutdown
  std::atomic<bool> stopping_{false};

  Mutex mu_;
  std::condition_variable_any cv_;
  size_t active_ GUARDED_BY(mu_) = 0;
  bool listener_started_ GUARDED_BY(mu_) = false;
  std::list<std::thread> threads_ GUARDED_BY(mu_);
  // Workers that have finished, to be joined (an unjoined thread keeps its stack).
  std::vector<std::list<std::thread>::iterator> finished_ GUARDED_BY(mu_);
};

std::optional<Error> Relay::Exchange(const HttpRequest& request, ResponseRelay& relay,
                                     InFlight* registry) {
  if (auto r = client::CheckSocket(socket_, ::getuid()); !r) return r.error();
  httplib::Client http(socket_.string());
  http.set_address_family(AF_UNIX);
  http.set_keep_alive(false);
  http.set_connection_timeout(kConnectTimeout);
  http.set_read_timeout(request.read_timeout);
  http.set_write_timeout(kConnectTimeout + std::chrono::seconds(25));
  if (!registry->Add(&http)) return Error(ErrorCode::kUnavailable, "shutting down");
  httplib::Request req;
  req.method = request.method;
  req.path = target_;
  for (const auto& [k, v] : request.headers) req.headers.emplace(k, v);
  std::optional<Error> session_error;
  req.response_handler = [&](const httplib::Response& r) {
    relay.Head(r.status, r.get_header_value("Content-Type"));
    if (request.capture_session && r.status >= 200 && r.status <= 299 &&
        r.has_header("Mcp-Session-Id")) {
      if (auto set = session_.SetSessionId(r.get_header_value("Mcp-Session-Id")); !set) {
        session_error = set.error();
        return false;
      }
    }
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    return relay.Body(std::string_view(data, n));
  };
  if (!request.body.empty()) {
    req.headers.emplace("Content-Type", "application/json");
    req.body = request.body;
  }
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  bool ok = false;
  try {
    ok = http.send(req, res, err);
  } catch (const std::exception& e) {
    registry->Remove(&http);
    return Error(ErrorCode::kIo, std::string("talking to notmed: ") + e.what());
  }
  registry->Remove(&http);
  if (session_error) return session_error;
  if (ok) return std::nullopt;
  return client::TransportError(socket_, err);
}

void Relay::Post(const ClientMessage& message) {
  HttpRequest request;
  request.method = "POST";
  request.headers = session_.Headers(message.has_initialize);
  // MCP "Sending Messages to the Server": the client MUST accept both answer forms.
  request.headers.emplace_back("Accept", "application/json, text/event-stream");
  request.body = ToLine(message.json);
  request.capture_session = message.has_initialize;
  ResponseRelay relay(message.request_ids, message.initialize_id, &session_,
                      [this](const std::string& line) { out_.Write(line); });
  auto error = Exchange(request, relay, &requests_);
  if (auto problem = relay.Finish(error)) Note(*problem);
}

void Relay::Spawn(ClientMessage message) {
  MutexLock lock(&mu_);
  while (active_ >= kMaxInFlight) cv_.wait(mu_);
  for (auto it : finished_) {
    it->join();  // it has released mu_ and is returning
    threads_.erase(it);
  }
  finished_.clear();
  ++active_;
  auto self = threads_.emplace(threads_.end());
  *self = std::thread([this, self, m = std::move(message)] {
    Post(m);
    MutexLock done(&mu_);
    --active_;
    finished_.push_back(self);
    cv_.notify_all();
  });
}

void Relay::WaitForRequestsOrSignal() {
  for (;;) {
    {
      MutexLock lock(&mu_);
      if (active_ == 0) return;
    }
    pollfd fd = {g_signal_pipe[0], POLLIN, 0};
    if (::poll(&fd, 1, 100) > 0) {
      requests_.StopAll();
      return;
    }
  }
}

void Relay::WaitForWorkers() {
  std::list<std::thread> threads;
  {
    MutexLock lock(&mu_);
    threads.swap(threads_);
    finished_.clear();
  }
  for (auto& t : threads) t.join();
}

void Relay::StartListener() {
  MutexLock lock(&mu_);
  if (listener_started_) return;
  listener_started_ = true;
  threads_.emplace_back([this] { Listen(); });
}

// MCP "Listening for Messages from the Server": a GET opens a stream for requests and
// notifications the server sends on its own (e.g. list_changed). 405 means the server
// offers none. A stream that ends is reopened with Last-Event-ID (resumability).
void Relay::Listen() {
  std::string last_event_id;
  int failures = 0;
  while (!stopping_ && failures < kListenerMaxFailures) {
    HttpRequest request;
    request.method = "GET";
    request.headers = session_.Headers(/*initialize=*/false);
    request.headers.emplace_back("Accept", "text/event-stream");
    if (!last_event_id.empty()) request.headers.emplace_back("Last-Event-ID", last_event_id);
    ResponseRelay relay({}, std::nullopt, &session_,
                        [this](const std::string& line) { out_.Write(line); });
    auto error = Exchange(request, relay, &listener_);
    if (stopping_ || relay.status() == 405) return;
    auto problem = relay.Finish(relay.status() == 200 ? std::nullopt : error);
    if (!relay.last_event_id().empty()) last_event_id = relay.last_event_id();
    // A stream that was open and ended (the upstream or notmed closed it after a silence)
    // is reopened at once; a refusal is retried with backoff, then given up.
    if (relay.status() != 200) {
      ++failures;
      if (failures == kListenerMaxFailures) {
        Note("server-sent messages unavailable: " +
             problem.value_or("HTTP " + std::to_string(relay.status())));
      }
    } else {
      failures = 0;
    }
    MutexLock lock(&mu_);
    cv_.wait_for(mu_, std::chrono::seconds(1 << failures), [this] { return stopping_.load(); });
  }
}

void Relay::DeleteSession() {
  if (!session_.session_id()) return;
  // MCP "Session Management": a client that no longer needs the session SHOULD send a
  // DELETE with its Mcp-Session-Id; 405 means the server does not allow it.
  InFlight once;
  HttpRequest request;
  request.method = "DELETE";
  request.headers = session_.Headers(/*initialize=*/false);
  request.read_timeout = kShutdownTimeout;
  ResponseRelay relay({}, std::nullopt, &session_, [](const std::string&) {});
  auto error = Exchange(request, relay, &once);
  int s = relay.status();
  if (error || (s >= 400 && s != 404 && s != 405)) {
    Note("could not end the MCP session: " +
         (error ? error->message() : "HTTP " + std::to_string(s)));
  }
}

void Relay::HandleLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return;
  auto message = ParseClientLine(line);
  if (!message) {
    int code = message.error().code() == ErrorCode::kMalformed ? kJsonRpcParseError
                                                               : kJsonRpcInvalidRequest;
    out_.Write(ToLine(JsonRpcError(IdForInvalidLine(line), code, message.error().message())));
    Note("refused a message from the MCP client: " + message.error().message());
    return;
  }
  bool initialized_notification = false;
  if (message->json.is_object() &&
      message->json.value("method", "") == "notifications/initialized") {
    initialized_notification = true;
  }
  // Notifications and responses are answered 202 at once: sending them in order keeps
  // `notifications/initialized` ahead of the requests that follow it. Initialize must
  // finish before anything else (it yields the session id). Other requests run
  // concurrently, so a long tool call does not hold up a ping or a cancellation.
  if (message->request_ids.empty() || message->has_initialize) {
    g_main_busy = true;
    Post(*message);
    g_main_busy = false;
    if (initialized_notification && session_.session_id()) StartListener();
    return;
  }
  Spawn(std::move(*message));
}

bool Relay::ReadStdin() {
  std::string buffer;
  bool discarding = false;  // inside a line that was too long
  bool signalled = false;
  std::vector<char> chunk(kReadChunk);
  for (;;) {
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {g_signal_pipe[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) {
      signalled = true;
      break;
    }
    ssize_t n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;  // EOF: the client is done (MCP stdio "Shutdown")
    buffer.append(chunk.data(), static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!discarding) HandleLine(std::string_view(buffer).substr(start, nl - start));
      discarding = false;
    }
    buffer.erase(0, start);
    if (buffer.size() > kMaxMcpMessageBytes) {
      if (!discarding) {
        out_.Write(ToLine(JsonRpcError(nullptr, kJsonRpcInvalidRequest, "message too large")));
        Note("refused a message from the MCP client larger than 16 MiB");
      }
      discarding = true;
      buffer.clear();
    }
  }
  if (!signalled && !discarding && !buffer.empty()) HandleLine(buffer);
  return signalled;
}

int Relay::Run() {
  std::signal(SIGPIPE, SIG_IGN);
  if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    Note("cannot create a pipe");
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(sig, &sa, nullptr);

  const bool signalled = ReadStdin();
  stopping_ = true;
  {
    MutexLock lock(&mu_);
    cv_.notify_all();
  }
  listener_.StopAll();
  // EOF: let requests already sent finish (their answers are still wanted, e.g. a piped
  // script) unless a signal comes. A signal: cut them short; each gets its JSON-RPC error.
  if (signalled) {
    requests_.StopAll();
  } else {
    WaitForRequestsOrSignal();
  }
  WaitForWorkers();
  DeleteSession();
  return 0;
}

int RunMcp(CliContext& ctx, const McpOptions& o) {
  if (!IsValidAgentName(o.route))
    return ctx.Usage("mcp", "invalid route name '" + Printable(o.route) + "'");
  if (!o.path.empty() &&
      (o.path.front() != '/' || o.path.find_first_of("?# \t\r\n") != std::string::npos)) {
    return ctx.Usage("mcp", "--path must start with '/' and contain no '?', '#' or spaces");
  }
  auto socket = ctx.Socket();
  if (!socket) return ctx.Fail(socket.error());
  Relay relay(*socket, o.route, "/r/" + o.route + o.path);
  return relay.Run();
}

}  // namespace

void RegisterMcpCommands(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<McpOptions>();
  auto* mcp = app.add_subcommand(
      "mcp", "Serve MCP on stdio, relayed to a route's Streamable HTTP MCP endpoint");
  mcp->add_option("ROUTE", o->route, "The route whose upstream is the MCP endpoint")->required();
  mcp->add_option("--path", o->path,
                  "Path of the MCP endpoint below the route (default: the route's base)");
  mcp->footer(
      "Reads JSON-RPC from stdin, one message per line, and writes the answers to stdout.\n"
      "notmed injects the route's secret; the MCP client never sees it (docs/mcp.md).\n"
      "Examples:\n"
      "  notme secret set linear < token.txt\n"
      "  notme route add linear --upstream https://mcp.linear.app/mcp --secret linear\n"
      "  claude mcp add linear -- notme mcp linear\n"
      "  notme run --agent claude -- claude   # agents use their own socket and scopes\n");
  mcp->callback([&ctx, o] { ctx.exit_code = RunMcp(ctx, *o); });
}

}  // namespace notme::cli
