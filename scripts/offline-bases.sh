#!/usr/bin/env bash
#
# Builds look-alike base images from Debian trixie packages, with no container
# registry involved, and tags them with the exact upstream names that the
# workshop's Dockerfiles use:
#
#   golang:1.26-trixie                        debian trixie + the packages of the
#                                             official golang image + the host's
#                                             Go 1.26 toolchain in /usr/local/go
#   debian:trixie-slim                        minbase, slimmed like the official
#                                             slim variant
#   gcr.io/distroless/static-debian13:nonroot CA bundle, tzdata (+legacy zone
#                                             names), netbase files, mime.types,
#                                             passwd/group; no shell, no libc
#
# One `debootstrap --variant=minbase trixie` is shared by all images of a run.
# Every image is labelled lean-go-images.offline-base=true and
# lean-go-images.offline-base.source=debian-trixie so that reports can tell an
# offline look-alike from the real upstream image.
#
# Usage: scripts/offline-bases.sh [IMAGE...]
#   No IMAGE builds all three. An image that already exists locally is kept.
#
# Needs: root, a running Docker daemon, debootstrap, a Debian mirror that
# serves trixie (DEBIAN_MIRROR) and, for the
# golang image, a go1.26.x toolchain (`go` on PATH, else /usr/local/go/bin/go).
#
# Environment:
#   DEBIAN_MIRROR           Debian archive URL (make bases reads it from the
#                           machine's apt sources)
#   DEBIAN_SECURITY_MIRROR  security archive URL (left out of the images'
#                           sources when empty)
#   OFFLINE_BASES_CACHE     debootstrap package cache and logs
#                           (default: <repo>/.cache/offline-bases)
#   TMPDIR                  where the temporary rootfs trees go (default /tmp)

set -euo pipefail

readonly PROG='offline-bases'
readonly SUITE='trixie'
readonly GO_SERIES='1.26'
readonly IMG_GOLANG='golang:1.26-trixie'
readonly IMG_SLIM='debian:trixie-slim'
readonly IMG_STATIC='gcr.io/distroless/static-debian13:nonroot'
readonly ALL_IMAGES=("${IMG_GOLANG}" "${IMG_SLIM}" "${IMG_STATIC}")
readonly LABELS='LABEL lean-go-images.offline-base=true lean-go-images.offline-base.source=debian-trixie'
readonly STD_PATH='/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
# The official golang image installs these (buildpack-deps curl + scm layers,
# then the compiler layer), all with --no-install-recommends.
readonly GOLANG_PACKAGES=(
  ca-certificates curl gnupg netbase sq wget
  git mercurial openssh-client subversion procps
  g++ gcc libc6-dev make pkg-config
)

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
readonly REPO_DIR="${SCRIPT_DIR%/*}"

WORK_DIR=''
LOG_FILE=''
CACHE_DIR=''
MIRROR=''
SECURITY_MIRROR=''
GO_ROOT=''
GO_VERSION=''

#######################################
# Logging helpers; every line starts with "offline-bases: ".
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
# Unmounts whatever is still mounted below the work dir, then removes it.
# Runs on every exit, including failures and interrupts.
#######################################
cleanup() {
  local mp
  if [[ -z "${WORK_DIR}" || ! -d "${WORK_DIR}" ]]; then
    return 0
  fi
  while read -r mp; do
    umount -l "${mp}" 2>/dev/null || true
  done < <(mounts_below "${WORK_DIR}" | sort -r)
  if [[ -n "$(mounts_below "${WORK_DIR}")" ]]; then
    err "WARNING: mounts remain below ${WORK_DIR}; leaving it in place"
    return 0
  fi
  rm -rf --one-file-system "${WORK_DIR}"
}

#######################################
# Prints the mount points below a directory, one per line.
# Arguments:
#   Directory.
#######################################
mounts_below() {
  awk -v p="$1/" 'index($2, p) == 1 { print $2 }' /proc/self/mounts
}

#######################################
# Runs a command with its output appended to the log; on failure shows the
# log's tail and exits.
# Arguments:
#   What is being done (for the error line), then the command.
#######################################
run_logged() {
  local what="$1"
  shift
  echo "+ $*" >>"${LOG_FILE}"
  if ! "$@" >>"${LOG_FILE}" 2>&1; then
    tail -n 25 "${LOG_FILE}" >&2 || true
    die "${what} failed (full log: ${LOG_FILE})"
  fi
}

#######################################
# Runs a command inside a rootfs with a clean environment.
# Arguments:
#   Rootfs directory, then the command.
#######################################
in_root() {
  local root="$1"
  shift
  chroot "${root}" /usr/bin/env -i \
    PATH="${STD_PATH}" HOME=/root LC_ALL=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true "$@"
}

#######################################
# Sets MIRROR and SECURITY_MIRROR from the environment: make bases (scripts/
# setup) finds them in the machine's apt sources.
#######################################
find_mirrors() {
  MIRROR="${DEBIAN_MIRROR:-}"
  MIRROR="${MIRROR%/}"
  SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-}"
  SECURITY_MIRROR="${SECURITY_MIRROR%/}"
  [[ -n "${MIRROR}" ]] || die "no Debian mirror: run make offline-bases, which reads it from the apt sources, or set DEBIAN_MIRROR=<archive URL>"
  if command -v curl >/dev/null 2>&1 && [[ "${MIRROR}" == http* ]] &&
    ! curl -fsS -o /dev/null --max-time 30 "${MIRROR}/dists/${SUITE}/Release" 2>/dev/null; then
    die "mirror ${MIRROR} does not serve ${SUITE} (dists/${SUITE}/Release unreachable); set DEBIAN_MIRROR"
  fi
}

#######################################
# Sets GO_ROOT and GO_VERSION from the host toolchain; refuses anything but
# go1.26.x.
#######################################
find_go() {
  local go_bin
  go_bin="$(command -v go || true)"
  if [[ -z "${go_bin}" && -x /usr/local/go/bin/go ]]; then
    go_bin=/usr/local/go/bin/go
  fi
  [[ -n "${go_bin}" ]] || die "go not found on PATH; ${IMG_GOLANG} needs a host go${GO_SERIES}.x toolchain"
  GO_ROOT="$(GOTOOLCHAIN=local "${go_bin}" env GOROOT)"
  GO_VERSION="$(GOTOOLCHAIN=local "${GO_ROOT}/bin/go" env GOVERSION)"
  if [[ "${GO_VERSION}" != "go${GO_SERIES}" && "${GO_VERSION}" != go"${GO_SERIES}".* ]]; then
    die "host Go at ${GO_ROOT} is ${GO_VERSION:-unknown}, not go${GO_SERIES}.x; install go${GO_SERIES}.x to build ${IMG_GOLANG}"
  fi
}

#######################################
# Checks root, docker, debootstrap; exits with one line when one is missing.
#######################################
check_prereqs() {
  [[ "${EUID}" -eq 0 ]] || die "must run as root (debootstrap and chroot need it); try: sudo $0"
  command -v docker >/dev/null 2>&1 || die "docker not found; install Docker first"
  docker info >/dev/null 2>&1 || die "Docker daemon not reachable (is dockerd running?)"
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found; run: apt-get install debootstrap"
  [[ -f "/usr/share/debootstrap/scripts/${SUITE}" ]] ||
    die "this debootstrap does not know ${SUITE}; upgrade it (apt-get install debootstrap)"
}

#######################################
# Writes the apt sources of a rootfs (deb822, like the official images).
# Arguments:
#   Rootfs directory; "main-only" to leave out updates and security.
#######################################
write_sources() {
  local root="$1" mode="${2:-}"
  rm -f "${root}/etc/apt/sources.list"
  {
    echo 'Types: deb'
    echo "URIs: ${MIRROR}"
    if [[ "${mode}" == main-only ]]; then
      echo "Suites: ${SUITE}"
    else
      echo "Suites: ${SUITE} ${SUITE}-updates"
    fi
    echo 'Components: main'
    echo 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'
    if [[ "${mode}" != main-only && -n "${SECURITY_MIRROR}" ]]; then
      echo
      echo 'Types: deb'
      echo "URIs: ${SECURITY_MIRROR}"
      echo "Suites: ${SUITE}-security"
      echo 'Components: main'
      echo 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'
    fi
  } >"${root}/etc/apt/sources.list.d/debian.sources"
  chmod 0644 "${root}/etc/apt/sources.list.d/debian.sources"
}

#######################################
# Container-friendly apt/dpkg settings, as the official Debian images have.
# Arguments:
#   Rootfs directory.
#######################################
write_container_config() {
  local root="$1"
  printf '#!/bin/sh\n# Containers run no services: keep package scripts from starting any.\nexit 101\n' \
    >"${root}/usr/sbin/policy-rc.d"
  chmod 0755 "${root}/usr/sbin/policy-rc.d"
  printf '# Container builds are redone from scratch after a crash: skip fsync.\nforce-unsafe-io\n' \
    >"${root}/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  printf '# Let autoremove drop packages kept only by a Suggests.\nApt::AutoRemove::SuggestsImportant "false";\n' \
    >"${root}/etc/apt/apt.conf.d/docker-autoremove-suggests"
  cat >"${root}/etc/apt/apt.conf.d/docker-clean" <<'EOF'
# Keep image layers small: drop downloaded packages and apt's binary caches
# after every dpkg run (an automatic "apt-get clean").
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };

Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  printf '# Keep package lists compressed on disk.\nAcquire::GzipIndexes "true";\n' \
    >"${root}/etc/apt/apt.conf.d/docker-gzip-indexes"
  printf '# Do not download translated package descriptions.\nAcquire::Languages "none";\n' \
    >"${root}/etc/apt/apt.conf.d/docker-no-languages"
  chmod 0644 "${root}"/etc/apt/apt.conf.d/docker-* "${root}/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
}

#######################################
# Prepares a rootfs for running apt inside it: DNS and /proc.
# Arguments:
#   Rootfs directory.
#######################################
enter_root() {
  local root="$1"
  rm -f "${root}/etc/resolv.conf"
  cp -L /etc/resolv.conf "${root}/etc/resolv.conf"
  mount -t proc proc "${root}/proc"
}

#######################################
# Undoes enter_root.
# Arguments:
#   Rootfs directory.
#######################################
leave_root() {
  local root="$1"
  umount "${root}/proc"
  rm -f "${root}/etc/resolv.conf"
}

#######################################
# Installs packages into a rootfs, without recommends, like the official
# Dockerfiles do.
# Arguments:
#   Rootfs directory, then package names.
#######################################
apt_install() {
  local root="$1"
  shift
  enter_root "${root}"
  run_logged "apt-get install $*" in_root "${root}" \
    apt-get install -y -q --no-install-recommends "$@"
  leave_root "${root}"
}

#######################################
# Debootstraps the shared trixie minbase and brings it up to date.
# Arguments:
#   Target directory.
#######################################
bootstrap_base() {
  local root="$1" t0
  local args=(--variant=minbase)
  t0="${SECONDS}"
  if [[ -n "${CACHE_DIR}" ]]; then
    mkdir -p "${CACHE_DIR}/debs"
    args+=("--cache-dir=${CACHE_DIR}/debs")
  fi
  if [[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]]; then
    args+=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
  fi
  log "debootstrap ${SUITE} minbase from ${MIRROR} ..."
  run_logged "debootstrap ${SUITE} from ${MIRROR}" \
    debootstrap "${args[@]}" "${SUITE}" "${root}" "${MIRROR}"
  write_sources "${root}"
  write_container_config "${root}"
  echo 'localhost' >"${root}/etc/hostname"
  enter_root "${root}"
  echo "+ apt-get update" >>"${LOG_FILE}"
  if ! in_root "${root}" apt-get update -q >>"${LOG_FILE}" 2>&1; then
    log "mirror lacks ${SUITE}-updates or ${SUITE}-security; using ${SUITE} only"
    write_sources "${root}" main-only
    run_logged "apt-get update" in_root "${root}" apt-get update -q
  fi
  run_logged "apt-get dist-upgrade" in_root "${root}" apt-get dist-upgrade -y -q
  leave_root "${root}"
  log "base rootfs ready in $((SECONDS - t0))s"
}

#######################################
# Removes what the official images do not ship: apt lists and caches, logs,
# host-specific files.
# Arguments:
#   Rootfs directory.
#######################################
finalize_debian() {
  local root="$1"
  rm -rf "${root}"/var/lib/apt/lists/* "${root}"/var/cache/apt/*.bin \
    "${root}"/var/cache/apt/archives/*.deb "${root}"/var/cache/apt/archives/partial/* \
    "${root}"/var/cache/debconf/*-old "${root}"/var/lib/dpkg/*-old \
    "${root}/var/log/dpkg.log" "${root}/var/log/bootstrap.log" \
    "${root}/var/log/alternatives.log" "${root}"/var/log/apt/* \
    "${root}/var/cache/ldconfig/aux-cache" "${root}/etc/resolv.conf" \
    "${root}"/tmp/* "${root}"/root/.cache
  mkdir -p "${root}/var/lib/apt/lists/partial"
}

#######################################
# Slims a rootfs the way the official "-slim" variant is: no docs (but the
# copyright files), man/info pages, groff, lintian overrides, locales (but
# locale.alias and friends); dpkg is told to keep it that way.
# Arguments:
#   Rootfs directory.
#######################################
slimify() {
  local root="$1" dir pat
  local excludes=(/usr/share/doc /usr/share/groff /usr/share/info /usr/share/linda
    /usr/share/lintian/overrides /usr/share/locale /usr/share/man)
  local includes=(/usr/share/doc/*/copyright /usr/share/doc/kde/HTML/C/*
    /usr/share/gnome/help/*/C/* /usr/share/locale/all_languages
    /usr/share/locale/currency/* /usr/share/locale/l10n/*
    /usr/share/locale/languages /usr/share/locale/locale.alias
    /usr/share/omf/*/*-C.emf)
  local keep=()
  for pat in "${includes[@]}"; do
    ((${#keep[@]})) && keep+=(-o)
    keep+=(-path "${pat}")
  done
  {
    echo '# Slim variant: these paths are left out of installed packages.'
    for dir in "${excludes[@]}"; do
      echo "path-exclude ${dir}/*"
    done
    for pat in "${includes[@]}"; do
      echo "path-include ${pat}"
    done
  } >"${root}/etc/dpkg/dpkg.cfg.d/docker"
  chmod 0644 "${root}/etc/dpkg/dpkg.cfg.d/docker"
  for dir in "${excludes[@]}"; do
    [[ -d "${root}${dir}" ]] || continue
    # Files first (directories and links stay), then empty dirs and dangling
    # links until none are left. Run inside the rootfs so links resolve there.
    in_root "${root}" find "${dir}" -depth -mindepth 1 -not \( "${keep[@]}" \) \
      -not \( -type d -o -type l \) -delete
    while [[ -n "$(in_root "${root}" find "${dir}" -depth -mindepth 1 \
      \( -empty -o -xtype l \) -print -exec rm -rf '{}' ';')" ]]; do
      :
    done
  done
}

#######################################
# Tars a rootfs (numeric owners) and imports it as an image with the given
# Dockerfile-style changes plus the offline-base labels.
# Arguments:
#   Rootfs directory, image name, then --change values.
#######################################
import_rootfs() {
  local root="$1" image="$2" change
  shift 2
  local args=(--change "${LABELS}"
    --message "offline look-alike of ${image} built from Debian ${SUITE} packages")
  for change in "$@"; do
    args+=(--change "${change}")
  done
  echo "+ docker import ${image}" >>"${LOG_FILE}"
  tar --numeric-owner -C "${root}" \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -cf - . | docker import "${args[@]}" - "${image}" >>"${LOG_FILE}" ||
    die "docker import of ${image} failed (full log: ${LOG_FILE})"
}

#######################################
# debian:trixie-slim from a copy of the base.
# Arguments:
#   Base rootfs directory.
#######################################
build_slim() {
  local base="$1" root="${WORK_DIR}/slim"
  cp -a "${base}" "${root}"
  slimify "${root}"
  finalize_debian "${root}"
  import_rootfs "${root}" "${IMG_SLIM}" "ENV PATH=${STD_PATH}" 'CMD ["bash"]'
  rm -rf --one-file-system "${root}"
}

#######################################
# golang:1.26-trixie: the base, the official image's packages and the host's
# Go toolchain.
# Arguments:
#   Base rootfs directory.
#######################################
build_golang() {
  local base="$1" root="${WORK_DIR}/golang"
  cp -a "${base}" "${root}"
  apt_install "${root}" "${GOLANG_PACKAGES[@]}"
  finalize_debian "${root}"
  mkdir -p "${root}/usr/local/go"
  cp -a "${GO_ROOT}/." "${root}/usr/local/go/"
  chown -R 0:0 "${root}/usr/local/go"
  mkdir -p "${root}/go/src" "${root}/go/bin"
  chmod -R 1777 "${root}/go"
  import_rootfs "${root}" "${IMG_GOLANG}" \
    "ENV GOLANG_VERSION=${GO_VERSION#go}" 'ENV GOTOOLCHAIN=local' 'ENV GOPATH=/go' \
    "ENV PATH=/go/bin:/usr/local/go/bin:${STD_PATH}" \
    'WORKDIR /go' 'CMD ["bash"]'
  rm -rf --one-file-system "${root}"
}

#######################################
# gcr.io/distroless/static-debian13:nonroot: data files taken from a copy of
# the base with ca-certificates, media-types, netbase and tzdata(-legacy)
# installed; no shell, no package manager, no libc.
# Arguments:
#   Base rootfs directory.
#######################################
build_static() {
  local base="$1" stage="${WORK_DIR}/static-stage" root="${WORK_DIR}/static" f pkg
  cp -a "${base}" "${stage}"
  apt_install "${stage}" ca-certificates media-types netbase tzdata tzdata-legacy
  install -d -m 0755 "${root}" "${root}/etc/ssl/certs" "${root}/usr/share" \
    "${root}/usr/share/doc" "${root}/var/lib/dpkg/status.d"
  install -d -m 0700 "${root}/root"
  install -d -m 0700 -o 65532 -g 65532 "${root}/home/nonroot"
  install -d -m 1777 "${root}/tmp"
  install -m 0644 "${stage}/etc/ssl/certs/ca-certificates.crt" "${root}/etc/ssl/certs/"
  cp -a "${stage}/usr/share/zoneinfo" "${root}/usr/share/"
  for f in services protocols ethertypes rpc mime.types debian_version; do
    if [[ -f "${stage}/etc/${f}" ]]; then
      install -m 0644 "${stage}/etc/${f}" "${root}/etc/${f}"
    fi
  done
  sed 's/^PRETTY_NAME=.*/PRETTY_NAME="Distroless (offline look-alike, Debian GNU\/Linux 13)"/' \
    "$(readlink -f "${stage}/etc/os-release")" >"${root}/etc/os-release"
  # Package records and licences, as distroless keeps them for scanners.
  for pkg in base-files ca-certificates media-types netbase tzdata tzdata-legacy; do
    dpkg-query --admindir="${stage}/var/lib/dpkg" -s "${pkg}" \
      >"${root}/var/lib/dpkg/status.d/${pkg}"
    if [[ -f "${stage}/usr/share/doc/${pkg}/copyright" ]]; then
      install -D -m 0644 "${stage}/usr/share/doc/${pkg}/copyright" \
        "${root}/usr/share/doc/${pkg}/copyright"
    fi
  done
  cat >"${root}/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
  cat >"${root}/etc/group" <<'EOF'
root:x:0:
tty:x:5:
staff:x:50:
nobody:x:65534:
nonroot:x:65532:
EOF
  cat >"${root}/etc/nsswitch.conf" <<'EOF'
passwd:         files
group:          files
shadow:         files
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files
EOF
  chmod 0644 "${root}/etc/passwd" "${root}/etc/group" "${root}/etc/nsswitch.conf" \
    "${root}/etc/os-release"
  rm -rf --one-file-system "${stage}"
  import_rootfs "${root}" "${IMG_STATIC}" \
    "ENV PATH=${STD_PATH}" 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    'USER 65532' 'WORKDIR /home/nonroot'
  rm -rf --one-file-system "${root}"
}

#######################################
# Prints the usage line.
#######################################
usage() {
  echo "usage: $0 [IMAGE...]   (IMAGE one of: ${ALL_IMAGES[*]})"
}

main() {
  local requested=() to_build=() pending=() image known t0 t1 base
  while (($#)); do
    case "$1" in
      -h | --help)
        usage
        return 0
        ;;
      -*)
        err "unknown option: $1 ($(usage))"
        exit 2
        ;;
      *)
        requested+=("$1")
        ;;
    esac
    shift
  done
  ((${#requested[@]})) || requested=("${ALL_IMAGES[@]}")
  for image in "${requested[@]}"; do
    for known in "${ALL_IMAGES[@]}"; do
      [[ "${image}" == "${known}" ]] && continue 2
    done
    err "unknown image '${image}'; can build only: ${ALL_IMAGES[*]}"
    exit 2
  done

  check_prereqs
  for image in "${requested[@]}"; do
    if docker image inspect "${image}" >/dev/null 2>&1; then
      log "kept ${image}: already present locally"
    elif [[ " ${to_build[*]} " != *" ${image} "* ]]; then
      to_build+=("${image}")
    fi
  done
  ((${#to_build[@]})) || return 0

  find_mirrors
  if [[ " ${to_build[*]} " == *" ${IMG_GOLANG} "* ]]; then
    find_go
  fi

  CACHE_DIR="${OFFLINE_BASES_CACHE:-${REPO_DIR}/.cache/offline-bases}"
  mkdir -p "${CACHE_DIR}" 2>/dev/null || CACHE_DIR=''
  if [[ -n "${CACHE_DIR}" ]] && command -v flock >/dev/null 2>&1; then
    # One build at a time; a concurrent run may have built our images already.
    exec 9>"${CACHE_DIR}/lock"
    if ! flock -n 9; then
      log "waiting for another offline-bases run to finish ..."
      flock 9
    fi
    for image in "${to_build[@]}"; do
      if docker image inspect "${image}" >/dev/null 2>&1; then
        log "kept ${image}: built meanwhile by another run"
      else
        pending+=("${image}")
      fi
    done
    ((${#pending[@]})) || return 0
    to_build=("${pending[@]}")
  fi
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/offline-bases.XXXXXX")"
  if [[ -n "${CACHE_DIR}" ]]; then
    LOG_FILE="${CACHE_DIR}/last-run.log"
  else
    LOG_FILE="${WORK_DIR}/run.log"
  fi
  : >"${LOG_FILE}"

  t0="${SECONDS}"
  base="${WORK_DIR}/base"
  bootstrap_base "${base}"
  for image in "${to_build[@]}"; do
    t1="${SECONDS}"
    case "${image}" in
      "${IMG_GOLANG}") build_golang "${base}" ;;
      "${IMG_SLIM}") build_slim "${base}" ;;
      "${IMG_STATIC}") build_static "${base}" ;;
    esac
    log "built ${image} in $((SECONDS - t1))s"
  done
  log "done in $((SECONDS - t0))s"
}

main "$@"
