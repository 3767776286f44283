notme_add_test(ssh_sign_shim_test SOURCES ssh_sign_args_test.cpp ssh_sign_http_test.cpp LIBS notme_ssh_sign_shim)
# The shim stays lean (docs/benchmarks.md "ssh"): no OpenSSL, httplib or shared libstdc++
# loaded at every signature.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND TARGET notme-ssh-sign)
  add_test(NAME ssh_sign_shim_lean
    COMMAND sh -c "readelf -d \"$1\" | grep NEEDED >&2; ! readelf -d \"$1\" | grep NEEDED | grep -E 'libcrypto|libssl|httplib|libstdc'"
            sh $<TARGET_FILE:notme-ssh-sign>)
  set_tests_properties(ssh_sign_shim_lean PROPERTIES LABELS "unit")
endif()
