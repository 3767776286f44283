notme_add_fuzzer(ssh LIBS notme_ssh)
