#!/usr/bin/env bash
# Register SoundNet Karaoke with the desktop for the current user: the menu entry, its icon,
# "Open with SoundNet Karaoke" for audio files, and the AppStream metadata.
#   bash packaging/install_desktop.sh [BIN_DIR]   # BIN_DIR holds `soundnet` (default: on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
bin_dir="${1:-}"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
install -D -m 644 resources/soundnet.svg "$data/icons/hicolor/scalable/apps/soundnet.svg"
install -D -m 644 resources/soundnet.png "$data/icons/hicolor/256x256/apps/soundnet.png"
install -D -m 644 packaging/io.github.soundnet.karaoke.metainfo.xml "$data/metainfo/io.github.soundnet.karaoke.metainfo.xml"
desktop="$data/applications/soundnet.desktop"
install -D -m 644 packaging/soundnet.desktop "$desktop"
if [ -n "$bin_dir" ]; then  # a bundle or venv not on PATH: point the entry at it
  exe="$(cd "$bin_dir" && pwd)/soundnet"
  sed -i "s|^Exec=soundnet |Exec=\"$exe\" |; s|^TryExec=soundnet$|TryExec=$exe|" "$desktop"
fi
command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "installed $desktop"
