notme_add_fuzzer(systemd_env LIBS notmed_core)
