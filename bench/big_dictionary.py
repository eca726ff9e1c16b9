#!/usr/bin/env python3
"""Loading and coding with big dictionaries of non-ASCII terms: prints the time of
`qualcode check` and `qualcode run` per script and size.

    python3 bench/big_dictionary.py --sizes 2000 20000 --scripts latin cyrillic chinese

For each script and size, generates a codebook of that many made-up terms (syllables of the
script drawn with a fixed seed: no word list, no third-party text), ten terms per code, and a
corpus of the shipped `corpus/` plus one text that uses some of the terms in lower, Title and
UPPER case. Then times (wall, and CPU as user + system from GNU time) `qualcode check` and
`qualcode run` on it and prints the units coded in the mixed-case text, so that a run that
loads but no longer matches shows. Needs a release build (cargo build --release) and GNU time
(/usr/bin/time). Generated files go under bench/work/dictionary/ (gitignored).

--qualcode PATH times another build (e.g. a copy of the binary before a change); --work NAME
keeps its files apart (bench/work/NAME/), so that two builds can be timed at once.
"""
import argparse
import json
import os
import pathlib
import random
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))

# Syllables per script. Latin: French- and German-like, with accents and ß; Cyrillic:
# Russian-like; Chinese: common Han characters (no case).
SYLLABLES = {
    "latin": ["ba", "ché", "dé", "fü", "gé", "hö", "jä", "ké", "lè", "mö", "né", "pä", "rè",
              "sü", "té", "vé", "wä", "zö", "ço", "ßa", "ré", "ël", "ïn", "ân", "ôr", "ûs"],
    "cyrillic": ["ба", "ве", "гу", "до", "жи", "зо", "ка", "ле", "мы", "но", "пя", "ре",
                 "сё", "ту", "фа", "хи", "цо", "чу", "ша", "щи", "юр", "яс", "эй", "ок"],
    "chinese": list("信任合作政府组织社会发展管理服务公共资源交换关系项目领导部门地方国家"
                    "人民经济文化教育环境卫生科技农业城市社区居民志愿基金慈善救助"),
}


def words(script, n, rng):
    """`n` distinct made-up words of the script, 3 to 4 syllables each."""
    seen, out = set(), []
    syllables = SYLLABLES[script]
    while len(out) < n:
        w = "".join(rng.choice(syllables) for _ in range(rng.randint(3, 4)))
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


def variants(word):
    """The word in lower, Title and UPPER case (the same three for Chinese)."""
    return [word, word[:1].upper() + word[1:], word.upper()]


def generate(work, script, size):
    rng = random.Random(f"{script}-{size}")
    terms = words(script, size, rng)
    folder = work / f"{script}-{size}"
    corpus = folder / "corpus"
    if folder.exists():
        shutil.rmtree(folder)
    corpus.mkdir(parents=True)
    for f in sorted((ROOT / "corpus").iterdir()):
        shutil.copy(f, corpus / f.name)
    lines = ['[codebook]', f'name = "generated {script} dictionary of {size} terms"', '']
    for c in range(0, size, 10):
        lines += ['[[codes]]', f'id = "c{c // 10}"', f'label = "code {c // 10}"', '',
                  '[[codes.rules]]', 'terms = ' + json.dumps(terms[c:c + 10], ensure_ascii=False), '']
    (folder / "codebook.toml").write_text("\n".join(lines), encoding="utf-8")
    # 30 paragraphs, each with three terms in one of their cases.
    sample = rng.sample(terms, 90)
    paragraphs = []
    for i in range(30):
        ws = [variants(w)[(i + k) % 3] for k, w in enumerate(sample[3 * i:3 * i + 3])]
        sep = "，" if script == "chinese" else " "
        paragraphs.append(f"{sep}".join(["Paragraph", ws[0], "and", ws[1], "then", ws[2]]) + ".")
    (corpus / "zz_mixed_case.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return folder


def timed(command):
    """Wall seconds, CPU seconds (user + system) and peak MB of a command, and its rc."""
    result = subprocess.run(
        ["/usr/bin/time", "-f", "TIME %e %U %S %M"] + command,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    line = [l for l in result.stderr.splitlines() if l.startswith("TIME ")][-1]
    wall, user, system, kb = line.split()[1:]
    return float(wall), float(user) + float(system), int(kb) / 1024, result.returncode, result.stderr


def mixed_units_coded(out):
    """How many units of the mixed-case text are coded, of 30, and how many matches."""
    import polars as pl

    matches = pl.read_parquet(out / "matches.parquet")
    mixed = matches.filter(pl.col("document").str.contains("zz_mixed_case"))
    coded = mixed.select(pl.col("segment").n_unique()).item()
    return coded, mixed.height


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--scripts", nargs="+", default=["latin", "cyrillic", "chinese"])
    parser.add_argument("--qualcode", default=str(TARGET / "release" / "qualcode"))
    parser.add_argument("--commands", nargs="+", default=["check", "run"])
    parser.add_argument("--work", default="dictionary", help="folder under bench/work/")
    args = parser.parse_args()
    print("script    terms  command  wall s   CPU s   peak MB  rc  mixed-case units coded (of 30), matches")
    for script in args.scripts:
        for size in args.sizes:
            folder = generate(ROOT / "bench" / "work" / args.work, script, size)
            for command in args.commands:
                cmd = [args.qualcode, command, "--corpus", str(folder / "corpus"),
                       "--codebook", str(folder / "codebook.toml")]
                if command == "run":
                    cmd += ["--out", str(folder / "out")]
                wall, cpu, mb, rc, stderr = timed(cmd)
                found = ""
                if command == "run" and rc in (0, 1):
                    found = "%d, %d" % mixed_units_coded(folder / "out")
                elif rc not in (0, 1):
                    found = "error: " + " | ".join(
                        l for l in stderr.splitlines() if not l.startswith("TIME "))[-300:]
                print(f"{script:9} {size:6}  {command:7} {wall:7.2f} {cpu:7.2f} {mb:9.0f} {rc:3}  {found}",
                      flush=True)


if __name__ == "__main__":
    sys.exit(main())
