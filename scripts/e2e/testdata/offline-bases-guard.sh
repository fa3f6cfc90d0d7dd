#!/usr/bin/env bash
# Stands in for scripts/offline-bases.sh in the tooling test's copy of the
# repository. When Docker is unusable, which is what the tooling tests
# provoke, it runs the real script (kept beside it as offline-bases.real.sh),
# so the user's message is the real one. When Docker works, it refuses: a
# test must never build or tag a base image.
set -euo pipefail
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  echo "offline-bases: tooling test guard: refusing to build $* (Docker works, so a base image is really missing)" >&2
  exit 1
fi
exec "$(dirname "$0")/offline-bases.real.sh" "$@"
