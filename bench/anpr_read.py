"""Plate reading accuracy and time on real photographs, against a naive RapidOCR pass.

The folder holds pictures with a ground-truth `.txt` of the same name each, in the format of
the OpenALPR end-to-end benchmark: image name, plate box x, y, width, height, plate text,
separated by tabs. For every picture the reader (`belfort.anpr.reader.PlateReader`) must
pick the plate itself: measured are exact top-1 accuracy (the first read is the plate), the
plate among the first read's candidates, and the time per picture (p50, p95). Baseline in
the same run: one whole-picture pass of RapidOCR with its default settings, counted as found
when any text line it returns contains the plate (the reference the data set's README gives:
157 of 222 at about 290 ms a picture).

Run: `.venv/bin/python bench/anpr_read.py [FOLDER] [--country US] [--look-closer] [--limit N] [--misses]
[--no-baseline]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from belfort.anpr.plates import normalise
from belfort.anpr.reader import PlateReader

DEFAULT_FOLDER = Path("/work/shared/datasets/plates-us-openalpr")


@dataclass(frozen=True)
class Truth:
    image: Path
    box: tuple[int, int, int, int]
    plate: str


def ground_truth(folder: Path) -> list[Truth]:
    """Every picture of `folder` with a ground-truth file, sorted by name."""
    found = []
    for text_file in sorted(folder.glob("*.txt")):
        fields = text_file.read_text(encoding="utf-8").strip().split("\t")
        if len(fields) < 6:
            print(f"skipped {text_file.name}: expected 6 tab-separated fields", file=sys.stderr)
            continue
        x, y, w, h = (int(value) for value in fields[1:5])
        found.append(Truth(folder / fields[0], (x, y, x + w, y + h), normalise(fields[5])))
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timing(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:.0f} ms, p95 {percentile(values, 0.95) * 1000:.0f} ms"


def share(count: int, total: int) -> str:
    return f"{count}/{total} ({100 * count / max(1, total):.1f}%)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument(
        "--country",
        action="append",
        help="plate format to accept, repeatable (default US, the default folder's plates; BE, NL, FR, DE, LU)",
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N pictures")
    parser.add_argument("--misses", action="store_true", help="print every picture whose top read is wrong")
    parser.add_argument(
        "--look-closer",
        action="store_true",
        help="let the reader detect again in two halves of a picture where it found no plate",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive RapidOCR pass")
    args = parser.parse_args()

    if not args.folder.is_dir():
        sys.exit(
            f"no folder {args.folder}: give the path of a folder of pictures with OpenALPR-style .txt ground truth"
        )
    truths = ground_truth(args.folder)
    if args.limit:
        truths = truths[: args.limit]
    if not truths:
        sys.exit(f"{args.folder} has no ground-truth .txt files")
    countries = args.country or ["US"]

    started = time.perf_counter()
    reader = PlateReader(countries=countries, look_closer=args.look_closer)
    print(
        f"reader loaded in {time.perf_counter() - started:.1f} s; {len(truths)} pictures, countries {countries}, "
        f"look closer {args.look_closer}"
    )
    pictures = [np.asarray(Image.open(truth.image).convert("RGB")) for truth in truths]

    exact = among = unread = 0
    times: list[float] = []
    for truth, picture in zip(truths, pictures, strict=True):
        started = time.perf_counter()
        reads = reader.read(picture)
        times.append(time.perf_counter() - started)
        top = reads[0] if reads else None
        if top is None:
            unread += 1
        elif top.plate == truth.plate:
            exact += 1
        if top is not None and truth.plate in (plate for plate, _ in top.candidates):
            among += 1
        if args.misses and (top is None or top.plate != truth.plate):
            got = "-" if top is None else f"{top.plate} {top.confidence:.2f} {top.box} text {top.text!r}"
            others = ", ".join(f"{read.plate} {read.confidence:.2f}" for read in reads[1:4])
            print(f"miss {truth.image.name}: want {truth.plate} {truth.box}, got {got}; then {others}")
    print(f"reader: exact top-1 {share(exact, len(truths))}, among candidates {share(among, len(truths))}, ", end="")
    print(f"no read {unread}; {timing(times)}")

    if args.no_baseline:
        return
    from rapidocr import RapidOCR

    naive = RapidOCR(params={"Global.log_level": "warning"})
    found = 0
    times = []
    for truth, picture in zip(truths, pictures, strict=True):
        started = time.perf_counter()
        result = naive(np.ascontiguousarray(picture[:, :, ::-1]))
        times.append(time.perf_counter() - started)
        lines = [normalise(text) for text in (getattr(result, "txts", None) or ())]
        found += any(truth.plate in line for line in lines)
    print(f"naive RapidOCR pass, plate contained in any line: {share(found, len(truths))}; {timing(times)}")


if __name__ == "__main__":
    main()
