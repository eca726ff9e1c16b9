#!/usr/bin/env python3
"""Benchmark: HTML pages per second, qualcode against trafilatura, on the 86 real pages of
../shared/html-extraction/pages.

    python3 bench/html_pages.py --runs 5

1. Runs `qualcode run` on the pages (reading, charset, parsing, main text, segmentation,
   coding with codebook.toml and writing the tables: the whole job) with 1 thread and with
   all threads, --runs times each, and prints the median seconds and pages/s.
2. If trafilatura is installed (pip install trafilatura), extracts the main text of the same
   pages with trafilatura.extract() in one Python process (reading and extraction only), and
   prints its pages/s.

The pages are read once before timing, so every run starts with them in the page cache.
Needs a release build (cargo build --release).
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = ROOT.parent / "shared" / "html-extraction" / "pages"


def binary():
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    path = pathlib.Path(target) / "release" / "qualcode"
    if not path.exists():
        sys.exit(f"{path} not found: run cargo build --release first")
    return path


def qualcode_seconds(exe, threads, runs):
    times = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(
                [exe, "run", "--corpus", PAGES, "--codebook", ROOT / "codebook.toml",
                 "--out", out, "--threads", str(threads)],
                check=True, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def trafilatura_seconds(files, runs):
    try:
        import trafilatura
    except ImportError:
        return None
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for f in files:
            trafilatura.extract(f.read_bytes())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not PAGES.is_dir():
        sys.exit(f"{PAGES} not found: the shared test pages sit beside the clone")
    files = sorted(p for p in PAGES.iterdir() if p.is_file())
    size = sum(len(f.read_bytes()) for f in files)
    print(f"{len(files)} pages, {size / 1e6:.1f} MB, median of {args.runs} runs")
    exe = binary()
    for threads in (1, os.cpu_count() or 1):
        seconds = qualcode_seconds(exe, threads, args.runs)
        print(f"qualcode run, {threads} thread(s): {seconds:.3f} s, "
              f"{len(files) / seconds:.0f} pages/s")
    seconds = trafilatura_seconds(files, args.runs)
    if seconds is None:
        print("trafilatura: not installed (pip install trafilatura)")
    else:
        print(f"trafilatura.extract, 1 thread: {seconds:.3f} s, {len(files) / seconds:.0f} pages/s")


if __name__ == "__main__":
    main()
