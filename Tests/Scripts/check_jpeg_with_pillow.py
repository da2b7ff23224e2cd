#!/usr/bin/env python3
"""Decode the JPEG files written by SFLKit's JPEG export test with Pillow
(libjpeg-turbo) and compare every sample with SFLKit's decode of each.

Usage:
    SFLKIT_JPEG_EXPORT_DIR=/tmp/sflkit-jpeg swift test --filter JPEGExternalCheckExport
    python3 Tests/Scripts/check_jpeg_with_pillow.py /tmp/sflkit-jpeg
    JSIMD_FORCENONE=1 python3 Tests/Scripts/check_jpeg_with_pillow.py /tmp/sflkit-jpeg   # libjpeg-turbo's C code

Needs Pillow (pip install pillow). Exits non-zero on any difference.
"""
import sys
from pathlib import Path

from PIL import Image

folder = Path(sys.argv[1])
failures = 0
rows = [line.split("\t") for line in (folder / "MANIFEST.tsv").read_text().splitlines() if line]
for name, width, height, channels in rows:
    with Image.open(folder / f"{name}.jpg") as image:
        image.load()
        theirs = image.tobytes()
        size = image.size
    ours = (folder / f"{name}.rgb").read_bytes()
    if size != (int(width), int(height)) or theirs != ours:
        failures += 1
        differing = sum(1 for a, b in zip(theirs, ours) if a != b)
        print(f"{name}: {differing} samples differ (Pillow size {size})")
print(f"{len(rows) - failures} of {len(rows)} files decode to exactly Pillow's samples "
      f"(Pillow {Image.__version__})")
sys.exit(1 if failures else 0)
