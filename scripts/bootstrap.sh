#!/usr/bin/env bash
# Install everything LianCha needs on a Debian/Ubuntu machine, idempotently:
# system libraries for Qt (offscreen and X11), Xvfb, poppler-utils, python3-venv, binutils (PyInstaller),
# then a virtual environment in .venv with the app, its test tools and PyInstaller.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  # Qt's own runtime needs, offscreen and on screen (PLATFORM-FACTS.md)
  libgl1 libegl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3
  libxcb-icccm4 libxcb-keysyms1 libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-image0
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1
  # a virtual screen for screenshots and for starting the GUI on a machine without one
  xvfb xauth
  # pdftoppm: tests and developers turn printed PDFs into PNGs
  poppler-utils
  # Debian's python3 has no venv module without it
  python3-venv
  # PyInstaller (the bundle CI builds, installer/) reads shared libraries with objdump
  binutils
)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing system packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
# Reinstall only when pyproject.toml changed since the last install (or the build tools that
# scripts/test.sh needs for the bundle are missing from an older .venv).
stamp=.venv/.liancha-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ ! -x .venv/bin/pyinstaller ]; then
  echo "bootstrap: installing LianCha, its dependencies and build tools into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev,build]'
  touch "$stamp"
fi
