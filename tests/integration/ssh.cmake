# SSH commit signing end to end (issue 5): real notmed on a real GNOME Keyring, notme,
# notme-ssh-sign, git and ssh-keygen.
include(${PROJECT_SOURCE_DIR}/tests/keyring_harness/keyring_harness.cmake)
if(TARGET notmed AND TARGET notme AND TARGET notme-ssh-sign)
  add_test(NAME ssh_signing_integration
    COMMAND ${NOTME_KEYRING_HARNESS} -- ${CMAKE_CURRENT_SOURCE_DIR}/ssh_signing_test.sh
            $<TARGET_FILE:notmed> $<TARGET_FILE:notme> $<TARGET_FILE:notme-ssh-sign>)
  set_tests_properties(ssh_signing_integration PROPERTIES LABELS "integration" TIMEOUT 300)
endif()
