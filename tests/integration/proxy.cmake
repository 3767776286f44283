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

# git clone/push through the proxy as an agent (git http-backend upstream, --proxy-listen).
add_test(NAME proxy_git
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/proxy_git_test.py)
set_tests_properties(proxy_git PROPERTIES
  LABELS "integration" TIMEOUT 180
  ENVIRONMENT "NOTMED=$<TARGET_FILE:notmed>;GIT_CREDENTIAL_NOTME=$<TARGET_FILE:git-credential-notme>")
