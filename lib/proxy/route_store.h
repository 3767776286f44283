#pragma once
// RouteStore: the proxy routes, persisted in <config_dir>/routes.json (no secret values,
// only secret names). Loaded strictly at start and on Reload (SIGHUP): a broken file is an
// error, never silently ignored or partly used. Every change is written atomically (temp
// file 0600 + fsync + rename + fsync of the directory) before it becomes visible.
//
// File format: {"version":1,"routes":[<RouteToJson>...]}.
// Thread-safe: all state behind one mutex. Find shares the route (immutable: a change
// replaces it); List returns copies.

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "notme/result.h"
#include "notme/thread_annotations.h"
#include "proxy/route.h"

namespace notme::proxy {

class RouteStore {
 public:
  // Opens the store in `config_dir` (which must already be a private directory) and loads
  // routes.json if it exists. Errors: kConfig for a malformed file (with the reason),
  // kUnsafePath when the file is a symlink, not owned by the user or group/other-accessible,
  // kIo for read failures.
  static Result<std::unique_ptr<RouteStore>> Open(const std::filesystem::path& config_dir);

  // Re-reads routes.json; on error the current routes stay in effect.
  Result<void> Reload() EXCLUDES(mu_);

  // Adds a route. Errors: kAlreadyExists, kIo (nothing changes on failure).
  Result<void> Add(const Route& route) EXCLUDES(mu_);
  // Removes a route. Errors: kNotFound, kIo.
  Result<void> Remove(const std::string& name) EXCLUDES(mu_);
  // The route named `name`, or null. The route stays valid for as long as it is held,
  // also after a Remove or Reload.
  std::shared_ptr<const Route> Find(const std::string& name) const EXCLUDES(mu_);
  std::vector<Route> List() const EXCLUDES(mu_);

  const std::filesystem::path& file() const { return file_; }

 private:
  explicit RouteStore(std::filesystem::path file) : file_(std::move(file)) {}
  using Routes = std::map<std::string, std::shared_ptr<const Route>, std::less<>>;
  Result<Routes> Load() const;
  Result<void> Save(const Routes& routes) const;

  const std::filesystem::path file_;
  mutable Mutex mu_;
  Routes routes_ GUARDED_BY(mu_);
};

// Parses the text of routes.json. Errors: kConfig naming the problem.
Result<std::map<std::string, Route>> ParseRoutesFile(std::string_view text);
std::string SerializeRoutesFile(const std::map<std::string, Route>& routes);

}  // namespace notme::proxy
