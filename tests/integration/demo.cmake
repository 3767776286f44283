# The README's main job, minus the build: the guided demo must run start to finish
# against this build tree and leave nothing running.
add_test(NAME guided_demo
  COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/guided-demo.sh ${PROJECT_BINARY_DIR})
set_tests_properties(guided_demo PROPERTIES LABELS "integration" TIMEOUT 180
  ENVIRONMENT "NO_COLOR=1")
