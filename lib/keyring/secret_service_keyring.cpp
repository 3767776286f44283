#include "keyring/secret_service_keyring.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "keyring/libsecret_api.h"
#include "keyring/validate.h"
#include "keyring/watchdog.h"

namespace notme::keyring {
namespace {

constexpr char kAttrName[] = "notme-name";
constexpr char kAttrKind[] = "notme-kind";
// The Secret Service spec's content type for opaque bytes; keyring UIs then do not try
// to show the value as text.
constexpr char kContentType[] = "application/octet-stream";

const SecretSchema* Schema() {
  static const SecretSchema schema = [] {
    SecretSchema s{};
    s.name = "dev.notme.Secret";
    s.flags = SECRET_SCHEMA_NONE;
    s.attributes[0] = {kAttrName, SECRET_SCHEMA_ATTRIBUTE_STRING};
    s.attributes[1] = {kAttrKind, SECRET_SCHEMA_ATTRIBUTE_STRING};
    return s;
  }();
  return &schema;
}

// Owning wrappers for the GLib objects a call creates (functions from the loaded api).
struct GErrorDeleter {
  const LibsecretApi* api;
  void operator()(GError* e) const { api->g_error_free(e); }
};
struct HashTableDeleter {
  const LibsecretApi* api;
  void operator()(GHashTable* t) const { api->g_hash_table_unref(t); }
};
struct SecretValueDeleter {
  const LibsecretApi* api;
  // secret_value_unref frees the egg-secure (mlocked) buffer, wiping it.
  void operator()(SecretValue* v) const { api->secret_value_unref(v); }
};
using HashTablePtr = std::unique_ptr<GHashTable, HashTableDeleter>;
using SecretValuePtr = std::unique_ptr<SecretValue, SecretValueDeleter>;

HashTablePtr NewTable(const LibsecretApi& api) {
  return HashTablePtr(api.g_hash_table_new(api.g_str_hash, api.g_str_equal),
                      HashTableDeleter{&api});
}

// Attribute table for a lookup/clear (name only) or a store (name and kind). Keys and
// values point into `name`/`kind`, which must outlive the table.
HashTablePtr Attributes(const LibsecretApi& api, const std::string& name, const char* kind) {
  HashTablePtr t = NewTable(api);
  api.g_hash_table_insert(t.get(), const_cast<char*>(kAttrName), const_cast<char*>(name.c_str()));
  if (kind != nullptr) {
    api.g_hash_table_insert(t.get(), const_cast<char*>(kAttrKind), const_cast<char*>(kind));
  }
  return t;
}

// One error policy for every D-Bus failure. GError messages come from D-Bus and the
// keyring daemon and never contain the value (it is not part of any error reply).
Error ToError(const LibsecretApi& api, GError* raw, const Watchdog::Call& call,
              std::chrono::milliseconds timeout, std::string_view what) {
  std::unique_ptr<GError, GErrorDeleter> e(raw, GErrorDeleter{&api});
  const GQuark secret_error = api.secret_error_get_quark();  // SECRET_ERROR
  std::string prefix = "keyring: " + std::string(what) + ": ";
  if (call.Fired()) {
    return Error(ErrorCode::kTimeout, prefix + "the Secret Service did not answer within " +
                                          std::to_string(timeout.count()) +
                                          " ms (a locked keyring waiting for an unlock prompt?)");
  }
  if (e == nullptr) return Error(ErrorCode::kInternal, prefix + "failed without an error");
  if (e->domain == secret_error && e->code == SECRET_ERROR_IS_LOCKED) {
    return Error(ErrorCode::kUnavailable, prefix + "the keyring is locked; unlock it first");
  }
  if (e->domain == secret_error && e->code == SECRET_ERROR_NO_SUCH_OBJECT) {
    return Error(ErrorCode::kNotFound, prefix + "no such entry");
  }
  return Error(ErrorCode::kUnavailable, prefix + e->message);
}

// GDBus finds the session bus through DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus.
// Checked first so that, without either, GLib never tries X11 autolaunch (spawning a
// private dbus-daemon behind the user's back).
bool SessionBusConfigured() {
  const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS");
  if (address != nullptr && address[0] != '\0') return true;
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime == nullptr || runtime[0] != '/') return false;
  std::error_code ec;
  return std::filesystem::is_socket(std::filesystem::path(runtime) / "bus", ec);
}

}  // namespace

Result<std::unique_ptr<SecretServiceKeyring>> SecretServiceKeyring::Connect(
    std::chrono::milliseconds timeout) {
  if (!SessionBusConfigured()) {
    return Fail(ErrorCode::kUnavailable,
                "keyring: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS unset and no "
                "$XDG_RUNTIME_DIR/bus), so no Secret Service");
  }
  // Loaded only now, with a session bus to talk to (docs/keyring.md "Lazy loading").
  NOTME_TRY(const LibsecretApi* api, LoadLibsecret());
  auto watchdog = std::make_unique<Watchdog>(*api);
  {
    Watchdog::Call call(*watchdog, timeout);
    GError* error = nullptr;
    // Opening the transport session proves org.freedesktop.secrets answers (and lets
    // values travel encrypted on the bus when the service supports it).
    SecretService* service =
        api->secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION, call.cancellable(), &error);
    if (service == nullptr) return Fail(ToError(*api, error, call, timeout, "connect"));
    api->g_object_unref(service);  // libsecret keeps its own process-wide reference
  }
  return std::unique_ptr<SecretServiceKeyring>(
      new SecretServiceKeyring(*api, timeout, std::move(watchdog)));
}

SecretServiceKeyring::SecretServiceKeyring(const LibsecretApi& api,
                                           std::chrono::milliseconds timeout,
                                           std::unique_ptr<Watchdog> watchdog)
    : api_(api), timeout_(timeout), watchdog_(std::move(watchdog)) {}

SecretServiceKeyring::~SecretServiceKeyring() = default;

Result<void> SecretServiceKeyring::Store(std::string_view name, const crypto::SecretBytes& value,
                                         std::string_view label) {
  NOTME_TRY(Kind kind, ValidateStore(name, value, label));
  const std::string name_str(name);
  const std::string kind_str(KindName(kind));
  const std::string label_str(label);
  HashTablePtr attributes = Attributes(api_, name_str, kind_str.c_str());
  // secret_value_new copies into libsecret's non-pageable memory; the SecretBytes stays
  // readable only for that copy.
  SecretValue* copied = value.RevealForCrypto([&](std::span<const uint8_t> bytes) {
    return api_.secret_value_new(reinterpret_cast<const gchar*>(bytes.data()),
                                 static_cast<gssize>(bytes.size()), kContentType);
  });
  SecretValuePtr secret(copied, SecretValueDeleter{&api_});
  MutexLock lock(&mu_);
  Watchdog::Call call(*watchdog_, timeout_);
  GError* error = nullptr;
  const gboolean ok = api_.secret_password_storev_binary_sync(
      Schema(), attributes.get(), SECRET_COLLECTION_DEFAULT, label_str.c_str(), secret.get(),
      call.cancellable(), &error);
  if (!ok) return Fail(ToError(api_, error, call, timeout_, "store"));
  ForgetFlight(name);
  return Ok();
}

namespace {

// A copy of a flight's answer for one more caller: the value in its own short-lived
// guarded slot, or the same error.
Result<crypto::SecretBytes> CopyAnswer(const Result<crypto::SecretBytes>& answer) {
  if (!answer) return Fail(answer.error());
  return answer->RevealForCrypto(
      [](std::span<const uint8_t> bytes) { return crypto::SecretBytes::CopyShortLived(bytes); });
}

}  // namespace

Result<crypto::SecretBytes> SecretServiceKeyring::Lookup(std::string_view name) {
  NOTME_TRY_VOID(ParseName(name));
  std::shared_ptr<Flight> flight;
  {
    MutexLock lock(&flights_mu_);
    if (auto it = flights_.find(name); it != flights_.end()) {
      // A lookup of this name is on the bus: wait for its answer and copy it. Copies are
      // made under flights_mu_, one at a time, while the first caller waits for them.
      flight = it->second;
      ++flight->waiting;
      flight->cv.wait(flights_mu_,
                      [&]() NO_THREAD_SAFETY_ANALYSIS { return flight->result.has_value(); });
      Result<crypto::SecretBytes> mine = CopyAnswer(*flight->result);
      if (--flight->waiting == 0) flight->cv.notify_all();
      return mine;
    }
    flight = std::make_shared<Flight>();
    flights_.emplace(std::string(name), flight);
  }
  Result<crypto::SecretBytes> answer = Fail(ErrorCode::kInternal, "keyring: lookup failed");
  try {
    answer = LookupOnBus(name);
  } catch (...) {
    // The waiters must not wait for ever: they get an error, this caller the exception.
    (void)Land(name, flight, std::move(answer));
    throw;
  }
  return Land(name, flight, std::move(answer));
}

Result<crypto::SecretBytes> SecretServiceKeyring::Land(std::string_view name,
                                                       const std::shared_ptr<Flight>& flight,
                                                       Result<crypto::SecretBytes> answer) {
  MutexLock lock(&flights_mu_);
  // Callers from now on start a lookup of their own (a Store may already have replaced
  // this flight in the map: leave that one alone).
  if (auto it = flights_.find(name); it != flights_.end() && it->second == flight) {
    flights_.erase(it);
  }
  flight->result.emplace(std::move(answer));
  flight->cv.notify_all();
  flight->cv.wait(flights_mu_, [&]() NO_THREAD_SAFETY_ANALYSIS { return flight->waiting == 0; });
  return std::move(*flight->result);
}

void SecretServiceKeyring::ForgetFlight(std::string_view name) {
  MutexLock lock(&flights_mu_);
  if (auto it = flights_.find(name); it != flights_.end()) flights_.erase(it);
}

Result<crypto::SecretBytes> SecretServiceKeyring::LookupOnBus(std::string_view name) {
  const std::string name_str(name);
  HashTablePtr attributes = Attributes(api_, name_str, nullptr);
  SecretValuePtr secret(nullptr, SecretValueDeleter{&api_});
  {
    MutexLock lock(&mu_);
    Watchdog::Call call(*watchdog_, timeout_);
    GError* error = nullptr;
    secret.reset(api_.secret_password_lookupv_binary_sync(Schema(), attributes.get(),
                                                          call.cancellable(), &error));
    if (error != nullptr) return Fail(ToError(api_, error, call, timeout_, "lookup"));
  }
  if (secret == nullptr) return Fail(ErrorCode::kNotFound, "keyring: no such entry");
  gsize length = 0;
  const gchar* bytes = api_.secret_value_get(secret.get(), &length);
  if (length == 0 || length > kMaxValueSize) {
    return Fail(ErrorCode::kInternal, "keyring: stored value has an impossible size");
  }
  // Copy into guarded memory; `secret` (egg-secure memory) is wiped when it goes out of
  // scope right after.
  return crypto::SecretBytes::CopyShortLived(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes), length));
}

Result<void> SecretServiceKeyring::Remove(std::string_view name) {
  NOTME_TRY_VOID(ParseName(name));
  const std::string name_str(name);
  HashTablePtr attributes = Attributes(api_, name_str, nullptr);
  MutexLock lock(&mu_);
  Watchdog::Call call(*watchdog_, timeout_);
  GError* error = nullptr;
  const gboolean removed =
      api_.secret_password_clearv_sync(Schema(), attributes.get(), call.cancellable(), &error);
  if (error != nullptr) return Fail(ToError(api_, error, call, timeout_, "remove"));
  if (!removed) return Fail(ErrorCode::kNotFound, "keyring: no such entry");
  ForgetFlight(name);
  return Ok();
}

Result<std::vector<SecretInfo>> SecretServiceKeyring::List() {
  HashTablePtr attributes = NewTable(api_);
  GList* items = nullptr;
  {
    MutexLock lock(&mu_);
    Watchdog::Call call(*watchdog_, timeout_);
    GError* error = nullptr;
    // Without SECRET_SEARCH_LOAD_SECRETS: only labels, attributes and times travel.
    items = api_.secret_password_searchv_sync(Schema(), attributes.get(), SECRET_SEARCH_ALL,
                                              call.cancellable(), &error);
    if (error != nullptr) return Fail(ToError(api_, error, call, timeout_, "list"));
  }
  std::vector<SecretInfo> out;
  for (GList* l = items; l != nullptr; l = l->next) {
    auto* item = static_cast<SecretRetrievable*>(l->data);
    HashTablePtr attrs(api_.secret_retrievable_get_attributes(item), HashTableDeleter{&api_});
    const auto* name = static_cast<const char*>(api_.g_hash_table_lookup(attrs.get(), kAttrName));
    if (name == nullptr) continue;
    Result<Kind> kind = ParseName(name);
    if (!kind) continue;  // not an entry notme wrote; never surface it
    gchar* label = api_.secret_retrievable_get_label(item);
    out.push_back(SecretInfo{name, *kind, label != nullptr ? label : "",
                             static_cast<int64_t>(api_.secret_retrievable_get_created(item)),
                             static_cast<int64_t>(api_.secret_retrievable_get_modified(item))});
    api_.g_free(label);
  }
  api_.g_list_free_full(items, api_.g_object_unref);
  std::sort(out.begin(), out.end(),
            [](const SecretInfo& a, const SecretInfo& b) { return a.name < b.name; });
  // The Secret Service may hold duplicates written by another client; report each once.
  out.erase(std::unique(out.begin(), out.end(),
                        [](const SecretInfo& a, const SecretInfo& b) { return a.name == b.name; }),
            out.end());
  return out;
}

}  // namespace notme::keyring
