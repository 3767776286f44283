# `notme mcp` with the official MCP TypeScript SDK as upstream server and client
# (tests/integration/mcp_test.py). npm packages go into the build tree (npm ci, cached
# by the lock file's hash); exit 77 = skipped when the npm registry is unreachable
# outside CI (under CI=true that is a failure).
add_test(NAME mcp_integration
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/mcp_test.py)
set_tests_properties(mcp_integration PROPERTIES
  LABELS "integration" TIMEOUT 600 SKIP_RETURN_CODE 77
  ENVIRONMENT "NOTMED=$<TARGET_FILE:notmed>;NOTME=$<TARGET_FILE:notme>;MCP_NODE_DIR=${CMAKE_CURRENT_BINARY_DIR}/mcp_node")
