#!/usr/bin/env bash
# Builds the container image of packaging/docker/Dockerfile as sc-agent:<version> (and :latest).
#   scripts/image.sh                 # docker when its daemon answers, buildah otherwise
#   SEED_BASE=1 scripts/image.sh     # no registry reachable: make debian:12 and debian:12-slim
#                                    # locally with debootstrap from the Debian mirror first
# buildah needs no daemon and no privileges beyond this machine's root: vfs storage, chroot
# isolation, docker image format (OCI has no HEALTHCHECK). Its images: `buildah images`; export
# one for docker with `buildah push sc-agent:latest docker-archive:sc-agent.tar`.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^project(sc-agent VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
tags=(-t "sc-agent:${version}" -t sc-agent:latest)

if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
    exec docker build -f packaging/docker/Dockerfile "${tags[@]}" .
fi

scripts/install-packages.sh buildah
buildah=(buildah --storage-driver vfs)
if [ "${SEED_BASE:-0}" = 1 ] && ! "${buildah[@]}" inspect docker.io/library/debian:12 >/dev/null 2>&1; then
    scripts/install-packages.sh debootstrap
    seed=$(mktemp -d)
    trap 'rm -rf "$seed"' EXIT
    debootstrap --variant=minbase bookworm "$seed/rootfs" http://deb.debian.org/debian
    tar -C "$seed/rootfs" -cf "$seed/rootfs.tar" .
    ctr=$("${buildah[@]}" from scratch)
    "${buildah[@]}" add "$ctr" "$seed/rootfs.tar" / >/dev/null
    "${buildah[@]}" config --cmd /bin/bash "$ctr"
    "${buildah[@]}" commit -q "$ctr" docker.io/library/debian:12 >/dev/null
    "${buildah[@]}" rm "$ctr" >/dev/null
    # A minbase system serves as both: the runtime stage only adds the .deb and curl.
    "${buildah[@]}" tag docker.io/library/debian:12 docker.io/library/debian:12-slim
fi
pull=()
[ "${SEED_BASE:-0}" = 1 ] && pull=(--pull=false)
"${buildah[@]}" bud --isolation chroot --format docker "${pull[@]}" \
    -f packaging/docker/Dockerfile "${tags[@]}" .
