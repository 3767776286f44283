# proxy_bench: the secretless proxy against a loopback upstream, direct and proxied in the
# same run (docs/benchmarks.md, "proxy").
add_executable(proxy_bench proxy_bench.cpp)
target_link_libraries(proxy_bench PRIVATE notme_proxy notme_warnings Threads::Threads PkgConfig::SODIUM
                                          PkgConfig::HTTPLIB)
