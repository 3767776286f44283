# The secretless proxy through the real notmed (tests/integration/proxy_test.py).
add_test(NAME proxy_integration
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/proxy_test.py)
set_tests_properties(proxy_integration PROPERTIES
  LABELS "integration" TIMEOUT 120
  ENVIRONMENT "NOTMED=$<TARGET_FILE:notmed>;NOTME=$<TARGET_FILE:notme>")

# git-credential-notme driven by real git against a real gnome-keyring.
add_test(NAME proxy_git_credential
  COMMAND ${PROJECT_SOURCE_DIR}/tests/keyring_harness/run --
          ${CMAKE_CURRENT_SOURCE_DIR}/proxy_git_credential_test.sh $<TARGET_FILE:git-credential-notme>)
set_tests_properties(proxy_git_credential PROPERTIES LABELS "integration" TIMEOUT 120)

# git clone/fetch/push through the proxy as an agent (`notme git setup --route`, `notme run`,
# git http-backend upstream, --proxy-listen); the human's helper on a real gnome-keyring.
add_test(NAME proxy_git
  COMMAND ${PROJECT_SOURCE_DIR}/tests/keyring_harness/run --
          /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/proxy_git_test.py)
set_tests_properties(proxy_git PROPERTIES
  LABELS "integration" TIMEOUT 180
  ENVIRONMENT "NOTMED=$<TARGET_FILE:notmed>;NOTME=$<TARGET_FILE:notme>;GIT_CREDENTIAL_NOTME=$<TARGET_FILE:git-credential-notme>")

# git's own external-helper suite (t/t0303-credential-external.sh) against
# git-credential-notme on the control socket with a real gnome-keyring. git's t/ comes from
# Debian's source package (scripts/fetch-git-tests.sh, a fixture; never committed).
set(NOTME_GIT_TESTS_DIR ${CMAKE_BINARY_DIR}/git-tests)
add_test(NAME git_t0303_fetch
  COMMAND ${PROJECT_SOURCE_DIR}/scripts/fetch-git-tests.sh ${NOTME_GIT_TESTS_DIR})
set_tests_properties(git_t0303_fetch PROPERTIES
  LABELS "integration" TIMEOUT 300 FIXTURES_SETUP git_tests RESOURCE_LOCK apt)
add_test(NAME git_t0303_external
  COMMAND ${PROJECT_SOURCE_DIR}/tests/keyring_harness/run --
          ${CMAKE_CURRENT_SOURCE_DIR}/git_t0303.sh $<TARGET_FILE:git-credential-notme>
          ${NOTME_GIT_TESTS_DIR})
set_tests_properties(git_t0303_external PROPERTIES
  LABELS "integration" TIMEOUT 180 FIXTURES_REQUIRED git_tests)
