#pragma once
// Loading a shared library on first use instead of linking it, into a table of function
// pointers typed from the library's own headers (decltype), so that a process that never
// needs it maps none of it: libsecret and GLib (lib/keyring), libcrypto (lib/crypto),
// libssl (lib/proxy). Libraries are opened by SONAME (the ABI the headers describe) and
// never closed. Thread-safe (dlopen/dlsym are); callers load their table once.

#include <string_view>

#include "notme/result.h"

namespace notme {

// Opens `soname` with RTLD_NOW | RTLD_LOCAL (a missing symbol fails here, not in the middle
// of a call). Errors: kUnavailable "cannot load SONAME CONTEXT: <dlerror>", where `context`
// says what the library is needed for and how to get it.
Result<void*> OpenSharedLibrary(const char* soname, std::string_view context);

// Resolves `name` in `handle` into `out`. Errors: kUnavailable "the installed LIBRARY lacks
// NAME" (`library` names what `handle` is, for the message).
Result<void> BindSymbol(void* handle, std::string_view library, const char* name, void*& out);

// BindSymbol into a function pointer of the header's type.
template <typename Fn>
Result<void> BindFunction(void* handle, std::string_view library, const char* name, Fn& out) {
  void* symbol = nullptr;
  NOTME_TRY_VOID(BindSymbol(handle, library, name, symbol));
  // POSIX dlsym: a function's address travels as void*.
  out = reinterpret_cast<Fn>(symbol);
  return Ok();
}

}  // namespace notme
