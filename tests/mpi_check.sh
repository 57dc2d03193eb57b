#!/bin/sh
# make test-mpi: placesim built with MPI writes, under mpirun -np 2, the
# same files byte for byte as one process does, for run, compare and sweep.
# The only lines allowed to differ are summary.json's record of how the run
# went (threads, processes, wall time, date).
#
# Usage: tests/mpi_check.sh PLACESIM [NP]
set -eu
prog=$1
np=${2:-2}
dir=$(mktemp -d "${TMPDIR:-/tmp}/placesim-mpi-XXXXXX")
trap 'rm -rf "$dir"' EXIT
# mpirun refuses root unless told; CI machines run as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Small and quick: a quarter of Example Town, short runs, an odd number of
# replicates so the processes do not get equal shares.
small="--set population.scale=0.25 --set burn_in_weeks=8 --weeks 40 --replicates 3 --quiet"
fails=0

same() { # what, folder of one process, folder of np processes
    for f in $(cd "$2" && find . -type f | sort); do
        if [ ! -f "$3/$f" ]; then
            echo "FAIL  $1: $f written by one process but not by $np"
            fails=$((fails + 1))
            continue
        fi
        case "$f" in
        */summary.json)
            grep -v -E '"(threads|processes|wall_seconds|finished_at)"' "$2/$f" > "$dir/a"
            grep -v -E '"(threads|processes|wall_seconds|finished_at)"' "$3/$f" > "$dir/b"
            a="$dir/a" b="$dir/b" ;;
        *) a="$2/$f" b="$3/$f" ;;
        esac
        if ! cmp -s "$a" "$b"; then
            echo "FAIL  $1: $f differs between 1 and $np processes"
            fails=$((fails + 1))
        fi
    done
    n1=$(cd "$2" && find . -type f | wc -l)
    n2=$(cd "$3" && find . -type f | wc -l)
    if [ "$n1" != "$n2" ]; then
        echo "FAIL  $1: $n1 files from one process, $n2 from $np"
        fails=$((fails + 1))
    fi
    # the run must have used np processes, or the check proves nothing
    if ! grep -q "\"processes\":[[:space:]]*$np" $(find "$3" -name summary.json | head -1); then
        echo "FAIL  $1: summary.json does not record $np processes"
        fails=$((fails + 1))
    fi
    [ "$fails" -gt 0 ] || echo "ok    $1: $n1 files identical with 1 and $np processes"
}

check() { # what, command...
    what=$1
    shift
    "$prog" "$@" --out "$dir/one_$what" $small
    mpirun --oversubscribe -np "$np" "$prog" "$@" --out "$dir/many_$what" $small
    same "$what" "$dir/one_$what" "$dir/many_$what"
}

# a run with the whole intervention library (custom columns, spending, logs)
check run run scenarios/crisis_led_with_library.json
check compare compare scenarios/crisis_led.json scenarios/integrated_teams.json scenarios/crisis_led_with_library.json
check sweep sweep scenarios/crisis_led.json --vary services.crisis_team.capacity=20,40 \
    --vary model.onset.base=0.004,0.006

# an error in one process's replicate stops every process with one message
cat > "$dir/bad.lua" <<'EOF'
return { week = function(sim) if sim.replicate == 1 then error("replicate one fails") end end }
EOF
cat > "$dir/bad.json" <<EOF
{ "extends": "$(pwd)/scenarios/crisis_led.json", "name": "fails in one replicate",
  "interventions": [ { "script": "bad.lua", "start_week": 2 } ] }
EOF
if mpirun --oversubscribe -np "$np" "$prog" run "$dir/bad.json" --out "$dir/bad_out" $small 2> "$dir/err"; then
    echo "FAIL  error: a failing replicate did not fail the job"
    fails=$((fails + 1))
elif [ -e "$dir/bad_out" ] || [ "$(grep -c 'replicate one fails' "$dir/err")" != 1 ]; then
    echo "FAIL  error: expected one message and no output folder, got:"
    cat "$dir/err"
    fails=$((fails + 1))
else
    echo "ok    error: a script failing in one process's replicate stops all $np with one message"
fi

[ "$fails" = 0 ] || { echo "$fails MPI check(s) failed"; exit 1; }
echo "MPI: every check passed"
