#!/usr/bin/env bash
# Here, before a GPU run: copies into .carry/ (git-ignored) what the GPU
# machine lacks for scripts/gpu-check.sh: GoogleTest's sources.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/.carry"
rm -rf "$root/.carry/googletest"
cp -r /usr/src/googletest "$root/.carry/googletest"
du -sh "$root/.carry"
