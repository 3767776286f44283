# The notme CLI against a real notmed (tests/integration/cli_test.py; reuses
# daemon_harness.py to start the daemon on temporary dirs with --keyring ephemeral).
add_test(NAME cli_integration
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli_test.py)
set_tests_properties(cli_integration PROPERTIES
  LABELS "integration" TIMEOUT 300
  ENVIRONMENT "NOTMED=$<TARGET_FILE:notmed>;NOTME=$<TARGET_FILE:notme>")
