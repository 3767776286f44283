#include "base/shared_library.h"

#include <dlfcn.h>

#include <string>

namespace notme {

Result<void*> OpenSharedLibrary(const char* soname, std::string_view context) {
  void* handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return Fail(ErrorCode::kUnavailable, std::string("cannot load ") + soname + " " +
                                             std::string(context) + ": " +
                                             (why != nullptr ? why : "unknown error"));
  }
  return handle;
}

Result<void> BindSymbol(void* handle, std::string_view library, const char* name, void*& out) {
  out = ::dlsym(handle, name);
  if (out == nullptr) {
    return Fail(ErrorCode::kUnavailable,
                "the installed " + std::string(library) + " lacks " + name);
  }
  return Ok();
}

}  // namespace notme
