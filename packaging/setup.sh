#!/usr/bin/env bash
# Set up SoundNet Karaoke in ./.venv: system libraries (Debian/Ubuntu, when run
# as root or with sudo available), then the Python package with its test extras.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  python3-venv                  # Debian's python3 has no ensurepip without it
  libportaudio2                 # sounddevice playback
  ffmpeg                        # museval imports stempeg, which looks for ffmpeg
  libglib2.0-0 libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-randr0  # Qt's X11 platform plugin
  desktop-file-utils appstream  # validate packaging/soundnet.desktop and the AppStream metainfo
)

missing=()
if command -v dpkg-query >/dev/null; then
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
fi
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if command -v apt-get >/dev/null && { [ -z "$SUDO" ] || command -v sudo >/dev/null; }; then
    echo "installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "warning: please install these system packages: ${missing[*]}" >&2
  fi
fi

PYTHON="${PYTHON:-python3}"
# A venv left half-made by an earlier failed run (no pip) is made again.
[ -x .venv/bin/pip ] || "$PYTHON" -m venv --clear .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
echo "SoundNet Karaoke is set up in .venv"
