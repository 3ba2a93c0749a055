#!/usr/bin/env bash
# serve_browser.sh - the workshop page end to end in headless Chromium (run by
# ctest from the source root as `bash tests/cli/serve_browser.sh ERPSIM`):
# starts `erpsim serve` on a free port with tests/cli/fixtures/workshop.yaml
# (PASS as given, FAIL at 5x) and drives the page through the DevTools
# protocol (tests/cli/serve_browser.py): the first verdict, a refused value
# answered inline, load 5x and the verdict changing, the downloaded YAML
# passing `erpsim check` and `erpsim run` printing the page's verdict, pin,
# back to 1x, both results side by side. Also checks that the page never
# puts text in with innerHTML. Skipped (77) where Chromium or Python 3
# cannot run. SCREENSHOT=path keeps a 1280x800 screenshot (docs/).
set -u
erpsim=${1:?usage: serve_browser.sh ERPSIM}
tmp=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
if grep -n 'innerHTML\|outerHTML\|insertAdjacentHTML\|document.write' cli/serve/page.html; then
    echo "FAIL: the page builds markup from text" >&2
    exit 1
fi
. tests/cli/fixtures/needs.sh
. tests/cli/fixtures/serve.sh
needs python3 || { echo "serve_browser.sh: skipped: python3 not installed"; exit 77; }
chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$chromium" ] || { echo "serve_browser.sh: skipped: chromium not installed"; exit 77; }

serve_start "$erpsim" tests/cli/fixtures/workshop.yaml ||
    { echo "FAIL: serve printed no URL: $(cat "$tmp/err")" >&2; exit 1; }
timeout 300 python3 tests/cli/serve_browser.py "$erpsim" "$url" "$chromium" "$tmp" ${SCREENSHOT:+"$SCREENSHOT"}
rc=$?
serve_stop
[ $rc -eq 0 ] || exit $rc
[ $serve_rc -eq 143 ] || { echo "FAIL: serve exited $serve_rc on SIGTERM, want 143: $(cat "$tmp/err")" >&2; exit 1; }
echo "serve_browser.sh: ok"
