#!/usr/bin/env bash
# Guided demo over an already built tree ($1 = build dir).
set -euo pipefail
BUILD="${1:?build dir}"
for p in daemon/notmed cli/notme shim/notme-ssh-sign shim/git-credential-notme; do
  "$BUILD/$p" --version
done
