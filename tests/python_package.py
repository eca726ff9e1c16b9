"""The Python package as a user gets it: run in a fresh virtual environment where only the wheel
(and its dependencies) was installed, from the repository root. Checks that `qualcode` is on the
PATH, runs the README's notebook example as written, and checks the API's promises.

Usage (from .ci/python_package.sh): VENV/bin/python tests/python_package.py
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

import qualcode

passed = 0


def check(name, condition, detail=""):
    global passed
    if not condition:
        print(f"FAILED: {name} {detail}")
        print(f"python-package: {passed} passed, 1 failed")
        sys.exit(1)
    passed += 1


# The command is on the PATH of the environment, and it is the installed one.
found = shutil.which("qualcode")
check("qualcode on the PATH", found is not None and Path(found).parent == Path(sys.executable).parent, found)
version = subprocess.run(["qualcode", "--version"], capture_output=True, text=True)
check("qualcode --version", version.returncode == 0 and version.stdout.startswith("qualcode "), version)
check("the module is the installed one", "site-packages" in qualcode.__file__, qualcode.__file__)

# The README's notebook example, as written.
readme = Path("README.md").read_text(encoding="utf-8")
section = readme[readme.index("## In a notebook"):]
example = re.search(r"```python\n(.*?)```", section, re.S).group(1)
scope = {}
exec(compile(example, "README.md (In a notebook)", "exec"), scope)
run = scope["run"]
check("the example's run", isinstance(run, qualcode.Run), run)
frequency = run.code_frequency
check("code_frequency in codebook order", frequency["code"].to_list() == run.manifest["codebook"]["codes"])
check("signed counts", frequency.schema["units"] == pl.Int32, frequency.schema)
coded = scope["coded"]
check("the example's coded units", coded.height == run.codings.height and "text" in coded.columns, coded)
check("to_pandas", len(coded.to_pandas()) == coded.height)

# Options by name, read() of a finished folder, tables listed.
with tempfile.TemporaryDirectory() as tmp:
    out = Path(tmp) / "sentences"
    sentences = qualcode.run("corpus", "codebook.toml", out=out, unit="sentence", threads=1)
    check("unit=sentence", sentences.manifest["parameters"]["unit"] == "sentence")
    again = qualcode.read(out)
    check("read()", again.codings.equals(sentences.codings))
    check("tables", {"codings", "segments", "matches", "code_frequency"} <= set(again.tables), again.tables)

# Errors are exceptions carrying the command's message.
try:
    qualcode.run("corpus", "no-such-codebook.toml")
    check("a missing codebook raises", False)
except qualcode.QualcodeError as err:
    check("the command's message", "no-such-codebook.toml" in err.message and err.exit_code == 2, err.message)
with tempfile.TemporaryDirectory() as tmp:
    bad = Path(tmp) / "bad.toml"
    bad.write_text('[[codes]]\nid = "a"\nlabel = "A"\n[[codes.rules]]\nregex = "win(-win"\n', encoding="utf-8")
    try:
        qualcode.run("corpus", bad)
        check("a bad codebook raises", False)
    except qualcode.QualcodeError as err:
        check("the codebook error with its line", "unclosed group" in err.message and "bad.toml:" in err.message, err.message)
try:
    qualcode.read("no-such-folder")
    check("read() of a missing folder raises", False)
except qualcode.QualcodeError as err:
    check("read() names the folder", "no-such-folder" in err.message, err.message)

# Any other command, by name.
done = qualcode.command("kwic", "fic_strategy", limit=2)
check("command()", done.stdout.count("\n") == 2 and "2 shown" in done.stderr, done)

print(f"python-package: {passed} passed, 0 failed")
