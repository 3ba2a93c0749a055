#!/usr/bin/env bash
# interrupt.sh - Ctrl-C and SIGTERM during a long run stop every simulating
# command cleanly (run by ctest from the source root as
# `bash tests/cli/interrupt.sh path/to/erpsim`):
#   1. SIGINT one second into a run that would take minutes: exit 130
#      within a few seconds, "interrupted" on stderr, nothing on stdout, no
#      output folder; for run, report, sweep, compare, plan and advise;
#   2. SIGTERM: exit 143, the same;
#   3. a signal ignored on entry (a background job of a script) stays
#      ignored: the run is not stopped by it;
#   4. an interrupt while the results folder is being written (during the
#      charts: a gnuplot that sends SIGINT to erpsim) leaves the old folder
#      as it was, removes the new one being built, and exits 130.
# The commands run under python3 so that each gets SIGINT with the default
# action whatever this shell does with it, and the exit status tells an
# exit (130) from a death by the signal (-2); without python3, 1 to 3 are
# skipped (exit 77).
set -u
erpsim=${1:?usage: interrupt.sh ERPSIM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/needs.sh
. tests/cli/fixtures/fail.sh

# interrupted SIGNAL WANT OUT ARGS...: runs erpsim ARGS, sends SIGNAL after
# one second and checks the exit code, the output and that OUT (a path the
# command would write) does not exist.
interrupted() {
    local sig=$1 want=$2 out=$3
    shift 3
    python3 - "$sig" "$want" "$out" "$tmp" "$@" <<'EOF' || fail "$sig: $*"
import os, signal, subprocess, sys, time
sig, want, out, tmp = getattr(signal, sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
cmd = sys.argv[5:]
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     restore_signals=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
time.sleep(1.0)
if p.poll() is not None:
    sys.exit(f"finished before the signal (exit {p.returncode}, {p.stderr.read()[:300]!r}): make the run longer")
p.send_signal(sig)
sent = time.time()
try:
    stdout, stderr = p.communicate(timeout=20)
except subprocess.TimeoutExpired:
    p.kill()
    sys.exit("still running 20 s after the signal")
ok = True
def bad(msg):
    global ok
    ok = False
    print(f"  {cmd[1]}: {msg}", file=sys.stderr)
if p.returncode != want:
    bad(f"exit {p.returncode}, want {want}; stderr: {stderr[:300]!r}")
if stdout:
    bad(f"wrote {len(stdout)} bytes on stdout")
if b"interrupted" not in stderr:
    bad(f"stderr does not say interrupted: {stderr[:300]!r}")
if os.path.exists(out):
    bad(f"{out} was written")
print(f"  {cmd[1]}: stopped {time.time() - sent:.2f} s after the signal", file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}

# A run of minutes: 10 simulated years, more replications than threads.
long=(--days 3650 --reps 8)
if needs python3; then

# 1. SIGINT, every simulating command
interrupted SIGINT 130 "$tmp/run" "$erpsim" run "${long[@]}" --out "$tmp/run"
interrupted SIGINT 130 "$tmp/report" "$erpsim" report "${long[@]}" --out "$tmp/report"
interrupted SIGINT 130 "$tmp/sweep" "$erpsim" sweep "${long[@]}" --vary load=1x,2x --out "$tmp/sweep"
interrupted SIGINT 130 "$tmp/compare" "$erpsim" compare "${long[@]}" --flow F-001 --out "$tmp/compare"
interrupted SIGINT 130 "$tmp/plan" "$erpsim" plan "${long[@]}" --out "$tmp/plan"
interrupted SIGINT 130 "$tmp/advise" "$erpsim" advise "${long[@]}"

# 2. SIGTERM
interrupted SIGTERM 143 "$tmp/term" "$erpsim" run "${long[@]}" --out "$tmp/term"

# 3. an ignored SIGINT stays ignored: the run goes on and finishes.
python3 - "$erpsim" <<'EOF' || fail "an ignored SIGINT stopped the run"
import signal, subprocess, sys, time
p = subprocess.Popen([sys.argv[1], "run", "--days", "240", "--reps", "2", "--quiet"],
                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
time.sleep(0.3)
p.send_signal(signal.SIGINT)
sys.exit(0 if p.wait(timeout=120) == 0 else 1)
EOF
fi

# 4. an interrupt while writing: the old folder stays
tiny=tests/cli/fixtures/tiny.yaml
"$erpsim" run "$tiny" --reps 2 --out "$tmp/keep" --no-charts --quiet || fail "the first run failed"
cp "$tmp/keep/results.json" "$tmp/before.json"
# once, as a terminal's Ctrl-C would (a second SIGINT stops erpsim at once);
# the charts are drawn concurrently, so the first gnuplot to make the folder
# (mkdir is atomic) is the one that sends it
printf '#!/bin/sh\nmkdir "%s" 2>/dev/null && kill -INT $PPID\nexit 1\n' "$tmp/sent" \
    >"$tmp/interrupting-gnuplot"
chmod +x "$tmp/interrupting-gnuplot"
ERPSIM_GNUPLOT="$tmp/interrupting-gnuplot" "$erpsim" run "$tiny" --reps 2 --seed 99 \
    --out "$tmp/keep" >"$tmp/stdout" 2>"$tmp/err"
rc=$?
[ $rc -eq 130 ] || fail "an interrupt during the charts: exit $rc, want 130: $(head -c 300 "$tmp/err")"
cmp -s "$tmp/keep/results.json" "$tmp/before.json" ||
    fail "an interrupt during the charts: the old results.json was replaced"
ls -a "$tmp" | grep -q 'erpsim-tmp' && fail "an interrupt during the charts: a staging folder is left"
[ -s "$tmp/stdout" ] && fail "an interrupt during the charts: something was printed on stdout"

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
exit_if_skipped interrupt.sh
echo "interrupt.sh: all checks passed"
