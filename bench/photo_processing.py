"""What processing one 12 MP phone photo costs: our pipeline vs plain Pillow, in one run.

    .venv/bin/python bench/photo_processing.py [--runs N]

Makes a 12 MP (4000×3000) noisy JPEG (~4 MB, like a phone's) carrying EXIF with a GPS
position, XMP and a comment, in a temp dir, then measures N runs (default 5) of:

  (a) pipeline  what the photo_process task does from the stored bytes on:
                inspections.imaging.image_render (type from the bytes, header pixel
                check, verify, full decode, EXIF orientation, cleaned original re-encoded
                without metadata, display rendition 1600 px q85, thumbnail 320 px, SHA-256)
                and the three files written through Django's FileSystemStorage (temp dir)
  (b) plain     Pillow alone: open, decode, resize to 1600 px (the same LANCZOS call), JPEG q85
  (c) check     for reference: inspections.imaging.image_check, what an upload pays in the
                web process before anything is stored (verify + full decode)

Every run is a fresh subprocess (variants interleaved, so drift hits all alike). In it, a
small warm-up loads the codecs; then the run is timed and its peak memory taken two ways:
the growth of the process's peak resident set (VmHWM on Linux, else getrusage ru_maxrss:
Pillow's pixel buffers are C allocations, which only this sees) and tracemalloc's peak of Python
allocations measured on a second, separate pass (the encoded byte strings). Prints the
medians and the ratios (a)/(b). Exits 1 if a stored file still holds EXIF or XMP.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from inspections import imaging  # noqa: E402  (no Django in it)

WIDTH, HEIGHT = 4000, 3000
VARIANTS = ("pipeline", "plain", "check")


def make_photo(path: Path) -> int:
    """A 4000×3000 JPEG q90 of noise over a gradient (~4 MB), with EXIF (camera,
    orientation, GPS position), XMP and a comment, as a phone writes it."""
    noise = [Image.effect_noise((WIDTH, HEIGHT), 24) for _ in range(3)]
    base = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    image = Image.merge("RGB", [Image.blend(base, channel, 0.5) for channel in noise])
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "PhoneMaker", "Phone 15", 1
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (30.0, 15.0, 30.5), "W", (97.0, 44.0, 12.25)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>30,15.5N</exif:GPSLatitude></x:xmpmeta>'
    image.save(path, "JPEG", quality=90, exif=exif, xmp=xmp, comment=b"1100 E 6th St")
    return path.stat().st_size


# --- the variants (run in a child process) ---


def storage_in(directory: str):
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=directory)


def run_pipeline(data: bytes, storage) -> list[str]:
    rendered = imaging.image_render(data)
    from django.core.files.base import ContentFile

    names = []
    for ext, content in (
        (rendered.kind.ext, rendered.original),
        ("jpg", rendered.display),
        ("jpg", rendered.thumbnail),
    ):
        name = f"brand_bench/photos/{secrets.token_urlsafe(24)}.{ext}"
        names.append(storage.save(name, ContentFile(content)))
    return names


def run_plain(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        scale = 1600 / max(image.size)
        size = (round(image.width * scale), round(image.height * scale))
        small = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=85)
    return out.getvalue()


def run_check(data: bytes) -> None:
    imaging.image_check(io.BytesIO(data), len(data))


def peak_rss_bytes() -> int:
    """The process's peak resident set so far. On Linux, VmHWM: ru_maxrss would carry the
    parent's peak over the fork (the parent made the big test image)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def child(variant: str, photo: Path, workdir: str) -> dict:
    data = photo.read_bytes()
    storage = storage_in(workdir)
    run = {"pipeline": lambda d: run_pipeline(d, storage), "plain": run_plain, "check": run_check}[variant]
    # Warm-up on a small image: loads the codecs and Django's storage code, not the big buffers.
    small = io.BytesIO()
    Image.new("RGB", (64, 48), "grey").save(small, "JPEG")
    run(small.getvalue())

    before = peak_rss_bytes()
    started = time.perf_counter()
    result = run(data)
    seconds = time.perf_counter() - started
    rss_growth = peak_rss_bytes() - before

    tracemalloc.start()
    run(data)
    python_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    clean = True
    if variant == "pipeline":
        for name in result:
            with storage.open(name, "rb") as fh:
                stored = fh.read()
            exif = Image.open(io.BytesIO(stored)).getexif()
            clean &= 0x8825 not in exif and b"Exif\x00\x00" not in stored and b"xmpmeta" not in stored
    return {"seconds": seconds, "rss_growth": rss_growth, "python_peak": python_peak, "clean": clean}


# --- the parent ---


def spawn(variant: str, photo: Path, workdir: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", variant, "--photo", str(photo), "--workdir", workdir],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def mb(n: float) -> str:
    return f"{n / 1024 / 1024:7.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--photo", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, Path(args.photo), args.workdir)))
        return 0

    with tempfile.TemporaryDirectory(prefix="closo-bench-photo-") as tmp:
        photo = Path(tmp) / "IMG_0001.jpg"
        size = make_photo(photo)
        print(
            f"Photo: {WIDTH}×{HEIGHT} JPEG q90, {size / 1024 / 1024:.1f} MB, EXIF with GPS + XMP + comment. "
            f"{args.runs} runs per variant, each in a fresh process; Pillow {Image.__version__}, "
            f"Python {platform.python_version()}, {platform.machine()}."
        )
        results: dict[str, list[dict]] = {v: [] for v in VARIANTS}
        for _ in range(args.runs):
            for variant in VARIANTS:
                results[variant].append(spawn(variant, photo, tmp))

    def median(variant: str, key: str) -> float:
        return statistics.median(r[key] for r in results[variant])

    labels = {
        "pipeline": "(a) pipeline: render + 3 files stored",
        "plain": "(b) plain Pillow: decode+resize+encode",
        "check": "(c) upload check (verify + decode)",
    }
    print(f"\n{'variant':42} {'median ms':>10} {'min ms':>8} {'peak RSS growth MB':>18} {'Python peak MB':>15}")
    for variant in VARIANTS:
        print(
            f"{labels[variant]:42} {median(variant, 'seconds') * 1000:10.0f} "
            f"{min(r['seconds'] for r in results[variant]) * 1000:8.0f} "
            f"{mb(median(variant, 'rss_growth')):>18} {mb(median(variant, 'python_peak')):>15}"
        )
    ratio_time = median("pipeline", "seconds") / median("plain", "seconds")
    ratio_rss = median("pipeline", "rss_growth") / max(1, median("plain", "rss_growth"))
    print(
        f"\nratio (a)/(b): time {ratio_time:.2f}×, peak memory (peak RSS growth) {ratio_rss:.2f}×; "
        f"pipeline + upload check (a)+(c) vs (b): "
        f"{(median('pipeline', 'seconds') + median('check', 'seconds')) / median('plain', 'seconds'):.2f}× time"
    )
    if not all(r["clean"] for r in results["pipeline"]):
        print("FAIL: a stored file still holds EXIF or XMP.")
        return 1
    print("Every stored file was read back: no EXIF, no GPS, no XMP.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
