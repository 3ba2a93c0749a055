#!/usr/bin/env bash
# scale_table.sh - the measurements of the table in docs/kernel.md
# ("Landscapes at scale"), side by side for two builds:
#   bench/scale_table.sh AFTER_BUILD [BEFORE_BUILD]
# Each build folder must hold bench_scale, bench_mm1 and erpsim (a Release
# build). The two are run one after the other for each case, so a busy
# machine slows both alike; compare CPU (user) times and ratios, not wall
# times. Takes about 10 minutes (more with a before build).
set -u
after=${1:?usage: scale_table.sh AFTER_BUILD [BEFORE_BUILD]}
before=${2:-}
builds=("$after")
[ -n "$before" ] && builds+=("$before")
t() { /usr/bin/time -f "  %U s user, %e s wall, %M KB peak" "$@"; }
echo "== bench_mm1, 5 runs: kernel / bare loop"
for i in 1 2 3 4 5; do "$after/bench_mm1" | grep 'kernel / bare'; done
echo "== 10, 100, 1000 flows, 1 d at 3x, 1 replication, 1 thread"
for f in 10 100 1000; do
    for b in "${builds[@]}"; do
        echo "$b: $f flows"
        "$b/bench_scale" --flows "$f" --days 1 --load 3 --reps 1 --threads 1 |
            grep -E 'events/rep|ns/event|peak'
    done
done
echo "== erpsim plan (default scenario), 2 threads, then sweep of 5 loads"
for b in "${builds[@]}"; do
    echo "$b: plan"
    t "$b/erpsim" plan --quiet --threads 2 >/dev/null
    echo "$b: sweep"
    t "$b/erpsim" sweep --vary load=1x,2x,3x,4x,5x --quiet >/dev/null
done
echo "== 100 flows, 7 d at 3x, 10 replications, 1 thread"
for b in "${builds[@]}"; do
    echo "$b"
    t "$b/bench_scale" --flows 100 --days 7 --load 3 --reps 10 --threads 1 | grep -E 'ns/event|peak'
done
echo "== 25 flows at 3x, 1 replication, 1 thread: 7 d and 365 d"
for b in "${builds[@]}"; do
    for d in 7 365; do
        echo "$b: $d d"
        t "$b/bench_scale" --flows 25 --days "$d" --load 3 --reps 1 --threads 1 | grep -E 'ns/event|peak'
    done
done
echo "== 1000 flows, 7 d at 3x, 1 replication, 1 thread ($after only)"
t "$after/bench_scale" --flows 1000 --days 7 --load 3 --reps 1 --threads 1 | grep -E 'ns/event|peak'
