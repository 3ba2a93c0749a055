#!/usr/bin/env bash
# mpi_efficiency.sh - parallel efficiency of erpsim over MPI ranks on one
# machine: the same sweep with 1 rank and with N ranks (one thread each, so
# that ranks, not threads, do the work), REPEATS times each, alternating
# so that a change in the machine's load hits both; prints every time, the
# medians, the speed-up T1/TN and the efficiency speed-up/N, and checks
# that every run printed the same bytes. It also prints the CPU time of
# all the ranks (user + system): CPU1/CPUN is the efficiency of the work
# itself, what the ranks add (polling, packing, merging twice), whatever
# else the machine runs - on a shared machine the wall-clock figure also
# measures how much of the machine N processes get compared with one.
#
# Usage: bench/mpi_efficiency.sh ERPSIM [RANKS] [REPEATS]
#   ERPSIM   an erpsim built with -DERPSIM_MPI=ON
#   RANKS    the ranks to compare with 1 (default 2)
#   REPEATS  runs of each (default 3)
# The sweep takes about 20 s alone on a 2.x GHz core (docs/scale-out.md).
set -euo pipefail
erpsim=${1:?usage: mpi_efficiency.sh ERPSIM [RANKS] [REPEATS]}
ranks=${2:-2}
repeats=${3:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sweep=(sweep --days 240 --reps 40 --vary load=1x,2x,3x --threads 1 --format csv)

timed() { # NP OUT: prints "wall cpu" in seconds
    /usr/bin/time -f '%e %U %S' -o "$tmp/time" \
        mpirun --oversubscribe -np "$1" "$erpsim" "${sweep[@]}" >"$2"
    awk '{printf "%s %.2f\n", $1, $2 + $3}' "$tmp/time"
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "sweep: erpsim ${sweep[*]}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$repeats"); do
    read -r t1 c1 < <(timed 1 "$tmp/one.$i")
    read -r tn cn < <(timed "$ranks" "$tmp/many.$i")
    echo "run $i: 1 rank $t1 s ($c1 s CPU), $ranks ranks $tn s ($cn s CPU)"
    echo "$t1" >>"$tmp/t1"
    echo "$tn" >>"$tmp/tn"
    echo "$c1" >>"$tmp/c1"
    echo "$cn" >>"$tmp/cn"
    cmp -s "$tmp/one.1" "$tmp/one.$i" && cmp -s "$tmp/one.1" "$tmp/many.$i" ||
        { echo "mpi_efficiency: the outputs differ (run $i)" >&2; exit 1; }
done
m1=$(median <"$tmp/t1")
mn=$(median <"$tmp/tn")
k1=$(median <"$tmp/c1")
kn=$(median <"$tmp/cn")
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'median wall: 1 rank %.2f s, %d ranks %.2f s, speed-up %.2f, efficiency %.2f\n' \
    "$m1" "$ranks" "$mn" "$(echo "$m1 / $mn" | bc -l)" "$(echo "$m1 / $mn / $ranks" | bc -l)"
printf 'median CPU: 1 rank %.2f s, %d ranks %.2f s, CPU efficiency %.2f\n' \
    "$k1" "$ranks" "$kn" "$(echo "$k1 / $kn" | bc -l)"
echo "every output identical: yes"
