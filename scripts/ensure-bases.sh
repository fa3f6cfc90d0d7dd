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
# Usage: scripts/ensure-bases.sh
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
# Expands ${VAR}, ${VAR:-default} and $VAR from the global ARG defaults.
# Globals:
#   GLOBAL_ARGS (associative array, read)
# Arguments:
#   The string to expand.
# Outputs:
#   The expanded string; returns 1 if a variable has no value.
#######################################
expand_args() {
  local s="$1" out='' name value
  local re_braced='^([^$]*)[$]\{([A-Za-z_][A-Za-z0-9_]*)(:?-([^}]*))?\}(.*)$'
  local re_plain='^([^$]*)[$]([A-Za-z_][A-Za-z0-9_]*)(.*)$'
  while [[ "${s}" == *'$'* ]]; do
    if [[ "${s}" =~ ${re_braced} ]]; then
      out+="${BASH_REMATCH[1]}"
      name="${BASH_REMATCH[2]}"
      value="${GLOBAL_ARGS[${name}]:-${BASH_REMATCH[4]}}"
      s="${BASH_REMATCH[5]}"
    elif [[ "${s}" =~ ${re_plain} ]]; then
      out+="${BASH_REMATCH[1]}"
      name="${BASH_REMATCH[2]}"
      value="${GLOBAL_ARGS[${name}]:-}"
      s="${BASH_REMATCH[3]}"
    else
      return 1
    fi
    [[ -n "${value}" ]] || return 1
    out+="${value}"
  done
  echo "${out}${s}"
}

#######################################
# Prints the base images of one Dockerfile, one per line, skipping scratch
# and references to earlier stages. Handles "FROM [--flag=...] IMAGE
# [AS NAME]", line continuations and ARG defaults declared before the first
# FROM.
# Arguments:
#   Dockerfile path.
#######################################
from_images() {
  local file="$1" raw line kw image word value alias i
  local -a words stages=()
  local seen_from=0
  declare -gA GLOBAL_ARGS=()
  local joined=''
  while IFS= read -r raw || [[ -n "${raw}" ]]; do
    raw="${raw%$'\r'}"
    if [[ "${raw}" == *\\ ]]; then
      joined+="${raw%\\} "
      continue
    fi
    line="${joined}${raw}"
    joined=''
    read -r -a words <<<"${line}" || true
    ((${#words[@]})) || continue
    [[ "${words[0]}" == \#* ]] && continue
    kw="${words[0],,}"
    if [[ "${kw}" == arg && "${seen_from}" -eq 0 ]]; then
      for word in "${words[@]:1}"; do
        if [[ "${word}" == *=* ]]; then
          value="${word#*=}"
          value="${value#[\"\']}"
          value="${value%[\"\']}"
          GLOBAL_ARGS["${word%%=*}"]="${value}"
        fi
      done
    elif [[ "${kw}" == from ]]; then
      seen_from=1
      i=1
      while ((i < ${#words[@]})) && [[ "${words[i]}" == --* ]]; do
        i=$((i + 1))
      done
      image="${words[i]:-}"
      alias=''
      if ((i + 2 < ${#words[@]})) && [[ "${words[i + 1],,}" == as ]]; then
        alias="${words[i + 2],,}"
      fi
      if [[ -z "${image}" ]]; then
        err "WARNING: ${file}: FROM line without an image: ${line}"
      elif [[ "${image,,}" == scratch ]]; then
        :
      elif [[ " ${stages[*]} " == *" ${image,,} "* ]]; then
        :
      elif ! image="$(expand_args "${image}")"; then
        err "WARNING: ${file}: cannot resolve '${words[i]}' from ARG defaults; skipped"
      else
        echo "${image}"
      fi
      [[ -z "${alias}" ]] || stages+=("${alias}")
    fi
  done <"${file}"
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
  local -a files images=() missing=() fallback=() unsupported=() buildable=()
  repo_root="${REPO_ROOT:-${SCRIPT_DIR%/*}}"
  [[ -d "${repo_root}" ]] || die "REPO_ROOT ${repo_root} is not a directory"

  shopt -s nullglob
  files=("${repo_root}"/[0-9][0-9]-*/Dockerfile)
  shopt -u nullglob
  if ((${#files[@]} == 0)); then
    log "no [0-9][0-9]-*/Dockerfile under ${repo_root}; nothing to do"
    return 0
  fi

  command -v docker >/dev/null 2>&1 || die "docker not found; install Docker first"
  docker info >/dev/null 2>&1 || die "Docker daemon not reachable (is dockerd running?)"

  local f
  for f in "${files[@]}"; do
    while IFS= read -r image; do
      [[ " ${images[*]} " == *" ${image} "* ]] || images+=("${image}")
    done < <(from_images "${f}")
  done

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
