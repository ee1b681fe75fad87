# shellcheck shell=bash
# Sourced by the scripts that build (scripts/setup.sh, scripts/fuzz.sh) from the repository's
# root: ccache settings that let another clone of the tree, in another directory, hit the same
# cache (a CI run in a fresh clone, a second worktree).
# - BASEDIR: absolute paths under the clone are hashed (and compiled) as relative ones.
# - NOHASHDIR: with -g, ccache also hashes the working directory by default, which differs in
#   every clone and alone made every compilation a miss there. The price: an object taken from
#   the cache carries the debug information of the clone that compiled it (its build directory;
#   source names relative to it), so gdb, addr2line and sanitizer reports may look for sources in
#   a clone that is gone or at another commit, and two builds of one commit need not be
#   byte-identical. -fdebug-prefix-map=<root>=. would avoid that (ccache hashes the mapped
#   directory); not done yet.
# - SLOPPINESS: what precompiled headers need to be cacheable at all.
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.cache/ccache}"
export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=true
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
