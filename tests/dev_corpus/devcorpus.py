#!/usr/bin/env python3
"""The development corpus: split, units for hand coders, keyed hand coding, evaluation.

The texts are not in the repository (only corpus/ holds third-party text): they live in a cache,
by default $HOME/.cache/qualcode/dev_corpus/texts/dNNN.txt (see README.md here for how to pull
them again). What is in the repository: sources.json (where each text came from), split.json
(which documents are the final test split and which cross-validation fold the others are in),
the hand coding keyed by document, paragraph number and a hash of the paragraph's text
(gold.csv from two independent passes, pass_a.csv and pass_b.csv, and adjudication.csv), and
this script.

    python3 tests/dev_corpus/devcorpus.py check          # texts present and equal to sources.json
    python3 tests/dev_corpus/devcorpus.py split          # (once) write split.json
    python3 tests/dev_corpus/devcorpus.py split --language zh   # (once) the Chinese part
    python3 tests/dev_corpus/devcorpus.py units OUT.md   # the units to hand-code, numbered
    python3 tests/dev_corpus/devcorpus.py key CODER.csv OUT.csv   # coder's CSV -> keyed CSV
    python3 tests/dev_corpus/devcorpus.py adjudicate coder1.csv coder2.csv DECISIONS.csv
    python3 tests/dev_corpus/devcorpus.py gold --part fold3 [--part fold4 ...] OUT.csv
    python3 tests/dev_corpus/devcorpus.py corpus --part fold1 [--part ...] DIR   # links to texts
    python3 tests/dev_corpus/devcorpus.py eval [--codebook FILE] --part fold1 [--part ...]
    python3 tests/dev_corpus/devcorpus.py cv             # forward-chaining cross-validation
    python3 tests/dev_corpus/devcorpus.py disagreements --codebook FILE --part fold1 [--code trust]
    python3 tests/dev_corpus/devcorpus.py coverage [--n 100 --n 200] [--repeats 500]   # sample + estimate

Needs a release build of qualcode (CARGO_TARGET_DIR as in .ci/run) and python polars.
"""
import argparse
import csv
import hashlib
import json
import math
import os
import pathlib
import random
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CACHE = pathlib.Path(os.environ.get("QUALCODE_DEV_CORPUS",
                                    pathlib.Path.home() / ".cache" / "qualcode" / "dev_corpus"))
TEXTS = CACHE / "texts"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR",
                                     pathlib.Path.home() / ".cache" / "qualcode-target"))
QUALCODE = TARGET / "release" / "qualcode"
CODES = ["trust", "reciprocity", "fic_strategy", "localisation"]
FOLDS = 5
SEED = "qualcode-dev-split-v1"
# The Chinese part (d121 on, "language": "zh" in sources.json): its own train and test parts.
ZH_SEED = "qualcode-dev-zh-split-v1"
ZH_TEST_SHARE = 0.4
# Documents that are parts of one article go to the same part of the split.
SAME_ARTICLE = {"d080": "d007"}


def sources():
    return json.loads((HERE / "sources.json").read_text())


def unit_key(text):
    """The hand coding's key for a unit: a hash of its text with runs of whitespace squeezed
    (as `qualcode agree` computes it for `sha256:` units)."""
    squashed = " ".join(text.split())
    return "sha256:" + hashlib.sha256(squashed.encode("utf-8")).hexdigest()[:16]


def check(_args):
    bad = 0
    for s in sources():
        path = TEXTS / f"{s['id']}.txt"
        if not path.exists():
            print(f"missing: {path}")
            bad += 1
        elif hashlib.sha256(path.read_bytes()).hexdigest() != s["sha256"]:
            print(f"differs from sources.json: {path}")
            bad += 1
    print(f"{len(sources()) - bad} of {len(sources())} texts present and unchanged")
    return 1 if bad else 0


def split(args):
    """A seeded split, stratified by the gatherer's guess (on-concept or topic-only): a fifth
    of each stratum (rounded up) to the final test part, the rest dealt round-robin into FOLDS
    folds. Documents gathered later (a supplement) are split among themselves by the same rule,
    before they are coded; documents already in split.json keep their part.

    With --language (e.g. zh), only the documents in that language, which are not in the
    English folds: ZH_TEST_SHARE of each stratum (rounded) to LANG_test, the rest to LANG_train
    (seed ZH_SEED); without it, only the documents with no language (English)."""
    out = HERE / "split.json"
    done = json.loads(out.read_text()) if out.exists() else {}
    new = [s for s in sources() if s["id"] not in done and s.get("language") == args.language]
    if not new:
        sys.exit(f"every document is in {out} already")
    if args.language:
        return split_language(args.language, new, done, out)
    groups = {}
    for s in new:
        groups.setdefault(s["expected"], []).append(SAME_ARTICLE.get(s["id"], s["id"]))
    part_of = {}
    for stratum in sorted(groups):
        heads = sorted(set(groups[stratum]),
                       key=lambda i: hashlib.sha256(f"{SEED}:{i}".encode()).hexdigest())
        n_test = math.ceil(len(heads) / 5)
        for k, head in enumerate(heads):
            part_of[head] = "test" if k < n_test else f"fold{(k - n_test) % FOLDS + 1}"
    parts = dict(done)
    parts.update({s["id"]: part_of[SAME_ARTICLE.get(s["id"], s["id"])] for s in new})
    out.write_text(json.dumps(dict(sorted(parts.items())), indent=2) + "\n")
    counts = {}
    for p in parts.values():
        counts[p] = counts.get(p, 0) + 1
    print(json.dumps(dict(sorted(counts.items()))))
    return 0


def split_language(language, new, done, out):
    """The split of one language's documents into LANG_train and LANG_test (see split)."""
    groups = {}
    for s in new:
        groups.setdefault(s["expected"], []).append(SAME_ARTICLE.get(s["id"], s["id"]))
    part_of = {}
    for stratum in sorted(groups):
        heads = sorted(set(groups[stratum]),
                       key=lambda i: hashlib.sha256(f"{ZH_SEED}:{i}".encode()).hexdigest())
        n_test = round(len(heads) * ZH_TEST_SHARE)
        for k, head in enumerate(heads):
            part_of[head] = f"{language}_test" if k < n_test else f"{language}_train"
    parts = dict(done)
    parts.update({s["id"]: part_of[SAME_ARTICLE.get(s["id"], s["id"])] for s in new})
    out.write_text(json.dumps(dict(sorted(parts.items())), indent=2) + "\n")
    counts = {}
    for s in new:
        p = parts[s["id"]]
        counts[p] = counts.get(p, 0) + 1
    print(json.dumps(dict(sorted(counts.items()))))
    return 0


def run_units():
    """The paragraph units of the cached texts, numbered per document, from a qualcode run."""
    import polars as pl

    with tempfile.TemporaryDirectory() as out:
        subprocess.run([str(QUALCODE), "run", "--corpus", str(TEXTS), "--codebook",
                        str(ROOT / "codebook.toml"), "--out", out],
                       check=True, stderr=subprocess.DEVNULL)
        segments = pl.read_parquet(pathlib.Path(out) / "segments.parquet")
    segments = segments.sort(["document", "segment"])
    docs = {}
    for row in segments.iter_rows(named=True):
        docs.setdefault(row["document"], []).append(row)
    return docs


def units(args):
    """Writes the numbered units (and unnumbered headings for context) for hand coders."""
    parts = json.loads((HERE / "split.json").read_text())
    lines = []
    for doc, rows in run_units().items():
        if args.part and parts[doc.removesuffix(".txt")] not in args.part:
            continue
        if args.first and doc < args.first:
            continue
        lines.append(f"=== {doc} ===")
        n = 0
        for row in rows:
            if row["coded"]:
                n += 1
                lines.append(f"[{doc} {n}] {row['text']}")
            elif row["kind"] == "heading":
                lines.append(f"(heading: {row['text']})")
        lines.append("")
    pathlib.Path(args.out).write_text("\n".join(lines))
    print(f"wrote {args.out}")
    return 0


def key(args):
    """A coder's CSV (document,paragraph,<codes>) with each unit's key added, checked against
    the run: every unit coded once, nothing else."""
    docs = run_units()
    numbered = {(doc, n + 1): row["text"]
                for doc, rows in docs.items()
                for n, row in enumerate(r for r in rows if r["coded"])}
    seen = {}
    with open(args.coder, newline="", encoding="utf-8-sig") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            k = (row["document"].strip(), int(row["paragraph"]))
            if k not in numbered:
                sys.exit(f"{args.coder}:{line}: no unit {k}")
            if k in seen:
                sys.exit(f"{args.coder}:{line}: unit {k} again (line {seen[k][0]})")
            values = [row[c].strip() for c in CODES]
            if any(v not in ("0", "1") for v in values):
                sys.exit(f"{args.coder}:{line}: codes must be 0 or 1: {values}")
            seen[k] = (line, values)
    judged = {k for k in seen if k[0] in {d for d, _ in seen}}
    missing = sorted(k for k in numbered if k[0] in {d for d, _ in judged} and k not in seen)
    if missing:
        sys.exit(f"{args.coder}: units of coded documents not coded: {missing[:10]}")
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["document", "paragraph", "unit"] + CODES)
        for k in sorted(seen):
            w.writerow([k[0], k[1], unit_key(numbered[k])] + seen[k][1])
    print(f"wrote {args.out}: {len(seen)} units of {len({d for d, _ in seen})} documents")
    return 0


def adjudicate(args):
    """gold.csv: the units where the two coders agree as they coded them, and the disputed
    (unit, code) pairs as the adjudicator decided; adjudication.csv: those decisions, keyed."""
    def load(path):
        with open(path, newline="") as f:
            return {(r["document"], int(r["paragraph"])): r for r in csv.DictReader(f)}
    first, second = load(args.first), load(args.second)
    if first.keys() != second.keys():
        sys.exit("the two codings cover different units")
    with open(args.decisions, newline="") as f:
        decided = {(r["document"], int(r["paragraph"]), r["code"]): r["decision"].strip()
                   for r in csv.DictReader(f)}
    disputed = {(d, p, c) for (d, p), r in first.items() for c in CODES if r[c] != second[(d, p)][c]}
    if disputed != decided.keys():
        sys.exit(f"decisions cover {len(decided)} pairs, the coders disagree on {len(disputed)}")
    with open(HERE / "gold.csv", "w", newline="") as g, open(HERE / "adjudication.csv", "w", newline="") as a:
        gold_writer, adj_writer = csv.writer(g, lineterminator="\n"), csv.writer(a, lineterminator="\n")
        gold_writer.writerow(["document", "paragraph", "unit"] + CODES)
        adj_writer.writerow(["document", "paragraph", "unit", "code", "decision"])
        for k in sorted(first):
            row = first[k]
            values = []
            for c in CODES:
                if (k[0], k[1], c) in decided:
                    values.append(decided[(k[0], k[1], c)])
                    adj_writer.writerow([k[0], k[1], row["unit"], c, decided[(k[0], k[1], c)]])
                else:
                    values.append(row[c])
            gold_writer.writerow([k[0], k[1], row["unit"]] + values)
    print(f"wrote gold.csv ({len(first)} units) and adjudication.csv ({len(decided)} decisions)")
    return 0


def corpus(args):
    """A folder of links to the texts of some parts: a corpus to run the workbench on without
    showing it documents outside those parts (the test part, or folds not yet measured)."""
    parts = json.loads((HERE / "split.json").read_text())
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.txt"):
        old.unlink()
    excluded = {s["id"] for s in sources() if "excluded" in s}
    chosen = sorted(i for i, p in parts.items() if p in args.part and i not in excluded)
    for i in chosen:
        (out / f"{i}.txt").symlink_to(TEXTS / f"{i}.txt")
    print(f"{out}: {len(chosen)} documents of {', '.join(args.part)}")
    return 0


def gold_rows(path, parts):
    """The gold's rows of the documents in `parts` (all parts if empty), leaving out documents
    excluded in sources.json (copies of corpus/ text found after coding)."""
    split_of = json.loads((HERE / "split.json").read_text())
    excluded = {s["id"] for s in sources() if "excluded" in s}
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader
                if r["document"].removesuffix(".txt") not in excluded
                and (not parts or split_of[r["document"].removesuffix(".txt")] in parts)]
    return reader.fieldnames, rows


def gold(args):
    header, rows = gold_rows(args.gold, args.part)
    with open(args.out, "w", newline="") as f:
        w = csv.DictWriter(f, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {args.out}: {len(rows)} units")
    return 0


def agree_units(codebook, parts, tmp):
    """`qualcode agree` of `codebook` against the gold of `parts`: per unit and code, the
    hand coding's and the machine's decisions."""
    import polars as pl

    header, rows = gold_rows(HERE / "gold.csv", parts)
    path = pathlib.Path(tmp) / "gold.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    out = pathlib.Path(tmp) / "out"
    subprocess.run([str(QUALCODE), "agree", "--corpus", str(TEXTS), "--codebook", str(codebook),
                    "--gold", str(path), "--out", str(out), "--bootstrap", "0"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return pl.read_parquet(out / "agreement_units.parquet").select(
        "document", "segment", "code", pl.col("gold1").alias("gold"), "machine")


def kappa(units, code):
    """Cohen's kappa, precision and recall of the machine against the gold on one code."""
    rows = units.filter(units["code"] == code)
    tp = int((rows["gold"] & rows["machine"]).sum())
    fp = int((~rows["gold"] & rows["machine"]).sum())
    fn = int((rows["gold"] & ~rows["machine"]).sum())
    n = rows.height
    tn = n - tp - fp - fn
    po = (tp + tn) / n
    a, b = (tp + fn) / n, (tp + fp) / n
    pe = a * b + (1 - a) * (1 - b)
    k = (po - pe) / (1 - pe) if pe < 1 else None
    prec = tp / (tp + fp) if tp + fp else None
    rec = tp / (tp + fn) if tp + fn else None
    return k, prec, rec, (tp, fp, fn, tn)


def table(results):
    fmt = lambda x: "   -" if x is None else f"{x:.2f}"
    width = max(len(name) for name, _ in results)
    print(f"{'':<{width}} {'units':>5} " + " ".join(f"{c[:14]:>16}" for c in CODES) + "   mean kappa")
    for name, units in results:
        cells, kappas = [], []
        for code in CODES:
            k, p, r, _ = kappa(units, code)
            kappas.append(k or 0.0)
            cells.append(f"{fmt(k)} ({fmt(p)}/{fmt(r)})")
        n = units.filter(units["code"] == CODES[0]).height
        print(f"{name:<{width}} {n:>5} " + " ".join(f"{c:>16}" for c in cells)
              + f"   {sum(kappas) / len(kappas):.3f}")
    print("cells: kappa (precision/recall); a kappa that is undefined counts as 0 in the mean")


def evaluate(args):
    """One codebook against the gold of each part named (parts joined with + are pooled)."""
    results = []
    for part in args.part:
        with tempfile.TemporaryDirectory() as tmp:
            results.append((part, agree_units(args.codebook, part.split("+"), tmp)))
    table(results)
    return 0


def disagreements(args):
    """The units of some parts where the codebook and the gold disagree, with their text: what
    a round of tuning reads (only ever the folds already measured)."""
    import polars as pl

    parts = [p for arg in args.part for p in arg.split("+")]
    if "test" in parts:
        sys.exit("the test part is measured once, at the end: its disagreements are not read")
    with tempfile.TemporaryDirectory() as tmp:
        units = agree_units(args.codebook, parts, tmp)
    texts = {(r["document"], r["segment"]): r["text"]
             for doc, rows in run_units().items() for r in rows}
    wrong = units.filter(pl.col("gold") != pl.col("machine"))
    if args.code:
        wrong = wrong.filter(pl.col("code").is_in(args.code))
    for row in wrong.sort("code", "document", "segment").iter_rows(named=True):
        kind = "missed" if row["gold"] else "extra "
        print(f"{row['code']:<13} {kind} {row['document']}#{row['segment']}: "
              f"{texts[(row['document'], row['segment'])]}\n")
    print(f"{wrong.height} disagreements")
    return 0


def cross_validate(args):
    """Forward-chaining cross-validation: fold k measured with the codebook written before
    fold k was looked at (rounds/round{k-1}.toml, tuned on folds 1..k-1), and the folds pooled."""
    import polars as pl

    results = []
    for k in range(1, FOLDS + 1):
        codebook = HERE / "rounds" / f"round{k - 1}.toml"
        if not codebook.exists():
            print(f"({codebook.name} not written yet: fold{k} and later not measured)")
            break
        with tempfile.TemporaryDirectory() as tmp:
            results.append((f"fold{k} by {codebook.name}", agree_units(codebook, [f"fold{k}"], tmp)))
    if len(results) > 1:
        results.append(("pooled", pl.concat([u for _, u in results])))
    table(results)
    return 0


def coverage(args):
    """How `qualcode sample` + `qualcode estimate` do on the whole development corpus, whose
    every unit is hand-coded: the corpus is run once with the shipped codebook, then for each n
    `--repeats` samples are drawn (seeds 1, 2, ...), filled in from gold.csv as a coder would,
    and estimated. Prints per code the true share, the rules' share, and for the estimates and
    for a simple random sample of n hand-coded units alone (Clopper-Pearson, no rules): how
    often the 95% interval held the truth and its mean width."""
    import polars as pl
    from scipy.stats import beta

    parts = sorted(set(json.loads((HERE / "split.json").read_text()).values()))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        header, rows = gold_rows(HERE / "gold.csv", [])
        truth = {(r["document"], r["unit"]): {c for c in CODES if r[c] == "1"} for r in rows}

        def run_and_match():
            subprocess.run([str(QUALCODE), "run", "--corpus", str(tmp / "corpus"), "--codebook",
                            str(args.codebook), "--out", str(tmp / "run")],
                           check=True, stderr=subprocess.DEVNULL)
            segments = pl.read_parquet(tmp / "run" / "segments.parquet").filter(pl.col("coded"))
            # Units are matched to the hand coding by their text's key (paragraph numbers move
            # when segmentation changes).
            return {(doc, seg): truth.get((doc, unit_key(text)))
                    for doc, seg, text in segments.select("document", "segment", "text").iter_rows()}

        corpus(argparse.Namespace(part=parts, out=tmp / "corpus"))
        units = run_and_match()
        unmatched = sorted({doc for (doc, _), t in units.items() if t is None})
        if unmatched:
            # A unit the coders saw as a heading (or not at all) has no hand coding: leave its
            # document out of the study rather than guess.
            print(f"left out (a unit without hand coding, the segmentation changed since): "
                  f"{', '.join(unmatched)}")
            for doc in unmatched:
                (tmp / "corpus" / doc).unlink()
            units = run_and_match()
        population = len(units)
        true_share = {c: sum(c in v for v in units.values()) / population for c in CODES}
        codings = pl.read_parquet(tmp / "run" / "codings.parquet")
        rules_share = {c: codings.filter(pl.col("code") == c).height / population for c in CODES}
        print(f"population: {population} hand-coded units of the development corpus "
              f"(all parts), codebook {args.codebook}")
        print(f"{'code':<14} {'truth':>7} {'rules':>7}")
        for c in CODES:
            print(f"{c:<14} {100 * true_share[c]:>6.1f}% {100 * rules_share[c]:>6.1f}%")
        for n in args.n or [100, 200]:
            held = {c: 0 for c in CODES}
            width = {c: 0.0 for c in CODES}
            srs_held = {c: 0 for c in CODES}
            srs_width = {c: 0.0 for c in CODES}
            for r in range(1, args.repeats + 1):
                sheet = tmp / f"s{n}_{r}.csv"
                subprocess.run([str(QUALCODE), "sample", "--from", str(tmp / "run"), "-n", str(n),
                                "--seed", str(r), "-o", str(sheet)],
                               check=True, stderr=subprocess.DEVNULL)
                with open(sheet, newline="") as f:
                    reader = csv.reader(f)
                    head = next(reader)
                    filled = [head]
                    for row in reader:
                        given = units[(row[1], int(row[2]))]
                        for i, name in enumerate(head):
                            if name in CODES:
                                row[i] = "1" if name in given else "0"
                        filled.append(row)
                with open(sheet, "w", newline="") as f:
                    csv.writer(f).writerows(filled)
                out = tmp / f"e{n}_{r}"
                subprocess.run([str(QUALCODE), "estimate", "--from", str(tmp / "run"), "--gold",
                                str(sheet), "-o", str(out)],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                est = pl.read_parquet(out / "estimates.parquet").filter(
                    pl.col("code_b").is_null() & pl.col("variable").is_null())
                for code, low, high in est.select("code", "share_low", "share_high").iter_rows():
                    held[code] += low <= true_share[code] <= high
                    width[code] += high - low
                # The same number of hand-coded units as a simple random sample, rules ignored.
                rng = random.Random(r * 7919 + n)
                drawn = rng.sample(sorted(units), n)
                fpc = math.sqrt((population - n) / (population - 1))
                for c in CODES:
                    x = sum(c in units[k] for k in drawn)
                    lo = beta.ppf(0.025, x, n - x + 1) if x > 0 else 0.0
                    hi = beta.ppf(0.975, x + 1, n - x) if x < n else 1.0
                    p = x / n
                    lo, hi = p - (p - lo) * fpc, p + (hi - p) * fpc
                    srs_held[c] += lo <= true_share[c] <= hi
                    srs_width[c] += hi - lo
                for path in out.iterdir():
                    path.unlink()
                out.rmdir()
            print(f"\nn = {n}, {args.repeats} samples (stratified, seeds 1..{args.repeats}):")
            print(f"{'code':<14} {'covered':>8} {'width':>7} | {'SRS alone: covered':>18} {'width':>7}")
            for c in CODES:
                print(f"{c:<14} {held[c] / args.repeats:>8.3f} {100 * width[c] / args.repeats:>6.1f}% | "
                      f"{srs_held[c] / args.repeats:>18.3f} {100 * srs_width[c] / args.repeats:>6.1f}%")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check").set_defaults(func=check)
    p = sub.add_parser("split")
    p.add_argument("--language", help="split only the documents in this language (zh): "
                   "LANG_train and LANG_test")
    p.set_defaults(func=split)
    p = sub.add_parser("units")
    p.add_argument("out")
    p.add_argument("--part", action="append")
    p.add_argument("--first", help="only documents from this id on (a supplement): d090")
    p.set_defaults(func=units)
    p = sub.add_parser("key")
    p.add_argument("coder")
    p.add_argument("out")
    p.set_defaults(func=key)
    p = sub.add_parser("adjudicate")
    p.add_argument("first")
    p.add_argument("second")
    p.add_argument("decisions")
    p.set_defaults(func=adjudicate)
    p = sub.add_parser("gold")
    p.add_argument("--gold", default=str(HERE / "gold.csv"))
    p.add_argument("--part", action="append")
    p.add_argument("out")
    p.set_defaults(func=gold)
    p = sub.add_parser("corpus")
    p.add_argument("--part", action="append", required=True)
    p.add_argument("out")
    p.set_defaults(func=corpus)
    sub.add_parser("cv").set_defaults(func=cross_validate)
    p = sub.add_parser("coverage")
    p.add_argument("--n", type=int, action="append")
    p.add_argument("--repeats", type=int, default=500)
    p.add_argument("--codebook", default=str(ROOT / "codebook.toml"))
    p.set_defaults(func=coverage)
    p = sub.add_parser("disagreements")
    p.add_argument("--codebook", default=str(ROOT / "codebook.toml"))
    p.add_argument("--part", action="append", required=True)
    p.add_argument("--code", action="append")
    p.set_defaults(func=disagreements)
    p = sub.add_parser("eval")
    p.add_argument("--codebook", default=str(ROOT / "codebook.toml"))
    p.add_argument("--part", action="append", required=True,
                   help="fold1..fold5, test, or parts joined with + (fold1+fold2)")
    p.set_defaults(func=evaluate)
    args = parser.parse_args()
    sys.exit(args.func(args))


if __name__ == "__main__":
    main()
