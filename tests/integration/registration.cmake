# Agentic registration through the real notmed and notme CLI against the loopback test
# service (tests/integration/registration_cli_test.py, registration_service.py).
add_test(NAME registration_integration
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/registration_cli_test.py)
set_tests_properties(registration_integration PROPERTIES
  LABELS "integration" TIMEOUT 120
  ENVIRONMENT "NOTMED=$<TARGET_FILE:notmed>;NOTME=$<TARGET_FILE:notme>")
