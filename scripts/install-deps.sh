#!/usr/bin/env bash
# Installs the Debian 12 packages SafeScope needs, only those missing. Uses sudo when not run as root.
# --windows-seam adds the MinGW-w64 cross compiler and Wine that scripts/windows-seam.sh needs (CI only: building
# and running SafeScope does not need them).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev libgl-dev
  nlohmann-json3-dev libqcustomplot-dev libssl-dev
  xvfb xauth imagemagick python3 python3-numpy shared-mime-info desktop-file-utils
  clang libclang-rt-14-dev
  nginx-light
)
if [ "${1:-}" = "--windows-seam" ]; then
  packages=(g++-mingw-w64-x86-64-posix wine64)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
