# Parsers of the secretless proxy (lib/proxy): git credential input, request-targets, and
# upstream answers (the proxy's own HTTP/1.1 client reads them; the upstream is untrusted).
notme_add_fuzzer(git_credential LIBS notme_proxy)
notme_add_fuzzer(proxy_path LIBS notme_proxy)
notme_add_fuzzer(http1_response LIBS notme_proxy)
