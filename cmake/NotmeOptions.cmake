# Compile options shared by every notme target, as one INTERFACE target.
add_library(notme_warnings INTERFACE)
target_compile_options(notme_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wnull-dereference
  -Wimplicit-fallthrough -Wformat=2)
if(NOTME_WERROR)
  target_compile_options(notme_warnings INTERFACE -Werror)
endif()

# Hardening flags for everything we ship (Debian's dpkg-buildflags set the same).
add_compile_options(-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE)
add_link_options(-Wl,-z,relro,-z,now -pie)

if(NOTME_THREAD_SAFETY)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "NOTME_THREAD_SAFETY needs clang (CXX=clang++)")
  endif()
  target_compile_options(notme_warnings INTERFACE -Wthread-safety -Werror=thread-safety)
endif()

if(NOTME_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

if(NOTME_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "NOTME_FUZZ needs clang (CXX=clang++)")
  endif()
  # Instrument everything for coverage; only the fuzz targets link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
