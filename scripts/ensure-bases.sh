#!/usr/bin/env bash
#
# Makes sure every base image named by a FROM line of the workshop's
# Dockerfiles ([0-9][0-9]-*/Dockerfile) exists locally.
#
# For each image (scratch and earlier stage names are skipped):
#   present locally   -> nothing to do
#   OFFLINE=1         -> scripts/offline-bases.sh IMAGE (no registry contact)
#   otherwise         -> docker pull IMAGE; if that fails, one loud warning and
#                        scripts/offline-bases.sh IMAGE
#
# Usage: scripts/ensure-bases.sh    (needs Go, to list the FROM images)
#
# Environment:
#   OFFLINE       1 to never contact a registry
#   PULL_TIMEOUT  seconds allowed for one docker pull (default 600)
#
# Safe to run again: images already present are left alone.

set -euo pipefail

readonly PROG='ensure-bases'

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
readonly OFFLINE_BASES="${SCRIPT_DIR}/offline-bases.sh"

#######################################
# Logging helpers; every line starts with "ensure-bases: ".
#######################################
log() {
  echo "${PROG}: $*"
}

err() {
  echo "${PROG}: $*" >&2
}

die() {
  err "$*"
  exit 1
}

# Where run_go keeps a command's stderr; removed on exit, even on Ctrl-C.
ERRS=''

#######################################
# Runs one of the project's Go commands; on failure, exits with its own
# one-line message (without go run's "exit status" noise).
# Globals:
#   ERRS (read)
# Arguments:
#   The package, then its arguments.
#######################################
run_go() {
  if ! go run "$@" 2>"${ERRS}"; then
    grep -v '^exit status ' "${ERRS}" >&2 || true
    exit 1
  fi
}

#######################################
# Prints an image's offline-base label, or fails if the image is not here.
# Arguments:
#   Image name.
#######################################
offline_label() {
  docker image inspect -f '{{index .Config.Labels "lean-go-images.offline-base"}}' "$1" 2>/dev/null
}

main() {
  local image reason out label
  local -a images=() missing=() fallback=() unsupported=() buildable=() recipes=()

  command -v go >/dev/null 2>&1 || die "go is not installed: install Go 1.26 or later (see README.md, Prerequisites)"
  ERRS="$(mktemp)"
  trap 'rm -f "${ERRS}"' EXIT
  # Docker's state and the FROM lines are read in Go (scripts/preflight and
  # scripts/bases), which say what is wrong in one line.
  cd "${SCRIPT_DIR%/*}"
  run_go ./scripts/preflight
  out="$(run_go ./scripts/bases)"
  mapfile -t images <<<"${out}"

  for image in "${images[@]}"; do
    if ! label="$(offline_label "${image}")"; then
      missing+=("${image}")
    elif [[ "${label}" == true ]]; then
      log "present: ${image} (offline look-alike)"
    else
      log "present: ${image}"
    fi
  done
  ((${#missing[@]})) || return 0

  if [[ "${OFFLINE:-}" == 1 ]]; then
    log "OFFLINE=1: not contacting any registry for: ${missing[*]}"
    fallback=("${missing[@]}")
  else
    for image in "${missing[@]}"; do
      log "pulling ${image} ..."
      if out="$(timeout "${PULL_TIMEOUT:-600}" docker pull --quiet "${image}" 2>&1)"; then
        log "pulled ${image}"
      else
        reason="$(printf '%s\n' "${out}" | awk 'NF { l = $0 } END { print l }')"
        err "WARNING: could not pull ${image} (${reason:-no reason given}); building an offline look-alike from Debian packages (see README, Offline)"
        fallback+=("${image}")
      fi
    done
  fi
  ((${#fallback[@]})) || return 0

  mapfile -t recipes < <("${OFFLINE_BASES}" --list)
  for image in "${fallback[@]}"; do
    if printf '%s\n' "${recipes[@]}" | grep -qxF -- "${image}"; then
      buildable+=("${image}")
    else
      unsupported+=("${image}")
    fi
  done
  if ((${#buildable[@]})); then
    "${OFFLINE_BASES}" "${buildable[@]}"
  fi
  if ((${#unsupported[@]})); then
    die "no offline look-alike recipe for: ${unsupported[*]} (pull it where a registry is reachable, or add it to scripts/offline-bases.sh)"
  fi
}

main "$@"
