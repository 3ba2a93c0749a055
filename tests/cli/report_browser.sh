#!/usr/bin/env bash
# report_browser.sh - `erpsim report` end to end, checked in a real browser
# (run by ctest from the source root as `bash tests/cli/report_browser.sh
# path/to/erpsim`):
#   1. report on the tiny scenario: exit 0, report.html and report.md; the
#      HTML is self-contained (no external URL, script or stylesheet); the
#      Markdown links PNGs that exist beside it;
#   2. headless Chromium loads the HTML (--dump-dom): the verdict tables
#      and at least three inline SVG charts whose paths carry data;
#   3. a screenshot is not blank: decoded with Python's zlib, it has many
#      colours and a fair share of non-white pixels;
#   4. report --from DIR reports on an existing results folder.
# Chromium is installed by scripts/setup.sh; without it the report files are
# still checked, then the script exits 77, which ctest reports as skipped.
set -u
erpsim=${1:?usage: report_browser.sh ERPSIM}
tiny=tests/cli/fixtures/tiny.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh
. tests/cli/fixtures/needs.sh

if ! needs gnuplot; then # the report inlines the charts
    echo "report_browser.sh: skipped: gnuplot not installed"
    exit 77
fi

# 1. the report files
"$erpsim" report "$tiny" --out "$tmp/rep" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "report: exit $rc: $(cat "$tmp/err")"
html="$tmp/rep/report.html"
md="$tmp/rep/report.md"
[ -s "$html" ] && [ -s "$md" ] || fail "report did not write report.html and report.md"
grep -q "$html" "$tmp/out" || fail "report did not print where the report is"
grep -Eiq '(src|href)="(https?:)?//' "$html" && fail "the HTML refers to an external URL"
grep -Eiq '<link |<script' "$html" && fail "the HTML loads a stylesheet or a script"
grep -q "What breaks first" "$html" || fail "no 'What breaks first' in the HTML"
grep -q "seed" "$html" && grep -q "replications" "$html" || fail "the HTML does not say how it was run"
grep -q "daily_limit: 30k" "$html" || fail "the HTML lacks the scenario as run"
for png in $(grep -o 'charts/[a-z]*\.png' "$md" | sort -u); do
    [ -s "$tmp/rep/$png" ] || fail "report.md links $png, which is missing"
done
[ "$(grep -c 'charts/[a-z]*\.png' "$md")" -ge 3 ] || fail "report.md links fewer than 3 charts"

if ! needs chromium; then
    echo "report_browser.sh: skipped the browser checks: chromium not installed (report files checked)"
    [ $failures -eq 0 ] || exit 1
    exit 77
fi
browse() { # browse ARGS... : headless Chromium with a throw-away profile
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d -p "$tmp")" "$@" 2>>"$tmp/chromium.log"
}

# 2. the DOM as the browser built it
browse --dump-dom "file://$html" >"$tmp/dom.html" || fail "chromium --dump-dom failed: $(tail -3 "$tmp/chromium.log")"
python3 - "$tmp/dom.html" <<'PY' || fail "the DOM lacks charts or tables"
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
errors = []
svgs = re.findall(r"<svg\b.*?</svg>", dom, re.S)
if len(svgs) < 3:
    errors.append("%d inline SVG charts, want >= 3" % len(svgs))
for i, svg in enumerate(svgs):
    paths = re.findall(r"<path\b[^>]*\bd=['\"]([^'\"]*)['\"]", svg)
    points = sum(p.count("L") + p.count("M") for p in paths)
    if points < 200:
        errors.append("chart %d has %d path points, want >= 200 (drawn data)" % (i + 1, points))
    if "<text" not in svg and "<g " not in svg:
        errors.append("chart %d has no text (title, axes, legend)" % (i + 1))
ids = re.findall(r"\bid=\"([^\"]+)\"", dom) + re.findall(r"\bid='([^']+)'", dom)
dups = {x for x in ids if ids.count(x) > 1}
if dups:
    errors.append("duplicate ids in the page: %s" % sorted(dups)[:5])
if dom.count("<table") < 3:
    errors.append("fewer than 3 tables (facts, flows, limits)")
for word in ("MISSED", "EXHAUSTED", "F-010", "F-011", "erp"):
    if word not in dom:
        errors.append("the page does not show " + word)
if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
PY

# 3. the screenshot is not blank (taken at half scale: 640x1000 pixels of a
#    1280x2000 page, so the pure-Python PNG decoding below takes well under
#    a second)
browse --screenshot="$tmp/shot.png" --window-size=1280,2000 --force-device-scale-factor=0.5 "file://$html" >/dev/null ||
    fail "chromium --screenshot failed: $(tail -3 "$tmp/chromium.log")"
[ -s "$tmp/shot.png" ] || fail "no screenshot"
python3 - "$tmp/shot.png" <<'PY' || fail "the screenshot is blank"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), "unexpected PNG format %d/%d" % (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = width * bpp
rows, prev = [], bytearray(stride)
i = 0
for _ in range(height):  # undo the PNG filters (RFC 2083, 6)
    f = raw[i]
    line = bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line
colours, ink = set(), 0
for y in range(0, height, 3):
    row = rows[y]
    for x in range(0, width, 3):
        px = row[x * bpp:x * bpp + 3]
        colours.add(px)
        ink += px != b"\xff\xff\xff"
total = len(range(0, height, 3)) * len(range(0, width, 3))
share = ink / total
print("screenshot: %dx%d, %d colours, %.1f%% non-white" % (width, height, len(colours), 100 * share))
assert len(colours) >= 50, "only %d colours" % len(colours)
assert share >= 0.03, "only %.1f%% of the pixels are not white" % (100 * share)
PY

# 4. report --from an existing results folder
"$erpsim" run "$tiny" --out "$tmp/res" --quiet --no-charts || fail "run for report --from"
"$erpsim" report --from "$tmp/res" --quiet >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "report --from: exit $rc: $(cat "$tmp/err")"
[ -s "$tmp/res/report.html" ] && [ -s "$tmp/res/charts/latency.svg" ] || fail "report --from wrote no report or charts"
grep -c "<svg" "$tmp/res/report.html" | grep -q '^[3-9]' || fail "report --from: fewer than 3 charts inlined"
"$erpsim" report --from "$tmp/res" "$tiny" >/dev/null 2>&1
[ $? -eq 2 ] || fail "report --from with a scenario is not a usage error"

if [ $failures -gt 0 ]; then
    echo "report_browser.sh: $failures failure(s)" >&2
    exit 1
fi
echo "report_browser.sh: ok"
