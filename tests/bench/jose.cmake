# jose_bench: JWS sign/verify, DPoP validation and the token "mint" beside raw libsodium
# Ed25519 sign+verify measured in the same run (docs/benchmarks.md, "jose").
add_executable(jose_bench jose_bench.cpp)
target_link_libraries(jose_bench PRIVATE notme_jose notme_warnings PkgConfig::SODIUM)
