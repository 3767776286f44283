#pragma once
// Hands an invocation that is not `-Y sign` to the real ssh-keygen, unchanged.

#include <string>

namespace notme::shim {

// The first `ssh-keygen` on $PATH that is an executable regular file and is not this
// program (compared by device and inode with /proc/self/exe, so a symlink or a copy
// named ssh-keygen never recurses into itself). Empty when there is none.
std::string FindRealSshKeygen(const char* path_env);

// execv's the real ssh-keygen with argv[1..] as given (argv[0] becomes its path). Returns
// only on failure, after printing one line to stderr; the caller exits with 1.
void ExecRealSshKeygen(char** argv);

}  // namespace notme::shim
