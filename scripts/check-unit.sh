#!/usr/bin/env bash
# Checks the packaged systemd unit: `systemd-analyze verify` (syntax, directives, commands) and
# prints `systemd-analyze security`'s exposure score, failing above the target.
# Usage: scripts/check-unit.sh [BINARY]   (BINARY: a built sc-agent, default build/release's)
# Skips, and says so, when systemd-analyze is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."

unit=packaging/systemd/sc-agent.service
max_exposure=2.0
binary="${1:-build/release/agent/sc-agent}"

if ! command -v systemd-analyze >/dev/null; then
    echo "check-unit: systemd-analyze not found; skipped"
    exit 0
fi

# verify also checks that every command exists; before the package is installed the unit's
# /usr/bin/sc-agent is a built binary (or /bin/true), in a copy with the unit's own name.
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
[ -x "$binary" ] || binary=/bin/true
sed "s#/usr/bin/sc-agent#$(realpath "$binary")#g" "$unit" >"$dir/sc-agent.service"
systemd-analyze verify "$dir/sc-agent.service"
echo "check-unit: systemd-analyze verify: ok"

report=$(systemd-analyze security --offline=yes --no-pager "$unit")
echo "$report" | grep '✗' || true
score=$(echo "$report" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
echo "check-unit: exposure $score (target <= $max_exposure)"
if [ -z "$score" ] || awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s > m) }'; then
    echo "check-unit: exposure above $max_exposure" >&2
    exit 1
fi
