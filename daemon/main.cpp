// notmed: the per-user notme daemon. All the work is in daemon.cpp (DaemonMain).
#include "daemon/daemon.h"

int main(int argc, char** argv) { return notme::daemon::DaemonMain(argc, argv); }
