#!/usr/bin/env bash
# Fine-tune the ported Spleeter model on a GPU machine (device tool), three settings at once.
# Carried in gpu/: pack/ and extra/ (soundnet-train --pack), spleeter-port.keras(+.json),
# whl/ (keras, namex, optree, soundfile, cffi, pycparser wheels for Python 3.12). Results -> $OUT.
set -u
cd "$(dirname "$0")/.."
python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site gpu/whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=torch PYTHONUNBUFFERED=1
MIN=${MIN:-4}  # training minutes per run
common="--data gpu/pack --init-from gpu/spleeter-port.keras --minutes $MIN --batch 8 --frames 256 --validate-every 50 --validate-sdr --mask-power 1 --ema 0 --checkpoint-every 100000 --freeze-norm"
timeout 330 python3 -m soundnet_app.training.train $common --run /tmp/runs/A --lr 5e-6 > /tmp/A.out 2>&1 &
timeout 330 python3 -m soundnet_app.training.train $common --run /tmp/runs/B --lr 1.5e-6 --seed 1 > /tmp/B.out 2>&1 &
timeout 330 python3 -m soundnet_app.training.train $common --run /tmp/runs/C --lr 5e-6 --accompaniments gpu/extra --accompaniment-prob 0.3 --seed 2 > /tmp/C.out 2>&1 &
wait
for r in A B C; do echo "== run $r"; grep "validation SDR\|final\|rror" /tmp/$r.out; done > $OUT/runs.txt
python3 - <<'PY' >> $OUT/runs.txt 2>&1
import re, os
from soundnet_app.separation.model import load_model, save_compact
best, start = None, None
for run in "ABC":
    for line in open(f"/tmp/{run}.out"):
        m = re.search(r"step (\d+) validation SDR vocals ([-\d.]+) accompaniment ([-\d.]+)", line)
        if m:
            score = float(m[2]) + float(m[3])
            if m[1] == "0":
                start = score
            elif best is None or score > best[0]:
                best = (score, run, int(m[1]), float(m[2]), float(m[3]))
print("start", start, "best", best)
if best and best[0] > start:
    save_compact(load_model(f"/tmp/runs/{best[1]}/best.keras"), "/tmp/best.keras")
    print("exported", os.path.getsize("/tmp/best.keras"))
PY
[ -f /tmp/best.keras ] && split -b 15M -d /tmp/best.keras $OUT/best.keras.part
ls -la $OUT
