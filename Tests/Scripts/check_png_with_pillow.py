#!/usr/bin/env python3
"""Open the PNG files written by SFLKit's PNGEncoder in other software and
compare every sample with what SFLKit meant to write.

Usage:
    SFLKIT_PNG_EXPORT_DIR=/tmp/sflkit-png swift test --filter ImageIOExternalCheckExport
    python3 Tests/Scripts/check_png_with_pillow.py /tmp/sflkit-png

Needs Pillow (pip install pillow). Pillow reduces 16-bit colour images to 8
bits (v >> 8), so those are compared at 8 bits; for exact 16-bit samples the
script also reads every file with pypng (pip install pypng) and ImageMagick
(`magick` or `convert`) when they are installed.
Exits non-zero on any difference or any file that fails to open.
"""
import shutil
import struct
import subprocess
import sys
from pathlib import Path

from PIL import Image

try:
    import png  # pypng: exact raw samples at every depth
except ImportError:
    png = None

MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def expected_samples(folder, name):
    raw = (folder / f"{name}.samples16be").read_bytes()
    return [raw[i] << 8 | raw[i + 1] for i in range(0, len(raw), 2)]


def check_pillow(path, width, height, channels, depth, expected):
    with Image.open(path) as image:
        image.verify()  # checks chunk CRCs and structure
    with Image.open(path) as image:
        image.load()
        if image.size != (width, height):
            return f"size {image.size}"
        if depth == 16 and channels == 1:
            # Mode I;16 (or I): exact 16-bit grey.
            data = image.tobytes()
            fmt = "<H" if image.mode == "I;16" else "<i"
            actual = [v[0] for v in struct.iter_unpack(fmt, data)]
            want = expected
        else:
            want = [v >> 8 for v in expected] if depth == 16 else expected
            actual = list(image.tobytes())
            if channels == 2 and image.mode == "RGBA":
                # Pillow opens 16-bit grey + alpha as RGBA: grey must be replicated.
                pixels = [actual[i:i + 4] for i in range(0, len(actual), 4)]
                if any(p[0] != p[1] or p[0] != p[2] for p in pixels):
                    return "grey channels differ in Pillow's RGBA"
                actual = [v for p in pixels for v in (p[0], p[3])]
            elif image.mode != MODES[channels]:
                return f"mode {image.mode}, expected {MODES[channels]}"
    if actual != want:
        bad = sum(1 for a, b in zip(actual, want) if a != b)
        return f"{bad} samples differ (of {len(want)})"
    return None


def check_pypng(path, width, height, channels, expected):
    w, h, pixels, info = png.Reader(filename=str(path)).read_flat()
    if (w, h) != (width, height) or info["planes"] != channels:
        return f"pypng: {w}x{h}, {info['planes']} planes"
    return None if list(pixels) == expected else "pypng samples differ"


def check_imagemagick(tool, path, channels, expected):
    fmt = {1: "gray", 2: "graya", 3: "rgb", 4: "rgba"}[channels]
    out = subprocess.run(tool + [str(path), "-depth", "16", f"{fmt}:-"], capture_output=True, check=False)
    if out.returncode != 0:
        return "ImageMagick failed: " + out.stderr.decode(errors="replace").strip()
    data = out.stdout
    actual = [data[i] << 8 | data[i + 1] for i in range(0, len(data), 2)]
    return None if actual == expected else "ImageMagick samples differ"


def main():
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/sflkit-png")
    tool = None
    for candidate in (["magick"], ["convert"]):
        if shutil.which(candidate[0]):
            version = subprocess.run(candidate + ["-version"], capture_output=True, check=False)
            if b"ImageMagick" in version.stdout and version.returncode == 0:
                tool = candidate
                break
    failures = 0
    rows = [line.split("\t") for line in (folder / "MANIFEST.tsv").read_text().splitlines() if line]
    for name, w, h, c, d in rows:
        width, height, channels, depth = int(w), int(h), int(c), int(d)
        expected = expected_samples(folder, name)
        if depth == 8:
            expected8 = expected
            expected16 = [v * 257 for v in expected]
        else:
            expected8 = expected
            expected16 = expected
        path = folder / f"{name}.png"
        problems = []
        try:
            problem = check_pillow(path, width, height, channels, depth, expected8)
        except Exception as error:  # any failure to open counts
            problem = f"Pillow raised {error!r}"
        if problem:
            problems.append("Pillow: " + problem)
        if png:
            try:
                problem = check_pypng(path, width, height, channels, expected)
            except Exception as error:
                problem = f"pypng raised {error!r}"
            if problem:
                problems.append(problem)
        if tool:
            problem = check_imagemagick(tool, path, channels, expected16)
            if problem:
                problems.append(problem)
        status = "ok" if not problems else "FAIL " + "; ".join(problems)
        print(f"{name}.png ({width}x{height}, {channels} ch, {depth}-bit, {path.stat().st_size} bytes): {status}")
        failures += bool(problems)
    checkers = "Pillow" + (", pypng" if png else "") + (f", ImageMagick ({tool[0]})" if tool else "")
    print(f"{len(rows) - failures} of {len(rows)} files open in {checkers} with every sample as written")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
