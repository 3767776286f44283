#include "keyring/libsecret_api.h"

#include <mutex>
#include <string>

#include "base/shared_library.h"

namespace notme::keyring {
namespace {

class Loader {
 public:
  Result<void> Load(LibsecretApi& api) {
    // libsecret first: it pulls in GLib, GObject and GIO as its own dependencies, so the
    // later opens only hand back those handles.
    NOTME_TRY(void* secret, Open(kLibsecretSoname));
    NOTME_TRY(void* glib, Open(kGlibSoname));
    NOTME_TRY(void* gobject, Open(kGobjectSoname));
    NOTME_TRY(void* gio, Open(kGioSoname));
    NOTME_TRY_VOID(Bind(secret, "secret_service_get_sync", api.secret_service_get_sync));
    NOTME_TRY_VOID(
        Bind(secret, "secret_password_storev_binary_sync", api.secret_password_storev_binary_sync));
    NOTME_TRY_VOID(Bind(secret, "secret_password_lookupv_binary_sync",
                        api.secret_password_lookupv_binary_sync));
    NOTME_TRY_VOID(Bind(secret, "secret_password_clearv_sync", api.secret_password_clearv_sync));
    NOTME_TRY_VOID(Bind(secret, "secret_password_searchv_sync", api.secret_password_searchv_sync));
    NOTME_TRY_VOID(Bind(secret, "secret_value_new", api.secret_value_new));
    NOTME_TRY_VOID(Bind(secret, "secret_value_get", api.secret_value_get));
    NOTME_TRY_VOID(Bind(secret, "secret_value_unref", api.secret_value_unref));
    NOTME_TRY_VOID(
        Bind(secret, "secret_retrievable_get_attributes", api.secret_retrievable_get_attributes));
    NOTME_TRY_VOID(Bind(secret, "secret_retrievable_get_label", api.secret_retrievable_get_label));
    NOTME_TRY_VOID(
        Bind(secret, "secret_retrievable_get_created", api.secret_retrievable_get_created));
    NOTME_TRY_VOID(
        Bind(secret, "secret_retrievable_get_modified", api.secret_retrievable_get_modified));
    NOTME_TRY_VOID(Bind(secret, "secret_error_get_quark", api.secret_error_get_quark));
    NOTME_TRY_VOID(Bind(glib, "g_error_free", api.g_error_free));
    NOTME_TRY_VOID(Bind(glib, "g_free", api.g_free));
    NOTME_TRY_VOID(Bind(glib, "g_hash_table_new", api.g_hash_table_new));
    NOTME_TRY_VOID(Bind(glib, "g_hash_table_insert", api.g_hash_table_insert));
    NOTME_TRY_VOID(Bind(glib, "g_hash_table_lookup", api.g_hash_table_lookup));
    NOTME_TRY_VOID(Bind(glib, "g_hash_table_unref", api.g_hash_table_unref));
    NOTME_TRY_VOID(Bind(glib, "g_str_hash", api.g_str_hash));
    NOTME_TRY_VOID(Bind(glib, "g_str_equal", api.g_str_equal));
    NOTME_TRY_VOID(Bind(glib, "g_list_free_full", api.g_list_free_full));
    NOTME_TRY_VOID(Bind(gobject, "g_object_unref", api.g_object_unref));
    NOTME_TRY_VOID(Bind(gio, "g_cancellable_new", api.g_cancellable_new));
    NOTME_TRY_VOID(Bind(gio, "g_cancellable_cancel", api.g_cancellable_cancel));
    return Ok();
  }

 private:
  static Result<void*> Open(const char* soname) {
    auto handle = OpenSharedLibrary(
        soname, "for the Secret Service (install libsecret-1-0, or run with --keyring ephemeral)");
    if (!handle) return Fail(handle.error().code(), "keyring: " + handle.error().message());
    return handle;
  }

  template <typename Fn>
  static Result<void> Bind(void* handle, const char* name, Fn& out) {
    auto bound = BindFunction(handle, "libsecret/GLib", name, out);
    if (!bound) {
      return Fail(bound.error().code(),
                  "keyring: " + bound.error().message() + "; the Secret Service is unavailable");
    }
    return Ok();
  }
};

}  // namespace

Result<const LibsecretApi*> LoadLibsecret() {
  static std::once_flag once;
  static LibsecretApi api{};
  static Result<void> loaded = Ok();
  std::call_once(once, [] { loaded = Loader().Load(api); });
  if (!loaded) return Fail(loaded.error());
  return &api;
}

}  // namespace notme::keyring
