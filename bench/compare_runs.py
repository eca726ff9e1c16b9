#!/usr/bin/env python3
"""Compares the outputs of two qualcode runs: every Parquet table, cell for cell (nulls equal
to nulls), and the manifest but for what differs between any two runs (when it ran, for how
long, and the --out folder).

    python3 bench/compare_runs.py OUT_A OUT_B

For checking that a change of the code changes no output: run the build before and after on
the same corpus and codebook, then compare. Exits 1 when anything differs, naming it.
"""
import json
import pathlib
import sys


def tables(out):
    return sorted(p.name for p in out.glob("*.parquet"))


def manifest(out):
    m = json.loads((out / "manifest.json").read_text())
    m.pop("run", None)
    m.get("parameters", {}).pop("out", None)
    return m


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    import polars as pl

    a, b = (pathlib.Path(p) for p in sys.argv[1:])
    differ = []
    if tables(a) != tables(b):
        differ.append(f"table files: {tables(a)} vs {tables(b)}")
    for name in sorted(set(tables(a)) & set(tables(b))):
        x, y = pl.read_parquet(a / name), pl.read_parquet(b / name)
        if x.schema != y.schema:
            differ.append(f"{name}: columns {x.schema} vs {y.schema}")
        elif not x.equals(y, null_equal=True):
            differ.append(f"{name}: rows differ ({x.height} and {y.height} rows)")
        else:
            print(f"{name}: identical, {x.height} rows")
    if manifest(a) != manifest(b):
        ma, mb = manifest(a), manifest(b)
        keys = sorted(k for k in set(ma) | set(mb) if ma.get(k) != mb.get(k))
        differ.append(f"manifest.json differs in {', '.join(keys)}")
    else:
        print("manifest.json: identical (but for the run's time and folder)")
    for d in differ:
        print("DIFFERENT: " + d)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
