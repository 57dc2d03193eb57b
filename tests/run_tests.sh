#!/bin/sh
# Runs every test binary given, from the repository root, and reports a
# total. Exit status 1 if any test failed.
cd "$(dirname "$0")/.." || exit 1
failed=0
total=0
for t in "$@"; do
    name=$(basename "$t")
    total=$((total + 1))
    if "$t" >"$t.log" 2>&1; then
        summary=$(grep -E '^\[  PASSED  \]' "$t.log" | tail -n 1)
        echo "ok    $name  ${summary#*]}"
    else
        echo "FAIL  $name"
        cat "$t.log"
        failed=$((failed + 1))
    fi
done
echo "$((total - failed)) of $total test programs passed"
[ "$failed" -eq 0 ]
