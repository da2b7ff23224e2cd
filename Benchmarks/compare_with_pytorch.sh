#!/usr/bin/env bash
# Runs sfl-bench and the PyTorch reference (../shared/bench/torch_epoch.py) back to
# back on the same work — a full-batch training epoch of the paper's network on
# N random 3×H×W images, pixel loss alone and pixel loss + SFL — and prints the
# ratios SFLKit ÷ PyTorch, for the default release build and for a build with
# native CPU flags.
#
# usage: PYTHON=/path/to/python-with-torch Benchmarks/compare_with_pytorch.sh [images] [epochs]
#   THREADS (default 2), TORCH_MODES (default "eager compile"), TORCH_SCRIPT (default ../shared/bench/torch_epoch.py)
set -euo pipefail
cd "$(dirname "$0")/.."
images=${1:-70}
epochs=${2:-3}
threads=${THREADS:-2}
python=${PYTHON:?set PYTHON to a Python interpreter that has torch (see ../shared/bench/README.md)}
script=${TORCH_SCRIPT:-../shared/bench/torch_epoch.py}
modes=${TORCH_MODES:-eager compile}
results=$(mktemp -d)

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== building sfl-bench: default (swift build -c release) and native (-Xswiftc -target-cpu -Xswiftc native -Xswiftc -DSFLKIT_WIDE_REGISTERS -Xswiftc -DSFLKIT_FUSED_MULTIPLY_ADD)"
swift build -c release --product sfl-bench >/dev/null
swift build -c release --product sfl-bench --scratch-path .build-native -Xswiftc -target-cpu -Xswiftc native -Xswiftc -DSFLKIT_WIDE_REGISTERS -Xswiftc -DSFLKIT_FUSED_MULTIPLY_ADD >/dev/null

for mode in $modes; do
    echo "== PyTorch $mode: $threads threads, $images images, $epochs epochs"
    "$python" "$script" "$threads" "$images" 225 300 "$epochs" "$mode" | tee "$results/torch-$mode.txt"
done
echo "== SFLKit, default build"
.build/release/sfl-bench --only epoch --images "$images" --epochs "$epochs" --threads "$threads" --json > "$results/sfl-default.json"
echo "== SFLKit, native build"
.build-native/release/sfl-bench --only epoch --images "$images" --epochs "$epochs" --threads "$threads" --json > "$results/sfl-native.json"

python3 - "$results" $modes <<'PY'
import json, re, sys, pathlib
folder = pathlib.Path(sys.argv[1]); modes = sys.argv[2:]
def torch(mode, loss):
    for line in (folder / f"torch-{mode}.txt").read_text().splitlines():
        if re.search(rf" {re.escape(loss)} chunk=1:", line):
            return float(re.search(r"median ([0-9.]+)", line).group(1))
def sfl(build, loss):
    results = json.loads((folder / f"sfl-{build}.json").read_text())["results"]
    best = min((r for r in results if r["name"].startswith(f"epoch {loss} ")), key=lambda r: r["seconds"])
    return best["seconds"], best["name"], best.get("note", "")
print()
print(f"{'loss':8} {'build':8} {'SFLKit s/epoch':>15} " + " ".join(f"{'÷ torch ' + m:>16}" for m in modes) + "   (best SFLKit variant, peak memory)")
for loss in ("PL", "PL+SFL"):
    for build in ("default", "native"):
        seconds, name, note = sfl(build, loss)
        ratios = " ".join(f"{seconds / torch(m, loss):16.2f}" for m in modes)
        print(f"{loss:8} {build:8} {seconds:15.3f} {ratios}   ({name.split(loss)[1].strip()}, {note})")
for m in modes:
    print(f"PyTorch {m}: PL {torch(m, 'PL'):.3f} s, PL+SFL {torch(m, 'PL+SFL'):.3f} s per epoch")
PY
