#!/usr/bin/env bash
# Copies what a machine without Debian's packages needs to build gradus's
# tests there: GoogleTest's sources, into DIR (default deps/, which git
# ignores). scripts/gpu-check.sh takes them with --deps DIR.
#   scripts/copy-deps.sh [DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/deps}
[[ -d /usr/src/googletest ]] || { echo "no /usr/src/googletest here (Debian: apt install googletest)" >&2; exit 1; }
mkdir -p "$dir"
rm -rf "$dir/googletest"
cp -r /usr/src/googletest "$dir/googletest"
du -sh "$dir"
