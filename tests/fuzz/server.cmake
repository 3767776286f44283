# lib/server parsers: HTTP/1.1 request heads, framing and chunked bodies; request-body
# parsers (forms, UTF-8, JSON with a depth cap).
notme_add_fuzzer(server_request LIBS notme_server)
