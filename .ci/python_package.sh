#!/usr/bin/env bash
# The Python package, tested as a user gets it (issue 30): build the wheel with maturin, install
# it in a fresh virtual environment, and run tests/python_package.py there (the README's
# notebook example, `qualcode` on the PATH, errors as exceptions). Run by .ci/run after the
# cargo tests, with the same CARGO_TARGET_DIR, so the wheel's build reuses their compiled crates.
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "maturin>=1.5,<2"

start=$(date +%s)
python3 -m maturin build --release --locked --out "$work/dist" 2>&1 | tail -3
echo "python package: wheel built in $(( $(date +%s) - start )) s: $(basename "$work"/dist/*.whl)"

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$(ls "$work"/dist/*.whl)[pandas]"
# Only the environment's own bin on the PATH in front, as after `source venv/bin/activate`.
PATH="$work/venv/bin:$PATH" "$work/venv/bin/python" tests/python_package.py
