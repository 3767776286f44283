# notmed under systemd's own socket-activation tool (systemd-socket-activate, from the
# systemd package) with a real NOTIFY_SOCKET receiver: daemon/systemd.cpp end to end.
add_test(NAME systemd_integration
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/systemd_test.py)
set_tests_properties(systemd_integration PROPERTIES
  LABELS "integration" TIMEOUT 120
  ENVIRONMENT "NOTMED=$<TARGET_FILE:notmed>")
