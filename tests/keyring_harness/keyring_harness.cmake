# notme_add_keyring_test(NAME <name> COMMAND <cmd> [args...] [NO_KEYRING] [LABELS ...])
# Registers a ctest test that runs <cmd> through tests/keyring_harness/run: a private
# D-Bus session with a real, unlocked gnome-keyring-daemon and a throwaway HOME/XDG tree
# (see the comment at the top of that script). Labels always include "keyring".
set(NOTME_KEYRING_HARNESS ${CMAKE_CURRENT_LIST_DIR}/run)

function(notme_add_keyring_test)
  cmake_parse_arguments(K "NO_KEYRING" "NAME" "COMMAND;LABELS" ${ARGN})
  set(opts "")
  if(K_NO_KEYRING)
    set(opts --no-keyring)
  endif()
  add_test(NAME ${K_NAME} COMMAND ${NOTME_KEYRING_HARNESS} ${opts} -- ${K_COMMAND})
  set_tests_properties(${K_NAME} PROPERTIES
    LABELS "${K_LABELS};keyring" TIMEOUT 300
    ENVIRONMENT "NOTME_SOURCE_DIR=${PROJECT_SOURCE_DIR};NOTME_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
