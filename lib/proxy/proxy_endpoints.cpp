#include "proxy/proxy_endpoints.h"

namespace notme::proxy {

void RegisterProxyEndpoints(server::UnixHttpServer& server, const ProxyService& service,
                            CallerResolver resolve) {
  // [\s\S] rather than '.': the server matches the decoded path, and a decoded CR/LF must
  // still reach the handler to be refused there (and audited) instead of a bare 404.
  static const std::string kPattern = R"(/r/[\s\S]*)";
  auto plain = [&service, resolve](const server::Request& req, server::Response& res) {
    auto caller = resolve(req);
    if (!caller) return SetProxyError(res, caller.error());
    service.Handle(*caller, req, res, nullptr);
  };
  auto streamed = [&service, resolve](const server::Request& req, server::Response& res,
                                      const server::ContentReader& reader) {
    auto caller = resolve(req);
    if (!caller) {
      SetProxyError(res, caller.error());
      res.set_header("Connection", "close");
      return;
    }
    service.Handle(*caller, req, res, &reader);
  };
  server.Get(kPattern, plain);
  server.Options(kPattern, plain);
  server.Post(kPattern, streamed);
  server.Put(kPattern, streamed);
  server.Patch(kPattern, streamed);
  server.Delete(kPattern, streamed);
}

}  // namespace notme::proxy
