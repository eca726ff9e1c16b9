"""Times two qualcode binaries on bench.py's generated corpora, alternating run by run, and
prints the median CPU time (user + system) of each: the comparison to make on a shared host,
where wall time follows the other jobs.

    python3 bench/alternate.py OLD_BINARY NEW_BINARY [--size 50] [--shape many few] [--runs 9]
"""
import argparse
import importlib.util
import pathlib
import statistics

spec = importlib.util.spec_from_file_location("bench", pathlib.Path(__file__).with_name("bench.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=pathlib.Path)
    parser.add_argument("new", type=pathlib.Path)
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--shape", nargs="+", default=["many", "few"],
                        choices=["many", "few", "noblank", "oneline"])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    codebook, _ = bench.codebook_and_terms(bench.SHARED / "patterns.json")
    binaries = {"old": args.old.resolve(), "new": args.new.resolve()}
    for shape in args.shape:
        corpus = bench.generate(args.size, shape)
        runs = {name: [] for name in binaries}
        for _ in range(args.runs):
            for name, binary in binaries.items():
                out = bench.WORK / f"alternate-{name}"
                bench.warm(corpus)
                runs[name].append(bench.timed(
                    [str(binary), "run", "--corpus", str(corpus), "--codebook", str(codebook),
                     "--out", str(out)], out))
        files = sum(1 for _ in corpus.rglob("*.txt"))
        print(f"shape {shape}: {bench.corpus_mb(corpus):.1f} MB, {files} files, {args.runs} runs each, alternating")
        for name, times in runs.items():
            cpu = [t[1] for t in times]
            print(f"  {name}: CPU median {statistics.median(cpu):.2f} s (min {min(cpu):.2f}, max {max(cpu):.2f})")


if __name__ == "__main__":
    main()
