"""Opens every table of qualcode output folders with old and other readers: pyarrow (12 in
CI's virtual environment of its own) and DuckDB, and runs the DuckDB queries of docs/output.md.

Usage: python tests/old_readers.py RUN_DIR [OTHER_RUN_DIR]
Run by tests/readers.rs with the Python of QUALCODE_OLD_READERS (made by .ci/run).
"""
import json
import sys
from pathlib import Path

import duckdb
import pyarrow
import pyarrow.parquet as pq

runs = [Path(a) for a in sys.argv[1:]]
print(f"pyarrow {pyarrow.__version__}, duckdb {duckdb.__version__}")

for out in runs:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = sorted(out.glob("*.parquet"))
    listed = {t["file"]: t["rows"] for t in manifest["tables"]}
    assert set(listed) <= {f.name for f in files}, (listed, files)
    for path in files:
        table = pq.read_table(path)
        if path.name in listed:
            assert table.num_rows == listed[path.name], (path, table.num_rows)
        for field in table.schema:
            assert not pyarrow.types.is_unsigned_integer(field.type), (path.name, field)
        rows = duckdb.sql(f"SELECT count(*) FROM '{path}'").fetchall()[0][0]
        assert rows == table.num_rows, (path, rows, table.num_rows)

out = runs[0]
frequency = duckdb.sql(f"SELECT code, units, share FROM '{out}/code_frequency.parquet'").fetchall()
assert [row[0] for row in frequency] == manifest["codebook"]["codes"], frequency
# Signed columns: subtracting goes below zero instead of overflowing.
previous = duckdb.sql(f"SELECT min(segment - 1) FROM '{out}/codings.parquet'").fetchall()[0][0]
assert previous >= -1, previous
below_zero = duckdb.sql(
    f"SELECT min(units - hits) FROM '{out}/code_frequency.parquet'"
).fetchall()[0][0]
assert below_zero < 0, below_zero  # every code has more hits than units here
if len(runs) > 1:
    # The same table of several runs, by a glob over their folders.
    parent = runs[0].parent
    hits = duckdb.sql(
        f"SELECT code, sum(hits) FROM read_parquet('{parent}/*/codings.parquet', union_by_name = true) "
        "GROUP BY code ORDER BY code"
    ).fetchall()
    one = duckdb.sql(
        f"SELECT code, sum(hits) FROM '{out}/codings.parquet' GROUP BY code ORDER BY code"
    ).fetchall()
    assert hits == [(code, 2 * n) for code, n in one], (hits, one)
print("old readers: every table read")
