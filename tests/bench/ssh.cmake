# SSH signing benchmark (issue 5): a script over the real programs, run by hand:
#   tests/bench/ssh_bench.py build/daemon/notmed build/cli/notme build/shim/notme-ssh-sign
# (results in docs/benchmarks.md, "ssh"). `ssh_bench` is a convenience target for that.
if(TARGET notmed AND TARGET notme AND TARGET notme-ssh-sign)
  add_custom_target(ssh_bench
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/ssh_bench.py
            $<TARGET_FILE:notmed> $<TARGET_FILE:notme> $<TARGET_FILE:notme-ssh-sign>
    DEPENDS notmed notme notme-ssh-sign
    USES_TERMINAL)
endif()
