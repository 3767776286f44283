# lib/server request-body parsers (forms, UTF-8, JSON with a depth cap).
notme_add_fuzzer(server_request LIBS notme_server)
