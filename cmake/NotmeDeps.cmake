# Every dependency comes from a Debian 12 package; scripts/install-deps.sh installs them
# and docs/dependencies.md says why each is here.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium>=1.0.18)
if(APPLE)
  # No Secret Service on macOS: lib/keyring builds without it and its secret-service mode
  # fails closed (docs/keyring.md).
  pkg_check_modules(LIBSECRET IMPORTED_TARGET libsecret-1)
else()
  pkg_check_modules(LIBSECRET REQUIRED IMPORTED_TARGET libsecret-1)
endif()
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
if(NOTME_BUILD_TESTS)
  find_package(doctest REQUIRED)
endif()
