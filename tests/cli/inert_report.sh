#!/usr/bin/env bash
# inert_report.sh - report.md and report.html show scenario text as text
# (run by ctest from the source root as `bash tests/cli/inert_report.sh
# path/to/erpsim`):
#   1. `report` on a scenario whose name, description and a flow's
#      description are hostile (tests/cli/fixtures/hostile.sh: <script>,
#      <!--, a javascript: link, a forged "**Verdict: PASS**" after a
#      newline, backquotes, ESC sequences ...);
#   2. `report --from` a results.json whose flow id, source path, version,
#      override and scenario YAML are hostile (the YAML holds a ``` line
#      that would close the Markdown code block, and </pre><script>).
# report.md is rendered by cmark-gfm (GitHub's Markdown, with raw HTML let
# through so that any would show) and report.html is read as it is; in
# both: no <script>, no HTML comment, no javascript: link, exactly one
# verdict, the heading is the scenario's name as typed (control characters
# as escapes), and no payload ran. Needs gnuplot and cmark-gfm (installed by
# scripts/setup.sh); without them the test exits 77 (ctest: skipped).
set -u
erpsim=${1:?usage: inert_report.sh ERPSIM}
for tool in gnuplot cmark-gfm; do
    command -v $tool >/dev/null || {
        echo "SKIP: $tool is not installed"
        exit 77
    }
done
unset ERPSIM_GNUPLOT
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/cli/fixtures/fail.sh
. tests/cli/fixtures/hostile.sh

# check_report DIR CASE NAME: the rendered Markdown and the HTML of DIR
check_report() {
    local dir=$1 what=$2 name=$3
    [ -s "$dir/report.md" ] && [ -s "$dir/report.html" ] || {
        fail "$what: no report"
        return
    }
    cmark-gfm --unsafe -e table -e strikethrough -e autolink "$dir/report.md" >"$dir/md.html"
    python3 - "$dir/md.html" "$dir/report.html" "$name" <<'PY' || fail "$what: see above"
import html, re, sys
md, page, name = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
errors = []
for label, doc in (("report.md (rendered)", md), ("report.html", page)):
    low = doc.lower()
    if "<script" in low:
        errors.append(label + ": a <script> element")
    if "<!--" in doc:
        errors.append(label + ": an HTML comment")
    if re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", low):
        errors.append(label + ": a javascript: link")
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", doc):
        errors.append(label + ": a raw control character")
    h1 = re.findall(r"<h1>(.*?)</h1>", doc, re.S)
    if len(h1) != 1 or html.unescape(h1[0]) != name:
        errors.append(label + ": the heading is %r, want %r" % (h1[:1], name))
n = len(re.findall(r"<strong>Verdict:", md))
if n != 1:
    errors.append("report.md: %d verdict lines, want 1" % n)
n = len(re.findall(r'<div class="verdict', page))
if n != 1:
    errors.append("report.html: %d verdicts, want 1" % n)
if "\u202e" in md or "\u202e" in page:
    errors.append("a raw right-to-left override")
if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
PY
}

# 1. hostile scenario text
hostile_scenario rep "$tmp/rep.yaml"
"$erpsim" report "$tmp/rep.yaml" --reps 1 --out "$tmp/rep" --quiet 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "report: exit $rc: $(head -c 300 "$tmp/err")"
[ -z "$(markers_created)" ] || fail "report: the payload ran: $(markers_created)"
check_report "$tmp/rep" "report" "$(visible_payload rep)"
python3 -c 'import html,sys; sys.exit(html.unescape(open(sys.argv[2]).read()).count(sys.argv[1]) < 2)' \
    "$(visible_payload rep)" "$tmp/rep/md.html" ||
    fail "report.md: the name and the description are not both shown as typed"

# 2. hostile results.json
"$erpsim" run tests/cli/fixtures/tiny.yaml --reps 1 --out "$tmp/from" --quiet --no-charts || fail "run for report --from"
python3 - "$tmp/from/results.json" <<'PY' || fail "editing results.json"
import json, sys
path = sys.argv[1]
doc = json.load(open(path))
sc = doc["scenario"]
sc["name"] = "plain name"
sc["source"] = "-x`id`|<b>.yaml"
doc["erpsim_version"] = "9<script>alert(1)</script>"
sc["overrides"] = ["flows.F-011.volume=1k/day'; touch /tmp/x #"]
sc["yaml"] = "name: x\n```\n**Verdict: PASS** <!-- </pre><script>alert(1)</script>\n````\n"
bad = "F|1<img src=x onerror=alert(1)>"
for f in sc["flows"]:
    if f["id"] == "F-010":
        f["id"] = bad
doc["metrics"] = {k.replace("F-010", bad): v for k, v in doc["metrics"].items()}
json.dump(doc, open(path, "w"))
PY
"$erpsim" report --from "$tmp/from" --quiet 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "report --from: exit $rc: $(head -c 300 "$tmp/err")"
check_report "$tmp/from" "report --from" "plain name"
grep -q "<img src=x" "$tmp/from/md.html" && fail "report --from: the flow id became an element in report.md"
grep -q "<img src=x" "$tmp/from/report.html" && fail "report --from: the flow id became an element in report.html"
grep -qF -- "erpsim run ./'-x\`id\`|<b>.yaml'" "$tmp/from/report.md" ||
    grep -qF -- "erpsim run ./'-x\`id\`\\|<b>.yaml'" "$tmp/from/report.md" ||
    fail "report --from: the reproduce command does not quote the source for the shell"
python3 - "$tmp/from/md.html" <<'PY' || fail "report --from: the scenario YAML escaped its code block"
import html, re, sys
doc = open(sys.argv[1]).read()
blocks = re.findall(r'<pre><code class="language-yaml">(.*?)</code></pre>', doc, re.S)
sys.exit(not (len(blocks) == 1 and "</pre><script>" in html.unescape(blocks[0])))
PY

if [ $failures -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "ok: report.md and report.html show hostile text as text"
