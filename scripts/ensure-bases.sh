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
#   REPO_ROOT     where to look for the Dockerfiles (default: this script's
#                 repository)
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

#######################################
# Tells whether an image exists locally.
# Arguments:
#   Image name.
#######################################
have_image() {
  docker image inspect "$1" >/dev/null 2>&1
}

main() {
  local repo_root image reason offline_ok out
  local -a images=() missing=() fallback=() unsupported=() buildable=()
  repo_root="${REPO_ROOT:-${SCRIPT_DIR%/*}}"
  [[ -d "${repo_root}" ]] || die "REPO_ROOT ${repo_root} is not a directory"

  command -v docker >/dev/null 2>&1 || die "docker not found; install Docker first"
  docker info >/dev/null 2>&1 || die "Docker daemon not reachable (is dockerd running?)"

  # The FROM lines are parsed in Go (scripts/bases), like everything else
  # that reads a Dockerfile here.
  out="$(cd "${repo_root}" && go run ./scripts/bases)" || die "could not list the base images (see the line above)"
  mapfile -t images <<<"${out}"

  for image in "${images[@]}"; do
    if have_image "${image}"; then
      if [[ "$(docker image inspect -f '{{index .Config.Labels "lean-go-images.offline-base"}}' \
        "${image}" 2>/dev/null)" == true ]]; then
        log "present: ${image} (offline look-alike)"
      else
        log "present: ${image}"
      fi
    else
      missing+=("${image}")
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

  for image in "${fallback[@]}"; do
    offline_ok=0
    while IFS= read -r out; do
      [[ "${out}" == "${image}" ]] && offline_ok=1
    done < <("${OFFLINE_BASES}" --list)
    if ((offline_ok)); then
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
