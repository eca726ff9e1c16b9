#!/usr/bin/env python3
"""Benchmark: qualcode against the notebook baseline (../shared/bench/peer_polars.py) and
ripgrep, on a generated corpus of a chosen size and shape.

    python3 bench/bench.py --size 200 --shape many --runs 3

1. Generates a corpus (deterministic seed) from the paragraph units of corpus/ -- wrapped
   paragraphs as in the PDF article and one-line paragraphs as in the web pages, separated by
   blank lines so that both jobs see the same units -- as ~10,000 small files (--shape many),
   four large files (--shape few), one file without a single blank line (--shape noblank) or
   one file that is a single line of paragraphs joined by spaces, one unit (--shape oneline).
2. Turns ../shared/bench/patterns.json into an equivalent qualcode codebook (or runs qualcode alone
   with --codebook PATH, e.g. codebook.toml with its proximity rules and exclusions).
3. Runs qualcode, the peer and `rg -c -i -w -f TERMS` alternately, --runs times each, and prints
   medians, MB/s, the ratio peer/qualcode and qualcode/rg, and peak memory (GNU time). The
   corpus is read once before each run, so every run starts with its files in the page cache.
4. Compares the two code frequency tables (units and hits per code).

With --table parquet|csv|jsonl the same corpus is also written as one table (a row per file:
its path as `id`, its text, and two document variables, `outlet` and `date`) and qualcode codes
the table too (`--by outlet --by year:date`), timed beside the folder; the two runs' code
frequency and code x document tables must be identical.

Needs: a release build (cargo build --release), python3 with polars, ripgrep (apt-get install
ripgrep), GNU time (/usr/bin/time). Generated corpora are kept under bench/work/ (gitignored)
and reused.
"""
import argparse
import json
import os
import pathlib
import random
import shutil
import statistics
import subprocess
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "bench"
WORK = ROOT / "bench" / "work"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
QUALCODE = TARGET / "release" / "qualcode"


def source_paragraphs():
    """The paragraph units of the shipped corpus that read as prose (so no tool calls them a
    heading), from a qualcode run."""
    import polars as pl

    out = WORK / "source-run"
    subprocess.run(
        [str(QUALCODE), "run", "--corpus", str(ROOT / "corpus"), "--codebook",
         str(ROOT / "codebook.toml"), "--out", str(out)],
        check=True, stderr=subprocess.DEVNULL,
    )
    segments = pl.read_parquet(out / "segments.parquet")
    texts = segments.filter(pl.col("kind") == "paragraph")["text"].to_list()
    return [t for t in texts if len(t.split()) >= 8 and t.rstrip()[-1:] in ".!?”\")"]


def phrases():
    """The multi-word terms of patterns.json, lower case, without a trailing `*` (none without
    ../shared: the corpus is then wrapped without protecting them, which only matters for the
    comparison with the peer)."""
    if not (SHARED / "patterns.json").exists():
        return []
    codes = json.loads((SHARED / "patterns.json").read_text())["codes"]
    terms = [t for spec in codes.values() for key in ("terms", "case_sensitive") for t in spec.get(key, [])]
    return sorted({t.rstrip("*").lower() for t in terms if " " in t}, key=len, reverse=True)


def wrap(paragraph, protected):
    """Wraps at 72 columns without breaking a multi-word term over two lines: qualcode matches
    phrases across line breaks and the peer's regexes do not, and the benchmark compares the
    two where they mean the same thing."""
    lower = paragraph.lower()
    chars = list(paragraph)
    for phrase in protected:
        start = lower.find(phrase)
        while start >= 0:
            for i in range(start, start + len(phrase)):
                if chars[i] == " ":
                    chars[i] = "\x00"
            start = lower.find(phrase, start + 1)
    lines = textwrap.wrap("".join(chars), 72, break_on_hyphens=False)
    return "\n".join(lines).replace("\x00", " ")


def generate(size_mb, shape, seed=20261122):
    corpus = WORK / f"corpus-{size_mb}mb-{shape}"
    done = corpus / ".complete"
    if done.exists():
        return corpus
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    paragraphs = source_paragraphs()
    protected = phrases()
    rng = random.Random(seed)
    target = size_mb * 1_000_000
    files = {"many": 10_000, "few": 4, "noblank": 1, "oneline": 1}[shape]
    per_file = target // files
    for n in range(files):
        wrapped = shape == "noblank" or (shape != "oneline" and rng.random() < 0.5)
        # A one-line file has no title line: the whole file is one paragraph.
        parts = [] if shape == "oneline" else [f"Document {n} of the benchmark corpus"]
        size = sum(len(p) for p in parts)
        while size < per_file:
            p = rng.choice(paragraphs)
            p = wrap(p, protected) if wrapped else p
            parts.append(p)
            size += len(p.encode()) + 2
        sep = {"noblank": "\n", "oneline": " "}.get(shape, "\n\n")
        name = corpus / f"{n // 1000:02d}" / f"doc{n:05d}.txt"
        name.parent.mkdir(exist_ok=True)
        name.write_text(sep.join(parts) + "\n", encoding="utf-8")
    done.write_text("")
    return corpus


def table_of(corpus, fmt, seed=20261123):
    """The corpus as one table, a row per file in corpus order (kept under bench/work/)."""
    import polars as pl

    path = WORK / f"{corpus.name}.{fmt}"
    if path.exists():
        return path
    rng = random.Random(seed)
    files = sorted(corpus.rglob("*.txt"))
    outlets = ["Daily", "Weekly", "Review", "Wire", "Gazette"]
    df = pl.DataFrame({
        "id": [str(f.relative_to(corpus)) for f in files],
        "outlet": [rng.choice(outlets) for _ in files],
        "date": [f"{rng.randint(2010, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" for _ in files],
        "text": [f.read_text(encoding="utf-8") for f in files],
    })
    tmp = path.with_suffix(".partial")
    if fmt == "parquet":
        df.with_columns(pl.col("date").str.to_date()).write_parquet(tmp)
    elif fmt == "csv":
        df.write_csv(tmp)
    else:
        df.write_ndjson(tmp)
    tmp.rename(path)
    return path


def warm_file(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def same_tables(a, b, names):
    import polars as pl

    differ = [n for n in names
              if not pl.read_parquet(a / f"{n}.parquet").equals(pl.read_parquet(b / f"{n}.parquet"))]
    print("folder and table runs: " + ("identical " + ", ".join(names) if not differ
                                        else "DIFFER in " + ", ".join(differ)))
    return not differ


def rust_escape(text):
    """Escapes what Rust's regex syntax treats as special (Python's re.escape also escapes
    spaces, which Rust rejects)."""
    return "".join("\\" + c if c in r"\.+*?()|[]{}^$" else c for c in text)


def codebook_and_terms(patterns):
    """The peer's patterns as a qualcode codebook, and as ripgrep patterns (one per line)."""
    codes = json.loads(patterns.read_text())["codes"]
    toml_lines = ["# Generated by bench/bench.py from patterns.json.", ""]
    rg = []
    for code, spec in codes.items():
        toml_lines += ["[[codes]]", f'id = "{code}"']
        for key, sensitive in (("terms", False), ("case_sensitive", True)):
            terms = spec.get(key, [])
            if not terms:
                continue
            quoted = ", ".join(json.dumps(t) for t in terms)
            toml_lines += ["[[codes.rules]]", f"terms = [{quoted}]"]
            if sensitive:
                toml_lines.append("case_sensitive = true")
            rg += [rust_escape(t[:-1]) + r"\w*" if t.endswith("*") else rust_escape(t) for t in terms]
        toml_lines.append("")
    path = WORK / "bench-codebook.toml"
    path.write_text("\n".join(toml_lines))
    rg_path = WORK / "bench-terms.txt"
    rg_path.write_text("\n".join(rg) + "\n")
    return path, rg_path


def timed(command, out_dir=None):
    """(wall seconds, CPU seconds, peak RSS in MB) of one run, through GNU time. CPU time (user
    and system, all threads) is steadier than wall time on a shared host, and says how much of
    the cores a tool keeps busy."""
    if out_dir is not None and out_dir.exists():
        shutil.rmtree(out_dir)
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%e %U %S %M"] + command,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    last = result.stderr.strip().splitlines()[-1]
    if result.returncode not in (0, 1):  # rg exits 1 when nothing matches
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    seconds, user, system, kb = last.split()
    return float(seconds), float(user) + float(system), int(kb) / 1024


def warm(corpus):
    """Reads every file of the corpus, so that the run after it finds them in the page cache:
    this machine's host reclaims cached pages within seconds, and a run that reads from disk
    measures the disk, not the tool."""
    for path in sorted(corpus.rglob("*.txt")):
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass


def corpus_mb(corpus):
    return sum(p.stat().st_size for p in corpus.rglob("*.txt")) / 1_000_000


def compare(qualcode_out, peer_out):
    import polars as pl

    ours = pl.read_parquet(qualcode_out / "code_frequency.parquet").select(
        "code", pl.col("units").cast(pl.Int64).alias("qualcode_units"),
        pl.col("hits").cast(pl.Int64).alias("qualcode_hits"))
    theirs = pl.read_parquet(peer_out / "code_frequency.parquet").select(
        "code", pl.col("segments").cast(pl.Int64).alias("peer_units"),
        pl.col("hits").cast(pl.Int64).alias("peer_hits"))
    table = ours.join(theirs, on="code", how="full", coalesce=True).sort("code")
    print(table)
    same = table.filter(
        (pl.col("qualcode_units") != pl.col("peer_units")) | (pl.col("qualcode_hits") != pl.col("peer_hits"))
    ).height == 0
    print("frequency tables agree" if same else "frequency tables DIFFER (see above)")
    return same


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=50, help="corpus size in MB (50, 200, 1000)")
    parser.add_argument("--shape", choices=["many", "few", "noblank", "oneline"], default="many")
    parser.add_argument("--codebook", type=pathlib.Path, default=None,
                        help="time qualcode alone with this codebook instead of patterns.json's")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="qualcode --threads")
    parser.add_argument("--skip-peer", action="store_true", help="time qualcode and rg only")
    parser.add_argument("--skip-rg", action="store_true", help="do not time ripgrep")
    parser.add_argument("--table", choices=["parquet", "csv", "jsonl"], default=None,
                        help="also code the corpus as one table of this format")
    args = parser.parse_args()
    if not QUALCODE.exists():
        sys.exit(f"{QUALCODE} is missing: run cargo build --release (with the same CARGO_TARGET_DIR)")
    WORK.mkdir(parents=True, exist_ok=True)
    corpus = generate(args.size, args.shape)
    mb = corpus_mb(corpus)
    if args.codebook:
        codebook, terms = args.codebook.resolve(), None
        args.skip_peer = True
    elif not (SHARED / "patterns.json").exists():
        sys.exit(f"{SHARED / 'patterns.json'} is missing (the peer and its patterns live beside the "
                 "clone): time qualcode alone with --codebook codebook.toml")
    else:
        codebook, terms = codebook_and_terms(SHARED / "patterns.json")
    q_out, p_out = WORK / "out-qualcode", WORK / "out-peer"
    qualcode = [str(QUALCODE), "run", "--corpus", str(corpus), "--codebook", str(codebook), "--out", str(q_out)]
    if args.threads:
        qualcode += ["--threads", str(args.threads)]
    jobs = {"qualcode": (qualcode, q_out)}
    table = None
    if args.table:
        table = table_of(corpus, args.table)
        t_out = WORK / "out-qualcode-table"
        command = [str(QUALCODE), "run", "--corpus", str(table), "--codebook", str(codebook),
                   "--out", str(t_out), "--by", "outlet", "--by", "year:date"]
        if args.threads:
            command += ["--threads", str(args.threads)]
        jobs["qc-table"] = (command, t_out)
    if not args.skip_peer:
        jobs["peer"] = ([sys.executable, str(SHARED / "peer_polars.py"), str(corpus),
                         str(SHARED / "patterns.json"), str(p_out)], p_out)
    if args.skip_rg or terms is None:
        pass
    elif shutil.which("rg"):
        jobs["rg"] = (["rg", "-c", "-i", "-w", "-f", str(terms), str(corpus)], None)
    else:
        print("ripgrep not found (apt-get install ripgrep): no floor measured")
    results = {name: [] for name in jobs}
    for _ in range(args.runs):
        for name, (command, out) in jobs.items():
            if name == "qc-table":
                warm_file(table)
            else:
                warm(corpus)
            results[name].append(timed(command, out))
    if table is not None:
        print(f"table: {table.name}, {table.stat().st_size / 1_000_000:.1f} MB")
    print(f"corpus: {corpus.name}, {mb:.1f} MB, {sum(1 for _ in corpus.rglob('*.txt'))} files; "
          f"{os.cpu_count()} cores; {args.runs} runs each, alternating")
    medians = {}
    for name, runs in results.items():
        seconds = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        medians[name] = seconds
        print(f"{name:9} median {seconds:8.2f} s  {mb / seconds:8.1f} MB/s  CPU {cpu:6.2f} s  "
              f"peak RSS {rss:6.0f} MB  runs: {', '.join(f'{r[0]:.2f}' for r in runs)}")
    if "peer" in medians:
        print(f"peer / qualcode = {medians['peer'] / medians['qualcode']:.1f}x")
    if "rg" in medians:
        print(f"qualcode / rg = {medians['qualcode'] / medians['rg']:.2f}x")
    if "qc-table" in medians:
        print(f"table / folder = {medians['qc-table'] / medians['qualcode']:.2f}x")
        same_tables(q_out, jobs["qc-table"][1], ["code_frequency", "code_by_document", "codings"])
    if "peer" in medians:
        compare(q_out, p_out)


if __name__ == "__main__":
    main()
