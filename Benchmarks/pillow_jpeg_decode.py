#!/usr/bin/env python3
"""Times Pillow decoding the JPEG files of a folder from memory on one thread,
the work of `sfl-bench --only jpeg` (median of N runs after one warm-up).

usage: python3 Benchmarks/pillow_jpeg_decode.py [FOLDER] [RUNS]
  FOLDER defaults to ../shared/data/pf-willow-jpeg beside the repository.
Prints one line: "pillow <version>: decode <n> JPEG files <median> ms".
"""
import io, os, sys, time, statistics
from PIL import Image, features

here = os.path.dirname(os.path.abspath(__file__))
folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "data", "pf-willow-jpeg")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 11
names = sorted(n for n in os.listdir(folder) if n.lower().endswith((".jpg", ".jpeg")))
blobs = [open(os.path.join(folder, n), "rb").read() for n in names]

def decode_all():
    for blob in blobs:
        with Image.open(io.BytesIO(blob)) as image:
            image.load()

decode_all()
times = []
for _ in range(runs):
    start = time.perf_counter()
    decode_all()
    times.append(time.perf_counter() - start)
print(f"pillow {Image.__version__} (libjpeg-turbo {features.version('libjpeg_turbo')}): "
      f"decode {len(blobs)} JPEG files {statistics.median(times) * 1000:.3f} ms")
