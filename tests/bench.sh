#!/bin/sh
# make bench: speed and memory of placesim, as docs/performance.md reports
# them. Every figure is the median of BENCH_RUNS runs (default 3); the
# library's cost and the threads' speed-up are medians of the ratios of
# runs made one after the other.
#
#   1. crisis_led at a million people (population.scale=8), 520 weeks after
#      104 of burn-in, one replicate, one thread: wall time, person-weeks a
#      second (people x every simulated week, burn-in included), peak
#      memory per person (/usr/bin/time's maximum resident set);
#   2. the same with the whole intervention library (crisis_led_with_library)
#      and its cost against 1;
#   3. 4 replicates on 1 thread against 2 threads (population.scale=
#      BENCH_THREADS_SCALE, default 2: 240,000 people), the speed-up;
#   4. the one replicate of 1 on 2 threads against 1, its passes split
#      over the two (engine/split.h), the speed-up.
#
# Usage: tests/bench.sh PLACESIM      (BENCH_RUNS, BENCH_SCALE, BENCH_THREADS_SCALE)
set -eu
prog=$1
runs=${BENCH_RUNS:-3}
scale=${BENCH_SCALE:-8}
tscale=${BENCH_THREADS_SCALE:-2}
dir=$(mktemp -d "${TMPDIR:-/tmp}/placesim-bench-XXXXXX")
trap 'rm -rf "$dir"' EXIT

if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO=sudo; else
        echo "placesim bench: needs /usr/bin/time; run: sudo apt-get install -y time"; exit 1; fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
        { echo "placesim bench: run: sudo apt-get install -y time"; exit 1; }
fi

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; } # lowest-highest

# run1 NAME ARGS...: runs placesim ARGS once; appends the wall time and
# peak memory to NAME.wall and NAME.kb and leaves its folder in $dir/NAME.
run1() {
    name=$1
    shift
    /usr/bin/time -f "%e %M" -o "$dir/$name.time" "$prog" "$@" --out "$dir/$name" --force --quiet
    awk '{ print $1 }' "$dir/$name.time" >> "$dir/$name.wall"
    awk '{ print $2 }' "$dir/$name.time" >> "$dir/$name.kb"
}

# paired A "ARGS A" B "ARGS B": runs A then B, $runs times over, so the two
# of a pair see the machine alike (a shared machine's speed drifts by 10%
# or more within minutes); leaves A.wall, B.wall and A.ratio, the ratio
# B / A of each pair, whose median the cost and speed-up figures are.
paired() {
    : > "$dir/$1.wall"; : > "$dir/$1.kb"; : > "$dir/$3.wall"; : > "$dir/$3.kb"; : > "$dir/$1.ratio"
    i=0
    while [ "$i" -lt "$runs" ]; do
        # shellcheck disable=SC2086 # the arguments are words
        run1 "$1" $2
        # shellcheck disable=SC2086
        run1 "$3" $4
        paste "$dir/$1.wall" "$dir/$3.wall" | tail -1 | awk '{ print $2 / $1 }' >> "$dir/$1.ratio"
        i=$((i + 1))
    done
}

field() { # summary.json, key: the number after "key":
    sed -n "s/.*\"$2\":[[:space:]]*\([0-9.e+]*\).*/\1/p" "$1" | head -1
}

echo "placesim bench: $("$prog" --version), medians of $runs runs"
echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores," \
     "$(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)," \
     "$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), $(uname -r)"
echo

one="--set population.scale=$scale --replicates 1 --threads 1"
paired plain "run scenarios/crisis_led.json $one" library "run scenarios/crisis_led_with_library.json $one"
persons=$(field "$dir/plain/summary.json" persons)
weeks=$(field "$dir/plain/scenario.resolved.json" weeks)
burn=$(field "$dir/plain/scenario.resolved.json" burn_in_weeks)

report() { # label, name
    wall=$(median < "$dir/$2.wall")
    kb=$(median < "$dir/$2.kb")
    awk -v l="$1" -v w="$wall" -v kb="$kb" -v p="$persons" -v wk="$((weeks + burn))" -v s="$(spread < "$dir/$2.wall")" 'BEGIN {
        printf "%-34s %8.2f s   %6.1f M person-weeks/s   %5.1f bytes/person (peak %.0f MB; runs took %s s)\n",
               l, w, p * wk / w / 1e6, kb * 1024 / p, kb / 1024, s }'
}
echo "$persons people, $weeks weeks after $burn of burn-in, 1 replicate, 1 thread:"
report "crisis_led" plain
report "crisis_led + intervention library" library
awk -v r="$(median < "$dir/plain.ratio")" -v s="$(spread < "$dir/plain.ratio")" -v n="$runs" \
    'BEGIN { printf "%-34s %8.2f x the plain run, run for run (%s over %d pairs; goal: at most 1.5)\n", "library cost", r, s, n }'

# speedup ONE TWO GOAL: the medians of ONE's (1 thread) and TWO's (2
# threads) runs, and of their ratios, with GOAL after the spread
speedup() {
    awk -v a="$(median < "$dir/$1.wall")" -v b="$(median < "$dir/$2.wall")" -v r="$(median < "$dir/$2.ratio")" \
        -v s="$(spread < "$dir/$2.ratio")" -v n="$runs" -v g="$3" 'BEGIN {
        printf "%-34s %8.2f s\n%-34s %8.2f s\n%-34s %8.2f x, run for run (%s over %d pairs%s)\n",
               "1 thread", a, "2 threads", b, "speed-up", r, s, n, g }'
}

four="--set population.scale=$tscale --replicates 4"
paired t2 "run scenarios/crisis_led.json $four --threads 2" t1 "run scenarios/crisis_led.json $four --threads 1"
tp=$(field "$dir/t1/summary.json" persons)
echo
echo "4 replicates of $tp people:"
speedup t1 t2 "; goal: at least 1.8"

paired s2 "run scenarios/crisis_led.json --set population.scale=$scale --replicates 1 --threads 2" \
       s1 "run scenarios/crisis_led.json $one"
echo
echo "1 replicate of $persons people, its passes split over threads:"
speedup s1 s2 ""
