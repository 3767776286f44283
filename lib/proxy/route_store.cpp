#include "proxy/route_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "authority/atomic_file.h"
#include "base/errno_error.h"

namespace notme::proxy {
namespace {

constexpr size_t kMaxFileBytes = 1 << 20;

Result<std::optional<std::string>> ReadPrivateFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    if (errno == ELOOP) return Fail(ErrorCode::kUnsafePath, path.string() + " is a symlink");
    return Fail(ErrnoError(path.string(), errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Fail(ErrnoError(path.string(), err));
  }
  if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    ::close(fd);
    return Fail(ErrorCode::kUnsafePath,
                path.string() + " must be a regular file owned by you with mode 0600");
  }
  std::string text;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Fail(ErrnoError(path.string(), err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxFileBytes) {
      ::close(fd);
      return Fail(ErrorCode::kConfig, path.string() + " is larger than 1 MiB");
    }
  }
  ::close(fd);
  return std::optional<std::string>(std::move(text));
}

}  // namespace

Result<std::map<std::string, Route>> ParseRoutesFile(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Fail(ErrorCode::kConfig, "routes.json: not a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (k != "version" && k != "routes") return Fail(ErrorCode::kConfig, "routes.json: unknown member '" + k + "'");
  }
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() || version->get<int64_t>() != 1) {
    return Fail(ErrorCode::kConfig, "routes.json: version must be 1");
  }
  auto list = j.find("routes");
  if (list == j.end() || !list->is_array()) return Fail(ErrorCode::kConfig, "routes.json: routes must be an array");
  std::map<std::string, Route> routes;
  for (const auto& item : *list) {
    auto r = RouteFromJson(item);
    if (!r) return Fail(ErrorCode::kConfig, "routes.json: " + r.error().message());
    std::string name = r->name;
    if (!routes.emplace(name, std::move(*r)).second) {
      return Fail(ErrorCode::kConfig, "routes.json: duplicate route '" + name + "'");
    }
  }
  return routes;
}

std::string SerializeRoutesFile(const std::map<std::string, Route>& routes) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [name, r] : routes) list.push_back(RouteToJson(r));
  nlohmann::json j = {{"version", 1}, {"routes", list}};
  return j.dump(2) + "\n";
}

Result<std::unique_ptr<RouteStore>> RouteStore::Open(const std::filesystem::path& config_dir) {
  std::unique_ptr<RouteStore> store(new RouteStore(config_dir / "routes.json"));
  NOTME_TRY_VOID(store->Reload());
  return store;
}

Result<RouteStore::Routes> RouteStore::Load() const {
  NOTME_TRY(auto text, ReadPrivateFile(file_));
  Routes out;
  if (!text) return out;
  NOTME_TRY(auto routes, ParseRoutesFile(*text));
  for (auto& [name, route] : routes)
    out.emplace(name, std::make_shared<const Route>(std::move(route)));
  return out;
}

Result<void> RouteStore::Save(const Routes& routes) const {
  std::map<std::string, Route> plain;
  for (const auto& [name, route] : routes) plain.emplace(name, *route);
  return authority::WriteFileAtomically(file_, SerializeRoutesFile(plain));
}

Result<void> RouteStore::Reload() {
  NOTME_TRY(auto routes, Load());
  MutexLock lock(&mu_);
  routes_ = std::move(routes);
  return Ok();
}

Result<void> RouteStore::Add(const Route& route) {
  MutexLock lock(&mu_);
  if (routes_.contains(route.name)) return Fail(ErrorCode::kAlreadyExists, "route '" + route.name + "' exists");
  auto next = routes_;
  next.emplace(route.name, std::make_shared<const Route>(route));
  NOTME_TRY_VOID(Save(next));
  routes_ = std::move(next);
  return Ok();
}

Result<void> RouteStore::Remove(const std::string& name) {
  MutexLock lock(&mu_);
  if (!routes_.contains(name)) return Fail(ErrorCode::kNotFound, "no route '" + name + "'");
  auto next = routes_;
  next.erase(name);
  NOTME_TRY_VOID(Save(next));
  routes_ = std::move(next);
  return Ok();
}

std::shared_ptr<const Route> RouteStore::Find(const std::string& name) const {
  MutexLock lock(&mu_);
  auto it = routes_.find(name);
  return it == routes_.end() ? nullptr : it->second;
}

std::vector<Route> RouteStore::List() const {
  std::vector<Route> out;
  MutexLock lock(&mu_);
  for (const auto& [name, r] : routes_) out.push_back(*r);
  return out;
}

}  // namespace notme::proxy
