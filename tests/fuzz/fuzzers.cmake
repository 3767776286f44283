# One line per fuzz target: notme_add_fuzzer(<name> LIBS <libraries>).
