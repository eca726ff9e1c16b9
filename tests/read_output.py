"""Reads a qualcode output folder the way an analyst's notebook would, and checks it.

Usage: python3 tests/read_output.py OUTPUT_DIR CORPUS_DIR
Run by tests/python.rs; needs `pip install polars pyarrow`.
"""
import json
import sys
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

out, corpus = Path(sys.argv[1]), Path(sys.argv[2])
manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))

# Every table the manifest lists is there, with its rows and columns, for polars and pyarrow.
for t in manifest["tables"]:
    df = pl.read_parquet(out / t["file"])
    assert df.height == t["rows"], t
    assert df.columns == t["columns"], (df.columns, t["columns"])
    assert pq.read_table(out / t["file"]).num_rows == t["rows"]

segments = pl.read_parquet(out / "segments.parquet")
assert segments.schema["segment"] == pl.Int32 and segments.schema["byte_start"] == pl.Int64
assert segments.schema["coded"] == pl.Boolean and segments.schema["text"] == pl.String

# Source positions, as the README tells analysts to use them: of the counted matches and of
# those that did not count, which share the position columns.
matches = pl.read_parquet(out / "matches.parquet")
rejected = pl.read_parquet(out / "rejected_matches.parquet")
assert rejected.columns[:13] == matches.columns[:13], (rejected.columns, matches.columns)
assert set(rejected["status"]) <= {"vetoed", "no_near_term", "near_not_near_term", "negated", "overlapped"}
assert rejected.filter(pl.col("vetoed_by").is_null() != (pl.col("status") != "vetoed")).height == 0
positioned = pl.concat([matches.select(matches.columns[:13]), rejected.select(matches.columns[:13])])
texts = {}
for row in positioned.iter_rows(named=True):
    path = corpus / row["document"]
    raw = path.read_bytes()
    if row["document"] not in texts:
        texts[row["document"]] = path.open(encoding="utf-8-sig", newline="").read()
    by_bytes = raw[row["byte_start"]:row["byte_end"]].decode("utf-8")
    by_chars = texts[row["document"]][row["char_start"]:row["char_end"]]
    assert by_bytes == by_chars, (by_bytes, by_chars)
    if "\n" not in by_bytes:
        assert by_bytes == row["text"], (by_bytes, row["text"])

# The frequency table is a recount of the codings table.
codings = pl.read_parquet(out / "codings.parquet")
units = segments.filter(pl.col("coded")).height
recount = codings.group_by("code").agg(
    pl.len().alias("units"), pl.col("document").n_unique().alias("documents"), pl.col("hits").sum().alias("hits")
)
frequency = pl.read_parquet(out / "code_frequency.parquet")
joined = frequency.join(recount, on="code", how="left", suffix="_recount").fill_null(0)
assert (joined["units"] == joined["units_recount"]).all()
assert (joined["documents"] == joined["documents_recount"]).all()
assert (joined["hits"] == joined["hits_recount"]).all()
assert ((joined["share"] - joined["units"] / units).abs() < 1e-12).all()

# Co-occurrence is symmetric.
co = pl.read_parquet(out / "cooccurrence.parquet")
mirror = co.select(pl.col("code_b").alias("code_a"), pl.col("code_a").alias("code_b"), pl.col("n12").alias("n21"))
both = co.join(mirror, on=["code_a", "code_b"])
assert both.height == co.height and (both["n12"] == both["n21"]).all()
assert co.filter(pl.col("code_a") == pl.col("code_b")).height == 0

# The notebook example of docs/output.md, run as written on this output folder: its
# co-occurrence matrix is square, in codebook order, symmetric, with each code's units on the
# diagonal and the units with both codes elsewhere (a recount from codings).
doc = (corpus.parent / "docs" / "output.md").read_text(encoding="utf-8")
section = doc[doc.index("## In a notebook"):]
example = section[section.index("```python\n") + len("```python\n"):]
example = example[:example.index("```")]
assert 'out = "output"' in example
scope = {}
exec(example.replace('out = "output"', f"out = {str(out)!r}"), scope)
matrix = scope["matrix"]
order = frequency["code"].to_list()
assert matrix.columns == ["code_a"] + order, matrix.columns
assert matrix["code_a"].to_list() == order
pairs = codings.join(codings, on=["document", "segment"], suffix="_b").group_by("code", "code_b").len()
for i, a in enumerate(order):
    for b in order:
        want = pairs.filter((pl.col("code") == a) & (pl.col("code_b") == b))["len"].sum()
        assert matrix[b][i] == want, (a, b, matrix[b][i], want)

print(f"python read-back ok: {len(manifest['tables'])} tables, {matches.height} matches and {rejected.height} rejected checked")
