"""qualcode in a notebook: run the `qualcode` command and read a run's tables as polars DataFrames.

    import qualcode
    run = qualcode.run("corpus", "codebook.toml")        # codes the corpus into a temporary folder
    run.code_frequency                                    # a polars DataFrame, codebook order
    run.codings.to_pandas()                               # pandas, with `pip install qualcode[pandas]`
    again = qualcode.read("output")                       # a finished run's folder

The command does the work; this module only builds its command line, runs it and reads its
output. A command that fails raises `QualcodeError` with the command's own message; files the
run skipped (exit code 1) are a warning, and listed in `run.skipped`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
import tempfile
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

__all__ = ["run", "read", "command", "Run", "QualcodeError", "binary"]

PathLike = Union[str, "os.PathLike[str]"]


class QualcodeError(Exception):
    """A qualcode command failed: `message` is what it printed on stderr, `exit_code` its
    exit code (2: nothing written), `args` the command line."""

    def __init__(self, message: str, exit_code: int, command: List[str]):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.command = command


def binary() -> str:
    """The `qualcode` executable: $QUALCODE_BIN, else the one installed with this package (in
    the environment's scripts folder), else the first on the PATH."""
    explicit = os.environ.get("QUALCODE_BIN")
    if explicit:
        return explicit
    name = "qualcode.exe" if os.name == "nt" else "qualcode"
    beside = Path(sysconfig.get_path("scripts")) / name
    if beside.is_file():
        return str(beside)
    found = shutil.which("qualcode")
    if found:
        return found
    raise QualcodeError(
        "the qualcode command was not found: install the package with pip, or set QUALCODE_BIN",
        2,
        [],
    )


def _flags(options: Dict[str, Any]) -> List[str]:
    """Keyword options as command-line flags: `unit="sentence"` is `--unit sentence`,
    `by=["year", "group"]` repeats `--by`, `True` is a bare flag, `None` and `False` are left out."""
    flags: List[str] = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            flags.append(flag)
        elif isinstance(value, (list, tuple)):
            for item in value:
                flags += [flag, os.fspath(item) if isinstance(item, os.PathLike) else str(item)]
        else:
            flags += [flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)]
    return flags


def command(*args: Any, **options: Any) -> subprocess.CompletedProcess:
    """Runs `qualcode ARGS --OPTION VALUE ...` and returns the finished process (stdout and
    stderr as text). Raises `QualcodeError` with the command's message when it fails (exit
    code 2, or any other but 0 and 1)."""
    line = [binary()] + [os.fspath(a) if isinstance(a, os.PathLike) else str(a) for a in args]
    line += _flags(options)
    done = subprocess.run(line, capture_output=True, text=True, encoding="utf-8", errors="replace")
    if done.returncode not in (0, 1):
        message = done.stderr.strip() or f"qualcode exited with code {done.returncode}"
        raise QualcodeError(message, done.returncode, line)
    return done


class Run:
    """A finished run's folder: its manifest and its tables, each read on first use as a polars
    DataFrame (`run.codings`, `run.code_frequency`, `run.segments`, ... or `run.table(name)`)."""

    def __init__(self, out: PathLike, stderr: str = "", _keep: Any = None):
        self.out = Path(out)
        manifest = self.out / "manifest.json"
        if not manifest.is_file():
            raise QualcodeError(
                f"{self.out} has no manifest.json: it does not hold a finished run", 2, []
            )
        self.manifest: Dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
        self.stderr = stderr
        self._tables: Dict[str, Any] = {}
        self._keep = _keep  # a temporary folder lives as long as the run object

    @property
    def tables(self) -> List[str]:
        """The names of the run's tables, in the manifest's order (then any others in the
        folder, such as agree's)."""
        listed = [t["name"] for t in self.manifest.get("tables", [])]
        others = sorted(p.stem for p in self.out.glob("*.parquet") if p.stem not in listed)
        return listed + others

    @property
    def skipped(self) -> List[Dict[str, Any]]:
        """The files the run skipped, each with its reason."""
        return [f for f in self.manifest.get("files", []) if f.get("status") == "skipped"]

    def table(self, name: str):
        """The table `name` as a polars DataFrame."""
        if name not in self._tables:
            import polars as pl

            path = self.out / f"{name}.parquet"
            if not path.is_file():
                raise QualcodeError(
                    f"{self.out} has no table {name!r} (it has: {', '.join(self.tables)})", 2, []
                )
            self._tables[name] = pl.read_parquet(path)
        return self._tables[name]

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if (self.out / f"{name}.parquet").is_file():
            return self.table(name)
        raise AttributeError(f"{type(self).__name__} has no attribute or table {name!r}")

    def __dir__(self):
        return list(super().__dir__()) + self.tables

    def __repr__(self) -> str:
        counts = self.manifest.get("counts", {})
        return (
            f"<qualcode run {self.out}: {counts.get('files', '?')} files, "
            f"{counts.get('units', '?')} units, tables: {', '.join(self.tables)}>"
        )


def run(
    corpus: PathLike = "corpus",
    codebook: PathLike = "codebook.toml",
    out: Optional[PathLike] = None,
    **options: Any,
) -> Run:
    """Codes `corpus` (a folder, or a .csv/.tsv/.jsonl/.parquet table of documents) with
    `codebook` into `out` (a temporary folder, removed with the returned object, when None) and
    returns the run. Other options are `qualcode run`'s, by name: `unit="sentence"`,
    `metadata="docs.csv"`, `by=["year:date", "group"]`, `threads=4`, `encoding="gbk"`, ...
    Raises `QualcodeError` with the command's message when nothing could be written (a codebook
    with errors, a missing corpus); warns when files were skipped."""
    keep = None
    if out is None:
        keep = tempfile.TemporaryDirectory(prefix="qualcode-")
        out = Path(keep.name) / "run"
    done = command("run", corpus=corpus, codebook=codebook, out=out, **options)
    result = Run(out, done.stderr, keep)
    if done.returncode == 1:
        names = ", ".join(f"{f['document']} ({f.get('reason')})" for f in result.skipped)
        warnings.warn(f"qualcode skipped {len(result.skipped)} file(s): {names}", stacklevel=2)
    return result


def read(out: PathLike = "output") -> Run:
    """A finished run's folder (written by `qualcode run`, or `run(..., out=...)`)."""
    return Run(out)
