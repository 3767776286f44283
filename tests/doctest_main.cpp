// Shared doctest main: initialises libsodium once before any test runs.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "crypto/sodium_init.h"

int main(int argc, char** argv) {
  if (!notme::crypto::InitCrypto()) {
    std::fprintf(stderr, "libsodium failed to initialise\n");
    return 1;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
