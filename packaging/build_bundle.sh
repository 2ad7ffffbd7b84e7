#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle of SoundNet Karaoke and smoke-test it in a clean
# environment (env -i, a temporary HOME, no venv on PATH): open the window offscreen, separate a
# generated song with the bundled soundnet-separate, check the stems. Prints the bundle's size
# and cold start times. Output: build/bundle/soundnet/ (and soundnet-<version>-linux.tar.gz).
#
#   bash packaging/build_bundle.sh            # build, then smoke-test
#   bash packaging/build_bundle.sh --test     # smoke-test an existing build only
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
OUT=build/bundle
DIST="$OUT/soundnet"

if [ "${1:-}" != "--test" ]; then
  "$PY" -m PyInstaller --version >/dev/null 2>&1 || "$PY" -m pip install -q "pyinstaller>=6"
  "$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$OUT" --workpath "$OUT/work" \
    packaging/soundnet.spec
  for cmd in soundnet-separate soundnet-train soundnet-eval; do
    ln -sf soundnet "$DIST/$cmd"  # one executable; the name it runs under picks the command
  done
  install -m 644 packaging/soundnet.desktop packaging/io.github.soundnet.karaoke.metainfo.xml "$DIST/"
  install -m 644 resources/soundnet.svg "$DIST/soundnet.svg"
  version=$("$PY" -c "import tomllib; print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])" 2>/dev/null || echo dev)
  tar -C "$OUT" -czf "$OUT/soundnet-$version-linux-$(uname -m).tar.gz" soundnet
fi

# ---- smoke test, in a clean environment
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" -c "from soundnet_app.devtools.synth import write_synthetic_song as w; w('$tmp/song.wav', 8.0, seed=3)"
dist=$(cd "$DIST" && pwd)
clean=(env -i HOME="$tmp/home" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen)
mkdir -p "$tmp/home"

t0=$(date +%s.%N)
"${clean[@]}" "$dist/soundnet" --bundle-smoke-test
t1=$(date +%s.%N)
(cd "$tmp" && "${clean[@]}" "$dist/soundnet-separate" song.wav -o stems --quiet 2>"$tmp/separate-err.txt")
t2=$(date +%s.%N)
# The user sees our messages only: no TensorFlow/OpenVINO/absl lines.
[ ! -s "$tmp/separate-err.txt" ] || { echo "soundnet-separate printed library noise:"; cat "$tmp/separate-err.txt"; exit 1; }
"$PY" - "$tmp" <<'PY'
import sys
from pathlib import Path
import numpy as np, soundfile as sf
tmp = Path(sys.argv[1])
mix, rate = sf.read(tmp / "song.wav", dtype="float32")
v, _ = sf.read(tmp / "stems/song/vocals.wav", dtype="float32")
i, _ = sf.read(tmp / "stems/song/instrumental.wav", dtype="float32")
assert v.shape == i.shape == mix.shape, (v.shape, i.shape, mix.shape)
assert np.abs(v + i - mix).max() < 2e-4, "stems do not add up to the song"
assert np.abs(v).max() > 0.01 and np.abs(i).max() > 0.01, "a stem is silent"
print(f"stems ok: {len(v) / rate:.1f} s each, add up to the song")
PY
# The first start kept the network it built for OpenVINO in the user's cache; the next one reads it.
find "$tmp/home/.cache" -name model.xml | grep -q . || { echo "no built network kept in the model cache"; exit 1; }
t3=$(date +%s.%N)
(cd "$tmp" && "${clean[@]}" "$dist/soundnet-separate" song.wav -o stems2 --quiet)
t4=$(date +%s.%N)
# A damaged file is one clean line and status 1, inside the bundle too.
printf 'not audio' > "$tmp/bad.mp3"
set +e
(cd "$tmp" && "${clean[@]}" "$dist/soundnet-separate" bad.mp3 -o stems --quiet 2>"$tmp/err.txt")
rc=$?
set -e
[ "$rc" = 1 ] && grep -q '^error: bad.mp3: ' "$tmp/err.txt" && ! grep -q Traceback "$tmp/err.txt" \
  || { echo "bad input handling failed (rc $rc):"; cat "$tmp/err.txt"; exit 1; }

echo "bundle: $(du -sh "$dist" | cut -f1) in $DIST ($(ls "$OUT"/*.tar.gz 2>/dev/null | xargs -r du -h | cut -f1) packed)"
printf 'cold start: window %s s (process start to exit; the first start, which builds the network), soundnet-separate on an 8 s song %s s, again %s s\n' \
  "$(awk "BEGIN{printf \"%.1f\", $t1 - $t0}")" "$(awk "BEGIN{printf \"%.1f\", $t2 - $t1}")" "$(awk "BEGIN{printf \"%.1f\", $t4 - $t3}")"
echo "bundle smoke test passed"
