"""serve_browser.py - drives the workshop page of `erpsim serve` in headless
Chromium through its DevTools protocol over a pipe (--remote-debugging-pipe:
JSON messages ending in NUL on fds 3 and 4; no WebSocket library needed).

usage: serve_browser.py ERPSIM URL CHROMIUM TMPDIR [SCREENSHOT.png]
Exit 0 ok, 1 a check failed, 77 Chromium could not be started.
Run by tests/cli/serve_browser.sh, which starts the server.
"""
import base64, json, os, re, subprocess, sys, time

erpsim, url, chromium, tmp = sys.argv[1:5]
shot = sys.argv[5] if len(sys.argv) > 5 else None


class Browser:
    def __init__(self):
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        # the child reads commands on 3, writes answers on 4 (dup2 makes them
        # inheritable; close_fds=False, or Popen would close them again)
        def fds():
            r, w = os.dup(to_r), os.dup(from_w)  # off 3 and 4 first
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.p = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=" + os.path.join(tmp, "profile"), "--remote-debugging-pipe",
             "about:blank"],
            preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(tmp, "chromium.log"), "w"))
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.id = 0
        self.session = None

    def send(self, method, params=None, session=True):
        self.id += 1
        msg = {"id": self.id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        want = self.id
        while True:
            m = self.read()
            if m.get("id") == want:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})

    def read(self):
        while b"\0" not in self.buf:
            chunk = os.read(self.from_r, 1 << 16)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def js(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError("js: %s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait(self, expr, what, seconds=90):
        end = time.time() + seconds
        while time.time() < end:
            v = self.js(expr)
            if v:
                return v
            time.sleep(0.1)
        raise AssertionError("timed out waiting for " + what)


failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def numbers_match(b, panel, out, what):
    """The numbers of a panel's flows and limits tables (p99 and counts;
    limit, peak use and headroom) are written as erpsim run writes them
    (results/res_fmt.c): each row's cells stand, as whole words, on one
    line of its output (a cell found anywhere, "0" say, proves nothing)."""
    rows = b.js("(() => { const t = document.querySelectorAll('#%s table'), r = [];"
                " for (const [k, cols] of [[0, [2, 3, 4]], [1, [2, 3, 4]]])"
                " for (const tr of Array.from(t[k]?.rows || []).slice(1))"
                " r.push(cols.map(i => tr.cells[i].textContent));"
                " return r; })()" % panel)
    lines = out.splitlines()

    def on_line(cells, line):
        return all(re.search(r"(?<![\w.,])" + re.escape(c) + r"(?![\w.,])", line) for c in cells)

    missing = [cells for cells in rows if not any(on_line(cells, line) for line in lines)]
    check(rows and not missing,
          "%s: the page's rows are erpsim run's, not on a line of its output: %r" % (what, missing))


try:
    b = Browser()
    b.send("Browser.getVersion", session=False)
except Exception as e:  # no usable Chromium here
    print("serve_browser: skipped: chromium does not start: %s" % e)
    sys.exit(77)

try:
    target = b.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
    b.session = b.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                       session=False)["sessionId"]
    downloads = os.path.join(tmp, "downloads")
    os.makedirs(downloads)
    b.send("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads},
           session=False)
    # projector size: 1280 x 800 CSS pixels
    b.send("Emulation.setDeviceMetricsOverride",
           {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    b.send("Page.enable")
    b.send("Page.navigate", {"url": url})

    verdict = "document.querySelector('#current .verdict')?.dataset.result"
    run = "Number(document.body.dataset.run || 0)"
    first = b.wait(verdict, "the first verdict")
    check(first == "PASS", "the scenario as given holds (PASS), the page says %s" % first)
    check(b.js("document.querySelectorAll('#current svg path').length") >= 2,
          "the page draws charts")
    check(b.js("document.getElementById('ctl-load')?.value") == "1x",
          "the load control shows the scenario's 1x")

    # a value the loader refuses is answered inline with its message
    n = b.js(run)
    b.js("(() => { const i = document.getElementById('ctl-load'); i.value = 'lots';"
         " i.dispatchEvent(new Event('change')); })()")
    msg = b.wait("document.querySelector('#ctl-load').parentElement.nextSibling.textContent",
                 "the loader's message")
    check("expected a multiplier" in msg, "the loader's message is shown: %r" % msg)
    check(b.js(run) == n, "a refused value does not run")

    # load 5x: the verdict changes
    b.js("(() => { const i = document.getElementById('ctl-load'); i.value = '5x';"
         " i.dispatchEvent(new Event('change')); })()")
    b.wait("%s > %d" % (run, n), "the 5x run")
    five = b.js(verdict)
    check(five == "FAIL", "at 5x the verdict changes to FAIL, the page says %s" % five)
    banner5 = b.js("document.querySelector('#current .verdict').textContent")

    # the scenario downloaded now is the 5x one; erpsim check accepts it and
    # erpsim run on it prints the verdict the page shows
    b.js("document.getElementById('dl-yaml').click()")
    end = time.time() + 30
    files = []
    while time.time() < end:
        files = [f for f in os.listdir(downloads) if f.endswith(".yaml")]
        if files:
            break
        time.sleep(0.1)
    check(len(files) == 1, "one YAML downloaded, got %s" % os.listdir(downloads))
    if files:
        path = os.path.join(downloads, files[0])
        text = open(path, encoding="utf-8").read()
        check("\nload: 5x" in text, "the downloaded scenario has load: 5x")
        c = subprocess.run([erpsim, "check", path], capture_output=True, text=True)
        check(c.returncode == 0, "erpsim check accepts the download: %s" % c.stderr)
        r = subprocess.run([erpsim, "run", path, "--threads", "1"], capture_output=True,
                           text=True)
        line = [l for l in r.stdout.splitlines() if l.startswith("Verdict: ")]
        check(line and line[0] == "Verdict: " + banner5,
              "erpsim run prints the page's verdict: %r vs %r" % (line, banner5))
        run5 = r.stdout

    # pin, change back: both shown side by side
    b.js("document.getElementById('pin').click()")
    n = b.js(run)
    b.js("(() => { const i = document.getElementById('ctl-load'); i.value = '1x';"
         " i.dispatchEvent(new Event('change')); })()")
    b.wait("%s > %d" % (run, n), "the run back at 1x")
    check(b.js(verdict) == "PASS", "back at 1x the verdict is PASS again")
    pinned = b.js("document.querySelector('#pinned .verdict')?.dataset.result")
    check(pinned == "FAIL", "the pinned 5x result is still shown (FAIL), got %s" % pinned)
    check(b.js("document.querySelectorAll('.verdict').length") == 2, "two results side by side")
    check("load=5x" in b.js("document.getElementById('pinned').textContent"),
          "the pinned result says what was changed")
    if files:
        numbers_match(b, "pinned", run5, "5x")
    r = subprocess.run([erpsim, "run", "tests/cli/fixtures/workshop.yaml", "--threads", "1"],
                       capture_output=True, text=True)
    numbers_match(b, "current", r.stdout, "1x")

    if shot:
        png = base64.b64decode(b.send("Page.captureScreenshot", {"format": "png"})["data"])
        open(shot, "wb").write(png)
except Exception as e:
    failures.append(str(e))
    print("FAIL: %s" % e, file=sys.stderr)
finally:
    b.p.kill()
    b.p.wait()

if failures:
    sys.exit(1)
print("serve_browser: ok")
