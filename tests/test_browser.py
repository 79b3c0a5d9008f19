"""The HTML reports in a real browser: Debian's chromium, driven by Playwright
(no browser download; `.ci/run` installs chromium with apt). Every example's
audit report and one what-if comparison are opened headless at 1280 px and at a
phone's width; the test fails on any console error or failed request, on a
page wider than the phone, or when a headline figure on the page is not the
JSON result's. Screenshots (and a PDF of the print stylesheet) are saved under
out/browser/ (gitignored) as the run's artifacts.

Chromium here has no network: every request other than the file itself fails
the test, which is how "self-contained" is checked."""
import json
import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, run_cli

CHROMIUM = os.environ.get("RECAPTURE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "out" / "browser"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _browser_or_skip():
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"no chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python is not installed (pip install -e '.[test]')")
    if missing:
        if os.environ.get("CI"):
            pytest.fail("the browser test must run in CI: " + "; ".join(missing))
        pytest.skip("; ".join(missing))


@pytest.fixture(scope="module")
def browser():
    _browser_or_skip()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        with tempfile.TemporaryDirectory(prefix="recapture-chromium-") as profile:
            ctx = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True,
                                                       args=FLAGS, viewport={"width": 1280, "height": 900})
            try:
                yield ctx
            finally:
                ctx.close()


def _money(v) -> str:
    return f"{Decimal(str(v)):,.2f}"


def _open(ctx, path: Path, width: int, height: int):
    """Open a report; returns (page, problems): console errors, page errors and any request at all
    other than the file (a self-contained page makes none)."""
    page = ctx.new_page()
    page.set_viewport_size({"width": width, "height": height})
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
    url = path.resolve().as_uri()
    page.on("request", lambda r: problems.append(f"request for {r.url}") if r.url != url else None)
    page.goto(url, wait_until="load")
    return page, problems


def _figures(page, scope="") -> dict:
    return page.evaluate("""(scope) => Object.fromEntries([...document.querySelectorAll(scope + '[data-figure]')]
        .filter(e => !e.dataset.scenario).map(e => [e.dataset.figure, [e.dataset.value, e.textContent.trim()]]))""", scope)


def _page_width(page):
    return page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")


def _expected_headline(result: dict) -> dict:
    t = result["tax"]
    out = {k: t[k] for k in ("tax_due_to_dispositions", "total_tax", "total_tax_without_dispositions",
                             "regular_tax", "niit")}
    disposed = [p for p in result["properties"] if p["disposition_type"] != "none"]
    for key in ("realized_gain", "recognized_gain", "deferred_gain"):
        total = sum(Decimal(str(p[key] or 0)) for p in disposed)
        if total:
            out[key] = total
    for c in disposed[0]["components"] if disposed else []:
        total = sum(Decimal(str(p["components"][c])) for p in disposed)
        if any(p["components"][c] for p in disposed):
            out[c] = total
    return out


def test_every_example_report_in_chromium(browser, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    from recapture import api
    examples = sorted(EXAMPLES.glob("*.yaml"))
    assert examples
    for example in examples:
        result = api.evaluate(example)
        expected = _expected_headline(json.loads(result.to_json()))
        html = ARTIFACTS / f"{example.stem}.html"
        html.write_text(result.explain("html"), encoding="utf-8")
        for width, height, tag in ((1280, 900, "1280"), (390, 844, "phone")):
            page, problems = _open(browser, html, width, height)
            try:
                assert problems == [], f"{example.name} at {tag}: {problems}"
                shown = _figures(page)
                for key, value in expected.items():
                    assert key in shown, f"{example.name}: the page shows no {key}"
                    data, text = shown[key]
                    assert Decimal(data) == Decimal(str(value)), f"{example.name}: {key} {data} != {value}"
                    assert text == _money(value), f"{example.name}: {key} reads {text!r}, not {_money(value)!r}"
                scroll, client = _page_width(page)
                assert scroll <= client, f"{example.name} at {tag}: the page is {scroll}px wide in a {client}px window"
                assert page.locator("section.headline").bounding_box()["y"] < height, "the headline is not on the first screen"
                page.screenshot(path=str(ARTIFACTS / f"{example.stem}-{tag}.png"), full_page=(tag == "1280"))
                if tag == "1280" and example.stem == "exchange-with-boot":
                    # the trace is collapsed on screen, and the print stylesheet prints it open
                    visible = "() => document.querySelector('#trace details .body').checkVisibility()"
                    assert page.evaluate(visible) is False
                    page.emulate_media(media="print")
                    assert page.evaluate(visible) is True
                    page.pdf(path=str(ARTIFACTS / f"{example.stem}-print.pdf"))
            finally:
                page.close()


def test_a_comparison_in_chromium(browser, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    example = EXAMPLES / "exchange-with-boot.yaml"
    html = ARTIFACTS / "whatif-exchange-with-boot.html"
    code, _, err = run_cli("whatif", example, "--strategies", "--format", "html", "--output", html)
    assert code == 0, err
    from recapture import api
    from recapture.compare import comparison, render
    rows = api.whatif(example, strategies="all", keep_results=False)
    scenarios = json.loads(render(comparison(rows, api.library(), str(example)), "json"))["scenarios"]
    for width, height, tag in ((1280, 900, "1280"), (390, 844, "phone")):
        page, problems = _open(browser, html, width, height)
        try:
            assert problems == [], f"comparison at {tag}: {problems}"
            cells = page.evaluate("""() => [...document.querySelectorAll('td[data-scenario][data-figure]')]
                .map(e => [e.dataset.scenario, e.dataset.figure, e.dataset.value, e.textContent.trim()])""")
            shown = {(int(n), f): (v, t) for n, f, v, t in cells}
            for n, s in enumerate(scenarios, 1):
                assert s["error"] is None
                v, t = shown[(n, "total_tax")]
                assert Decimal(v) == Decimal(str(s["totals"]["total_tax"])) and t == _money(s["totals"]["total_tax"])
                v, t = shown[(n, "tax_due_to_dispositions")]
                assert Decimal(v) == Decimal(str(s["totals"]["tax_due_to_dispositions"]))
                v, t = shown[(n, "difference")]
                assert Decimal(v) == Decimal(str(s["difference"])) and t == s["difference_text"]
            scroll, client = _page_width(page)
            assert scroll <= client, f"comparison at {tag}: {scroll}px wide in a {client}px window"
            page.screenshot(path=str(ARTIFACTS / f"whatif-exchange-with-boot-{tag}.png"), full_page=(tag == "1280"))
        finally:
            page.close()
