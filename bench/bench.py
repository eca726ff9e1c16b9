#!/usr/bin/env python3
"""Benchmark: qualcode against the notebook baseline (../shared/bench/peer_polars.py), ripgrep
and earlier builds of qualcode, on a generated corpus of a chosen size and shape.

    python3 bench/bench.py --size 200 --shape many --runs 3
    python3 bench/bench.py --size 1000 --skip-peer --dictionary dic --baseline-bin OLD/qualcode

1. Generates a corpus (deterministic seed) from the paragraph units of corpus/ -- wrapped
   paragraphs as in the PDF article and one-line paragraphs as in the web pages, separated by
   blank lines so that both jobs see the same units -- as ~10,000 small files (--shape many),
   four large files (--shape few), one file without a single blank line (--shape noblank) or
   one file that is a single line of paragraphs joined by spaces, one unit (--shape oneline).
2. Turns ../shared/bench/patterns.json into an equivalent qualcode codebook -- written directly
   (--dictionary toml, the default) or as a LIWC dictionary imported with `qualcode codebook
   import` (--dictionary dic: one category per code, every term case-insensitive, as a user
   with a LIWC-style word list gets it) -- or runs qualcode with --codebook PATH (e.g.
   codebook.toml with its proximity rules and exclusions; no peer and no ripgrep then).
3. Runs qualcode, the peer, `rg -o -b -n -i -w -f TERMS` (every match printed with its line
   and byte offset, output discarded: the floor for a tool that records every match) and each
   earlier build (--baseline-bin PATH, or --baseline-commit REV built in a worktree of its own)
   alternately, --runs times each, and prints medians of wall and CPU time, MB/s, peak memory
   and the ratios (CPU time is the steadier figure on a shared host). The corpus is read once
   before each run, so every run starts with its files in the page cache.
4. Compares the frequency tables: qualcode's with the peer's (units and hits per code) and with
   each earlier build's (the same codebook must code the same).

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
    segments = pl.read_parquet(out / "segments.parquet").filter(pl.col("kind") == "paragraph")
    texts = segments["text"].to_list()
    # The speaker labels of corpus/002 and 004's turns (`AF: `) are taken off: a corpus of
    # shuffled paragraphs keeping them has recurring, alternating labels and is read as
    # transcripts (973 of the first 1,000 files of the 1 GB corpus were), which is not the
    # ordinary text the benchmark times.
    if "label_chars" in segments.columns:
        cut = segments["label_chars"].fill_null(0).to_list()
        texts = [t[c:].lstrip() for t, c in zip(texts, cut)]
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
    corpus = WORK / f"corpus-{size_mb}mb-{shape}-prose"
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


def liwc_dictionary(patterns):
    """patterns.json as a LIWC dictionary (a category per code, each term under its code's
    number), imported with `qualcode codebook import` into a codebook."""
    codes = json.loads(patterns.read_text())["codes"]
    lines = ["%"] + [f"{n}\t{code}" for n, code in enumerate(codes, 1)] + ["%"]
    for n, spec in enumerate(codes.values(), 1):
        lines += [f"{t}\t{n}" for key in ("terms", "case_sensitive") for t in spec.get(key, [])]
    dic = WORK / "bench.dic"
    dic.write_text("\n".join(lines) + "\n")
    codebook = WORK / "bench-dic.toml"
    subprocess.run([str(QUALCODE), "codebook", "import", str(dic), "-o", str(codebook), "--force"],
                   check=True)
    return codebook


def baseline_build(rev):
    """The qualcode binary of commit `rev`, built in a worktree of its own under bench/work/
    (reused). Its target folder is bench/work/target-baseline, shared by all baselines: a cold
    build compiles polars (15 minutes and more on 2 cores); copy a warm target folder there
    first (cp -a $CARGO_TARGET_DIR bench/work/target-baseline) to save most of it."""
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", f"{rev}^{{commit}}"],
                            check=True, capture_output=True, text=True).stdout.strip()
    tree = WORK / f"build-{commit[:12]}"
    if not tree.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit],
                       check=True)
    target = WORK / "target-baseline"
    print(f"building {rev} ({commit[:12]}) in {tree} ...", flush=True)
    subprocess.run(["cargo", "build", "--release"], cwd=tree, check=True,
                   env={**os.environ, "CARGO_TARGET_DIR": str(target)})
    binary = WORK / f"qualcode-{commit[:12]}"
    shutil.copy2(target / "release" / "qualcode", binary)
    return binary


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


def same_frequencies(qualcode_out, other_out, name):
    """Whether an earlier build's code frequency table equals qualcode's (code, units, hits)."""
    import polars as pl

    def table(out):
        return pl.read_parquet(out / "code_frequency.parquet").select(
            "code", pl.col("units").cast(pl.Int64), pl.col("hits").cast(pl.Int64)).sort("code")

    same = table(qualcode_out).equals(table(other_out))
    print(f"{name}: code frequencies " + ("identical to qualcode's" if same else "DIFFER from qualcode's"))
    return same


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
    parser.add_argument("--dictionary", choices=["toml", "dic"], default="toml",
                        help="patterns.json as a codebook written directly (toml) or as a LIWC "
                             "dictionary imported with `qualcode codebook import` (dic)")
    parser.add_argument("--baseline-bin", action="append", default=[], metavar="[NAME=]PATH",
                        help="also time this qualcode binary (an earlier build), alternating; "
                             "may be given several times")
    parser.add_argument("--baseline-commit", action="append", default=[], metavar="REV",
                        help="also time the build of this commit (built in bench/work/)")
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
        if args.dictionary == "dic":
            codebook = liwc_dictionary(SHARED / "patterns.json")
    baselines = {}
    for spec in args.baseline_bin:
        name, _, path = spec.rpartition("=")
        path = pathlib.Path(path).resolve()
        if not path.exists():
            sys.exit(f"--baseline-bin {path}: no such file")
        baselines[name or path.name] = path
    for rev in args.baseline_commit:
        baselines[rev] = baseline_build(rev)
    q_out, p_out = WORK / "out-qualcode", WORK / "out-peer"

    def run_command(binary, out):
        command = [str(binary), "run", "--corpus", str(corpus), "--codebook", str(codebook),
                   "--out", str(out)]
        return command + (["--threads", str(args.threads)] if args.threads else [])

    jobs = {"qualcode": (run_command(QUALCODE, q_out), q_out)}
    for n, (name, binary) in enumerate(baselines.items()):
        jobs[name] = (run_command(binary, WORK / f"out-baseline-{n}"), WORK / f"out-baseline-{n}")
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
        jobs["rg"] = (["rg", "-o", "-b", "-n", "-i", "-w", "-f", str(terms), str(corpus)], None)
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
    medians, cpus = {}, {}
    width = max(9, *(len(name) for name in results))
    for name, runs in results.items():
        seconds = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        medians[name], cpus[name] = seconds, cpu
        print(f"{name:{width}} median {seconds:8.2f} s  {mb / seconds:8.1f} MB/s  CPU {cpu:6.2f} s  "
              f"peak RSS {rss:6.0f} MB  runs: {', '.join(f'{r[0]:.2f}' for r in runs)}  "
              f"CPU: {', '.join(f'{r[1]:.2f}' for r in runs)}")

    def ratio(a, b):
        return f"{a} / {b} = {medians[a] / medians[b]:.2f}x wall, {cpus[a] / cpus[b]:.2f}x CPU"

    if "peer" in medians:
        print(ratio("peer", "qualcode"))
    if "rg" in medians:
        print(ratio("qualcode", "rg"))
    for name in baselines:
        print(ratio("qualcode", name))
        if "rg" in medians:
            print(ratio(name, "rg"))
    if "qc-table" in medians:
        print(f"table / folder = {medians['qc-table'] / medians['qualcode']:.2f}x")
        same_tables(q_out, jobs["qc-table"][1], ["code_frequency", "code_by_document", "codings"])
    for name in baselines:
        same_frequencies(q_out, jobs[name][1], name)
    if "peer" in medians:
        compare(q_out, p_out)


if __name__ == "__main__":
    main()
