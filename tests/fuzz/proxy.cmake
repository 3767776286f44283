# Parsers of the secretless proxy (lib/proxy): git credential input, request-targets.
notme_add_fuzzer(git_credential LIBS notme_proxy)
notme_add_fuzzer(proxy_path LIBS notme_proxy)
