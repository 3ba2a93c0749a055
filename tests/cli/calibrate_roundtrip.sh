#!/usr/bin/env bash
# calibrate_roundtrip.sh - simulate, trace, calibrate, compare (run by ctest
# from the source root as `bash tests/cli/calibrate_roundtrip.sh ERPSIM`).
#
# tests/calib/roundtrip.yaml has one flow with a known volume, diurnal and
# weekly shape and growth. For K seeds: `erpsim run --trace-out` writes its
# simulated arrivals, `erpsim calibrate` estimates the profile with 95%
# intervals, and each interval is checked against the truth:
#   volume   the scenario's 3000/day grown for the 56 days of the log (the
#            estimate is the volume at the end of the log),
#   growth   5%/month, weekly and diurnal the normalised shapes.
# Expected coverage: a right 95% interval covers the truth in 95% of the
# seeds, so the covers of one parameter over K seeds are Binomial(K, 0.95)
# (the shape weights pooled: Binomial(7K, 0.95) and Binomial(24K, 0.95),
# their mild correlation within a seed aside). The check fails when the
# count falls outside the range a right interval stays in with probability
# 1 - 2e-3 (1e-3 each side; computed from the binomial distribution
# below): too few covers mean intervals too narrow or biased estimates,
# too many mean intervals too wide to be useful.
# Also: the trace of replication 1 has exactly the records the run created,
# and every log reads as Poisson arrivals (the simulator's process).
set -u
erpsim=${1:?usage: calibrate_roundtrip.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
K=40
scn=tests/calib/roundtrip.yaml
fail=0

for s in $(seq 1 $K); do
    "$erpsim" run "$scn" --seed "$s" --trace-out "$tmp/t$s" --quiet ||
        { echo "FAIL: run --seed $s: exit $?" >&2; exit 1; }
    "$erpsim" calibrate "$tmp/t$s/F-1.csv" --format json >"$tmp/c$s.json" 2>"$tmp/err$s" ||
        { echo "FAIL: calibrate seed $s: exit $?: $(cat "$tmp/err$s")" >&2; exit 1; }
done
# the trace is the run's records: replication 1 of seed 1
"$erpsim" run "$scn" --seed 1 --format json >"$tmp/run.json" ||
    { echo "FAIL: run --format json" >&2; exit 1; }

python3 - "$tmp" "$K" <<'EOF' || fail=1
import json, math, sys
tmp, K = sys.argv[1], int(sys.argv[2])

def norm(w):
    m = sum(w) / len(w)
    return [x / m for x in w]

diurnal = norm([0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.5, 1.0, 1.6, 2.0, 2.2, 2.0,
                1.6, 1.8, 2.0, 1.9, 1.6, 1.2, 0.9, 0.7, 0.5, 0.4, 0.3, 0.2])
weekly = norm([1.2, 1.15, 1.1, 1.15, 1.0, 0.8, 0.6])
growth = 0.05
days = 56
volume_end = 3000 * (1 + growth) ** (days / 30.4375)

def binom_range(n, p=0.95, alpha=1e-3):
    """The counts [lo, hi] outside which a Binomial(n, p) falls with
    probability at most alpha on each side."""
    pmf = [math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(n + 1)]
    lo, acc = 0, 0.0
    while acc + pmf[lo] <= alpha:
        acc += pmf[lo]
        lo += 1
    hi, acc = n, 0.0
    while acc + pmf[hi] <= alpha:
        acc += pmf[hi]
        hi -= 1
    return lo, hi

def covers(c, truth):
    return c["lo"] <= truth <= c["hi"]

cov = {"volume": 0, "growth": 0, "weekly": 0, "diurnal": 0}
bad = []
for s in range(1, K + 1):
    c = json.load(open("%s/c%d.json" % (tmp, s)))
    assert c["log"]["local_utc_offset_min"] == 60, "the trace's +01:00 was not used"
    g = c["groups"][0]
    if g["days"] != days or g["days_used"] < days - 1:
        bad.append("seed %d: %d days, %d used" % (s, g["days"], g["days_used"]))
    cov["volume"] += covers(g["volume_per_day"], volume_end)
    cov["growth"] += covers(g["growth_per_month"], growth)
    cov["weekly"] += sum(covers(g["weekly"][w], weekly[w]) for w in range(7))
    cov["diurnal"] += sum(covers(g["diurnal"][h], diurnal[h]) for h in range(24))
    if g["burstiness"]["verdict"] != "poisson":
        bad.append("seed %d: burstiness %s" % (s, g["burstiness"]))
n = {"volume": K, "growth": K, "weekly": 7 * K, "diurnal": 24 * K}
for k in cov:
    lo, hi = binom_range(n[k])
    print("%-8s covered %4d of %4d (%.1f%%), a right 95%% interval gives %d..%d"
          % (k, cov[k], n[k], 100.0 * cov[k] / n[k], lo, hi))
    if not lo <= cov[k] <= hi:
        bad.append("%s: %d covers of %d, outside %d..%d" % (k, cov[k], n[k], lo, hi))

run = json.load(open(tmp + "/run.json"))
created = run["metrics"]["flow.F-1.created"]["values"][0]
rows = sum(1 for _ in open(tmp + "/t1/F-1.csv")) - 1
if rows != created:
    bad.append("the trace has %d rows, the run created %d" % (rows, created))
for b in bad:
    print("FAIL: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
if [ $fail -ne 0 ]; then
    echo "calibrate_roundtrip.sh: failed" >&2
    exit 1
fi
echo "calibrate_roundtrip.sh: ok"
