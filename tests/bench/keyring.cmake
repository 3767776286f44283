# keyring_bench: one upstream-secret lookup in the real Secret Service beside the
# ephemeral keyring, in the same run (docs/benchmarks.md, "keyring"). Run it under
# tests/keyring_harness/run.
if(TARGET PkgConfig::LIBSECRET)
  add_executable(keyring_bench keyring_bench.cpp)
  target_link_libraries(keyring_bench PRIVATE notme_keyring notme_crypto notme_warnings
                                              Threads::Threads)
endif()
