# daemon_bench: notmed end to end over its Unix socket beside the Ed25519 crypto floor
# (docs/benchmarks.md, "daemon"). Also the load test's driver (--check).
add_executable(daemon_bench daemon_bench.cpp)
target_link_libraries(daemon_bench PRIVATE notme_jose notme_crypto notme_warnings Threads::Threads PkgConfig::SODIUM)
target_compile_definitions(daemon_bench PRIVATE NOTME_NOTMED_PATH="$<TARGET_FILE:notmed>")
add_dependencies(daemon_bench notmed)
