# notmed end to end (tests/integration/daemon_test.py, jwcrypto as the independent JOSE
# implementation) and the load test (64 concurrent clients; NOTME_LOAD_MINTS per client,
# 1000 by default = the full run of issue 3, about 20 s on 2 cores; see docs/daemon.md).
add_test(NAME daemon_integration
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/daemon_test.py)
set_tests_properties(daemon_integration PROPERTIES
  LABELS "integration" TIMEOUT 300
  ENVIRONMENT "NOTMED=$<TARGET_FILE:notmed>")
if(NOTME_BUILD_BENCH)  # daemon_bench is defined later (tests/bench), hence no TARGET check
  add_test(NAME daemon_load
    COMMAND sh -c "exec \"$0\" --check --clients 64 --mints \${NOTME_LOAD_MINTS:-1000} --starts 1"
            $<TARGET_FILE:daemon_bench>)
  set_tests_properties(daemon_load PROPERTIES LABELS "integration;load" TIMEOUT 600)
endif()
