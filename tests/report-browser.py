#!/usr/bin/env python3
"""Renders ktstr-stats report pages in headless Chromium and checks them.

For each page, over the DevTools protocol (--remote-debugging-pipe, so no
port is opened):
  - nothing is logged as an error: no console.error, no uncaught
    exception, no browser log entry of level error (a failed resource
    load, a CSP or parse problem);
  - nothing is fetched but the page itself (it must be self-contained);
  - every chart the page declares (<meta name="ktstr-charts">) is an
    svg.chart laid out with a non-zero size, and each has at least as
    many rendered marks (circles, rects, lines, polylines with a non-empty
    box) as it says it drew (data-marks);
  - every fill and font-size a chart element sets is what the browser
    renders (a style rule on svg text would override them all);
  - a full-page screenshot is not blank: the browser itself decodes it in
    a canvas and counts the pixels that differ from the page background
    and the distinct colours.
Prints TAP.  With --screenshots DIR each page's screenshot is kept there.
"""

import argparse
import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]

# The page's background (body), which a blank screenshot is all of.
BACKGROUND = (0xF5, 0xF6, 0xF8)
WIDTH = 1200
MAX_HEIGHT = 8000
TIMEOUT_S = 60


class Browser:
    """A Chromium process spoken to over fds 3 (commands) and 4 (replies)."""

    def __init__(self, chromium, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Above 4, so that placing them on 3 and 4 in the child never
        # overwrites one with the other (nor is a no-op that would keep the
        # close-on-exec flag).
        child_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)

        def child_fds():
            # Chromium reads commands on fd 3 and writes replies on fd 4;
            # dup2 makes both inheritable.
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        self.proc = subprocess.Popen(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            # Not close_fds: it would run after child_fds and close 3 and 4;
            # Python opens every other descriptor close-on-exec anyway.
            close_fds=False,
            preexec_fn=child_fds,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(child_r)
        os.close(child_w)
        self.next_id = 0
        self.buffer = b""
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no reply from Chromium")
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method, session, deadline):
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self.events.pop(i)
            self.events.append(self._read_message(deadline))

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


CHARTS_JS = r"""
(() => {
  const meta = document.querySelector('meta[name="ktstr-charts"]');
  const charts = [...document.querySelectorAll('svg.chart')].map((svg) => {
    const box = svg.getBoundingClientRect();
    const marks = [...svg.querySelectorAll('circle, rect, line, polyline')].filter((e) => {
      const b = e.getBBox();
      return b.width > 0 || b.height > 0;
    }).length;
    return { width: box.width, height: box.height, marks: marks,
             declared: Number(svg.getAttribute('data-marks')) };
  });
  // Every fill and font-size a chart element sets must be what renders: a
  // style rule that overrides them silently greys out the verdict colours.
  const probe = document.createElement('canvas').getContext('2d');
  const rgb = (colour) => {
    probe.fillStyle = '#000'; probe.fillStyle = colour;
    const h = probe.fillStyle;
    if (!h.startsWith('#')) return h.replace(/\s+/g, '');
    const n = parseInt(h.slice(1), 16);
    return `rgb(${n >> 16},${(n >> 8) & 255},${n & 255})`;
  };
  const overridden = [];
  for (const e of document.querySelectorAll('svg.chart [fill], svg.chart [font-size]')) {
    const style = getComputedStyle(e);
    const fill = e.getAttribute('fill');
    if (fill && fill !== 'none' && rgb(fill) !== style.fill.replace(/\s+/g, ''))
      overridden.push(`<${e.tagName} fill="${fill}"> renders ${style.fill}`);
    const size = e.getAttribute('font-size');
    if (size && parseFloat(size) !== parseFloat(style.fontSize))
      overridden.push(`<${e.tagName} font-size="${size}"> renders ${style.fontSize}`);
  }
  return JSON.stringify({
    expected: meta ? Number(meta.content) : -1,
    charts: charts,
    overridden: overridden,
    height: document.documentElement.scrollHeight,
  });
})()
"""

PIXELS_JS = r"""
new Promise((resolve, reject) => {
  const img = new Image();
  img.onload = () => {
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    let other = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] !== %d || d[i + 1] !== %d || d[i + 2] !== %d) other++;
      if (colours.size < 5000) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    resolve(JSON.stringify({ width: c.width, height: c.height, other: other,
                             colours: colours.size }));
  };
  img.onerror = () => reject(new Error('the screenshot does not decode'));
  img.src = 'data:image/png;base64,%s';
})
"""


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, name, detail=""):
        self.n += 1
        if not ok:
            self.failed += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {name}")
        for line in detail.splitlines():
            print(f"# {line}")
        sys.stdout.flush()


def evaluate(browser, session, expression, await_promise=False):
    result = browser.send(
        "Runtime.evaluate",
        {"expression": expression, "returnByValue": True, "awaitPromise": await_promise},
        session,
    )
    if "exceptionDetails" in result:
        raise RuntimeError(f"evaluation failed: {result['exceptionDetails']}")
    return json.loads(result["result"]["value"])


def errors_of(events, session, page_url):
    """Console errors, exceptions, error log entries and foreign requests."""
    problems = []
    for e in events:
        if e.get("sessionId") != session:
            continue
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            problems.append(f"console.{params['type']}: {args}")
        elif method == "Runtime.exceptionThrown":
            problems.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            problems.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if url != page_url and not url.startswith("data:"):
                problems.append(f"fetched: {url}")
    return problems


def check_page(browser, path, screenshots=None):
    """Returns [(key, ok, name, detail)] for the page at PATH."""
    name = os.path.basename(path)
    url = "file://" + os.path.abspath(path)
    results = []
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for domain in ("Runtime", "Log", "Page", "Network"):
        browser.send(f"{domain}.enable", {}, session)
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        session,
    )
    browser.events.clear()
    browser.send("Page.navigate", {"url": url}, session)
    browser.wait_event("Page.loadEventFired", session, time.monotonic() + TIMEOUT_S)

    info = evaluate(browser, session, CHARTS_JS)
    charts = info["charts"]
    results.append(
        (
            "count",
            info["expected"] > 0 and len(charts) == info["expected"],
            f"{name}: {len(charts)} charts laid out, the page declares {info['expected']}",
            "",
        )
    )
    empty = [i for i, c in enumerate(charts) if c["width"] <= 0 or c["height"] <= 0]
    short = [
        f"chart {i}: {c['marks']} marks rendered, {c['declared']} drawn"
        for i, c in enumerate(charts)
        if c["declared"] <= 0 or c["marks"] < c["declared"]
    ]
    results.append(("size", not empty, f"{name}: every chart has a size", f"empty: {empty}"))
    results.append(("marks", not short, f"{name}: every chart rendered its marks", "\n".join(short)))
    results.append(
        (
            "styles",
            not info["overridden"],
            f"{name}: every chart colour and text size renders as set",
            "\n".join(info["overridden"][:10]),
        )
    )

    height = min(info["height"], MAX_HEIGHT)
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False},
        session,
    )
    shot = browser.send("Page.captureScreenshot", {"format": "png"}, session)["data"]
    problems = errors_of(browser.events, session, url)
    results.append(
        ("errors", not problems, f"{name}: no console error, exception or fetch", "\n".join(problems))
    )
    if screenshots:
        with open(os.path.join(screenshots, name + ".png"), "wb") as f:
            f.write(base64.b64decode(shot))

    # Decode the screenshot in a blank page, not in the report's.
    browser.send("Page.navigate", {"url": "about:blank"}, session)
    browser.wait_event("Page.loadEventFired", session, time.monotonic() + TIMEOUT_S)
    px = evaluate(browser, session, PIXELS_JS % (*BACKGROUND, shot), await_promise=True)
    share = px["other"] / max(1, px["width"] * px["height"])
    results.append(
        (
            "blank",
            px["width"] == WIDTH and share > 0.05 and px["colours"] > 50,
            f"{name}: the screenshot is not blank ({px['width']}x{px['height']}, "
            f"{share:.0%} not background, {px['colours']} colours)",
            "",
        )
    )
    browser.send("Target.closeTarget", {"targetId": target})
    return results


# Pages the checks must fail: a report page broken one way each, and the
# check that has to catch it.
def broken_pages(good_page, directory):
    with open(good_page, encoding="utf-8") as f:
        page = f.read()
    variants = {
        "console.error": ("errors", page.replace(
            "</body>", "<script>console.error('injected')</script></body>")),
        "an exception": ("errors", page.replace(
            "</body>", "<script>undefined_function()</script></body>")),
        "a fetch": ("errors", page.replace(
            "</main>", "<img alt='' src='http://127.0.0.1:9/pixel.png'></main>")),
        "a chart missing": ("count", page.replace(
            '<meta name="ktstr-charts" content="', '<meta name="ktstr-charts" content="1')),
        "its colours overridden": ("styles", page.replace(
            "</head>", "<style>svg text{fill:#333}</style></head>")),
        "marks not drawn": ("marks", page.replace(
            '<svg class="chart" data-marks="', '<svg class="chart" data-marks="99999', 1)),
        "nothing drawn on it": ("blank", (
            '<!DOCTYPE html><html><head><meta name="ktstr-charts" content="1"></head>'
            '<body style="margin:0;background:#f5f6f8"><svg class="chart" data-marks="1" '
            'width="40" height="20"><rect width="40" height="20" fill="#f5f6f8"/></svg>'
            '</body></html>')),
    }
    out = []
    for what, (key, text) in variants.items():
        path = os.path.join(directory, what.replace(" ", "-").replace(".", "-") + ".html")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        out.append((what, key, path))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--screenshots", help="keep each page's screenshot in this directory")
    parser.add_argument("pages", nargs="+")
    args = parser.parse_args()

    tap = Tap()
    profile = tempfile.mkdtemp(prefix="ktstr-report-chromium-")
    scratch = tempfile.mkdtemp(prefix="ktstr-report-broken-")
    # The smallest page: each broken copy is rendered again.
    broken = broken_pages(min(args.pages, key=os.path.getsize), scratch)
    print(f"1..{6 * len(args.pages) + len(broken)}")
    browser = Browser(args.chromium, profile)
    try:
        for page in args.pages:
            for _key, ok, name, detail in check_page(browser, page, args.screenshots):
                tap.check(ok, name, "" if ok else detail)
        # The checks can fail: each catches the page broken its way.
        for what, key, path in broken:
            verdicts = {k: ok for k, ok, _n, _d in check_page(browser, path)}
            tap.check(not verdicts[key], f"a page with {what} fails the '{key}' check")
    except Exception as e:  # noqa: BLE001 - reported as a failure
        tap.check(False, f"the browser check ran to the end: {e}")
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
