#!/usr/bin/env bash
# Peak memory and time of the workbench commands that read a whole run, with --from a run:
#   bench/workbench_memory.sh BINARY RUN_DIR CORPUS CODEBOOK GOLD.csv
# GOLD is a hand coding of trust (a `qualcode sample` sheet, filled). Prints one line per
# command: its peak resident set (from /usr/bin/time), wall and user seconds, exit code.
# The figures in docs/limits.md ("Memory of the workbench commands") were made with it.
set -u
if [ $# -ne 5 ]; then
    sed -n 2,5p "$0" >&2
    exit 2
fi
binary=$1 run=$2 corpus=$3 codebook=$4 gold=$5
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
measure() {
    local name=$1
    shift
    /usr/bin/time -f "%M %e %U" -o "$scratch/time" "$binary" "$@" \
        --from "$run" --corpus "$corpus" --codebook "$codebook" >/dev/null 2>"$scratch/stderr"
    local code=$?
    read -r kb wall user <"$scratch/time"
    printf '%-16s %6.0f MB  %6.2f s wall  %6.2f s user  exit %d\n' "$name" "$((kb / 1024))" "$wall" "$user" "$code"
}
measure agree agree --gold "$gold" --out "$scratch/agree"
measure suggest suggest trust --gold "$gold"
measure similar similar trust
measure "similar --gold" similar trust --gold "$gold"
measure "export qdpx" export qdpx --out "$scratch/project.qdpx"
