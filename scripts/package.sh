#!/usr/bin/env bash
# Builds the Debian package from the release preset: build/release/sc-agent_<version>_<arch>.deb.
# Usage: scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# dpkg-shlibdeps (dpkg-dev) computes the package's library Depends; CPack finds the ELF files to
# give it with file(1).
scripts/install-packages.sh dpkg-dev file

scripts/setup.sh release sc-agent
cd build/release
cpack -G DEB
ls -1 "$PWD"/sc-agent_*.deb
