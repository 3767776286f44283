#pragma once
// LibsecretApi: the libsecret, GLib, GObject and GIO functions the Secret Service backend
// calls, loaded with dlopen on first use instead of linked, so that a process that never
// talks to the Secret Service (notmed --keyring ephemeral, notme-ssh-sign, a daemon whose
// keyring is not touched yet) maps none of them (~2.4 MiB resident; docs/keyring.md).
//
// Libraries are opened by SONAME (the ABI the headers describe) and never closed: GLib
// keeps threads and type registrations that cannot be unloaded. Each pointer's type is
// taken from the real header (decltype), so a signature change fails to compile rather
// than to call. Internal to lib/keyring. Thread-safe: loaded once (std::call_once); the
// table is immutable afterwards.

#include <gio/gio.h>
#include <libsecret/secret.h>

#include "notme/result.h"

namespace notme::keyring {

inline constexpr char kLibsecretSoname[] = "libsecret-1.so.0";
inline constexpr char kGlibSoname[] = "libglib-2.0.so.0";
inline constexpr char kGobjectSoname[] = "libgobject-2.0.so.0";
inline constexpr char kGioSoname[] = "libgio-2.0.so.0";

struct LibsecretApi {
  // libsecret
  decltype(&::secret_service_get_sync) secret_service_get_sync;
  decltype(&::secret_password_storev_binary_sync) secret_password_storev_binary_sync;
  decltype(&::secret_password_lookupv_binary_sync) secret_password_lookupv_binary_sync;
  decltype(&::secret_password_clearv_sync) secret_password_clearv_sync;
  decltype(&::secret_password_searchv_sync) secret_password_searchv_sync;
  decltype(&::secret_value_new) secret_value_new;
  decltype(&::secret_value_get) secret_value_get;
  decltype(&::secret_value_unref) secret_value_unref;
  decltype(&::secret_retrievable_get_attributes) secret_retrievable_get_attributes;
  decltype(&::secret_retrievable_get_label) secret_retrievable_get_label;
  decltype(&::secret_retrievable_get_created) secret_retrievable_get_created;
  decltype(&::secret_retrievable_get_modified) secret_retrievable_get_modified;
  decltype(&::secret_error_get_quark) secret_error_get_quark;  // SECRET_ERROR
  // GLib
  decltype(&::g_error_free) g_error_free;
  decltype(&::g_free) g_free;
  decltype(&::g_hash_table_new) g_hash_table_new;
  decltype(&::g_hash_table_insert) g_hash_table_insert;
  decltype(&::g_hash_table_lookup) g_hash_table_lookup;
  decltype(&::g_hash_table_unref) g_hash_table_unref;
  decltype(&::g_str_hash) g_str_hash;
  decltype(&::g_str_equal) g_str_equal;
  decltype(&::g_list_free_full) g_list_free_full;
  // GObject
  decltype(&::g_object_unref) g_object_unref;
  // GIO
  decltype(&::g_cancellable_new) g_cancellable_new;
  decltype(&::g_cancellable_cancel) g_cancellable_cancel;
};

// The loaded table, loading it on the first call. Errors: kUnavailable naming the
// library or symbol that could not be loaded (libsecret not installed, or too old); the
// failure is remembered, later calls return the same error.
Result<const LibsecretApi*> LoadLibsecret();

}  // namespace notme::keyring
