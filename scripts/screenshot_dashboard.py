"""Browser check of the admin dashboard (issue #11, point 6). Run by .ci/run.

Starts the app on 127.0.0.1 (a throw-away SQLite database, migrate + seed_demo, Daphne
through ``core.serve``), logs in as the demo admin in headless Chromium (Playwright with
the system's /usr/bin/chromium, locale ar-EG), opens the dashboard and downloads a course
attendance report from the course admin, saves screenshots under artifacts/screenshots/,
and fails unless: the page is right-to-left, the SVG chart is there and visible, no
request left 127.0.0.1, and the console reported no Content-Security-Policy violation.

    python scripts/screenshot_dashboard.py            # Playwright in this interpreter
    PROJECT_PYTHON=.venv/bin/python /path/with/playwright/python scripts/screenshot_dashboard.py

The server runs with PROJECT_PYTHON (default: .venv/bin/python of this repository).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from demo_logins import demo_logins  # scripts/ is this script's sys.path[0]
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1"}


def say(text: str) -> None:
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


def demo_login() -> tuple[str, str]:
    """ADMIN_PHONE and DEMO_PASSWORD of users/demo.py."""
    found = demo_logins()
    return found["ADMIN_PHONE"], found["DEMO_PASSWORD"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own 127.0.0.1
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not answer at {url}") from None
            time.sleep(0.3)


def check(condition: bool, message: str, failures: list[str]) -> None:
    say(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def browse(base: str, failures: list[str]) -> None:
    phone, password = demo_login()
    outside: list[str] = []
    csp: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            locale="ar-EG",
            timezone_id="Africa/Cairo",
            viewport={"width": 1280, "height": 1000},
            accept_downloads=True,
        )
        page = context.new_page()

        def on_request(request) -> None:
            host = urlsplit(request.url).hostname
            if (
                request.url.startswith(("http:", "https:", "ws:", "wss:"))
                and host not in LOCAL_HOSTS
            ):
                outside.append(request.url)

        def on_console(message) -> None:
            text = message.text
            if "Content Security Policy" in text or "Refused to" in text:
                csp.append(text)

        page.on("request", on_request)
        page.on("console", on_console)

        page.goto(f"{base}/courses-admin/login/?next=/courses-admin/")
        page.fill("input[name=username]", phone)
        page.fill("input[name=password]", password)
        page.click("input[type=submit]")
        page.wait_for_url(f"{base}/courses-admin/")
        page.wait_for_load_state("networkidle")

        check(page.get_attribute("html", "dir") == "rtl", "the page is right-to-left", failures)
        check(page.get_attribute("html", "lang") == "ar", "the page is in Arabic", failures)
        chart = page.locator("svg#weekly-attendance-chart")
        check(chart.count() == 1, "the SVG chart is on the page", failures)
        check(chart.count() == 1 and chart.is_visible(), "the SVG chart is visible", failures)
        if chart.count() == 1:
            box = chart.bounding_box()
            check(
                bool(box and box["width"] > 100 and box["height"] > 30),
                "the chart has a size",
                failures,
            )
        check(page.locator("#center-dashboard").is_visible(), "today's figures are shown", failures)
        # The demo data (seed_demo's story) gives every part of the dashboard something to
        # show: a lecture today, bars in the chart, requests waiting.
        check(
            page.locator("#weekly-attendance-chart rect.bar").count() > 0,
            "the chart has bars",
            failures,
        )
        check(
            page.locator("#dashboard-lectures tbody tr").count() > 0,
            "today's lectures are listed",
            failures,
        )
        pending = page.locator("#dashboard-pending li").all_inner_texts()
        check(
            len(pending) == 2 and not any(text.rstrip().endswith(" 0") for text in pending),
            f"requests are waiting {pending}",
            failures,
        )
        widths = page.evaluate(
            "() => [document.querySelector('#dashboard-lectures').offsetWidth,"
            " document.querySelector('#center-dashboard').clientWidth]"
        )
        check(widths[0] <= widths[1], f"today's lectures fit their box {widths}", failures)
        check(
            page.locator("#content-main .app-courses").count() == 1,
            "the model list is kept",
            failures,
        )
        page.screenshot(path=str(OUT / "dashboard.png"), full_page=True)
        chart.screenshot(path=str(OUT / "dashboard-chart.png"))

        # A report download: the course admin's "attendance report (CSV)" on the first course.
        page.goto(f"{base}/courses-admin/courses/course/")
        page.locator("input.action-select").first.check()
        page.select_option("select[name=action]", "attendance_report_csv")
        page.screenshot(path=str(OUT / "course-changelist.png"), full_page=True)
        with page.expect_download() as info:
            page.click("button[name=index]")
        download = info.value
        target = OUT / download.suggested_filename
        download.save_as(str(target))
        body = target.read_bytes()
        check(
            download.suggested_filename.endswith("-attendance.csv"),
            f"the report has a meaningful name ({download.suggested_filename})",
            failures,
        )
        check(body.startswith(b"\xef\xbb\xbf"), "the CSV starts with a BOM", failures)
        check("الاسم" in body.decode("utf-8-sig"), "the CSV header is in Arabic", failures)
        browser.close()
    check(not outside, f"no request left 127.0.0.1 {outside[:5]}", failures)
    check(not csp, f"no Content-Security-Policy violation {csp[:5]}", failures)


def main() -> int:
    if not Path(CHROMIUM).exists():
        say(f"{CHROMIUM} is missing")
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    python = os.environ.get("PROJECT_PYTHON") or str(ROOT / ".venv" / "bin" / "python")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="redwan-browser-") as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DEBUG": "1",
            "SQLITE_PATH": str(Path(tmp) / "db.sqlite3"),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        }
        for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
            subprocess.run(  # noqa: S603
                [python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
            )
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 - closed below
        server = subprocess.Popen(  # noqa: S603
            [
                python,
                "-m",
                "core.serve",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "core.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        failures: list[str] = []
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/courses-admin/login/")
            browse(base, failures)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
        if failures:
            say((Path(tmp) / "server.log").read_text(errors="replace")[-3000:])
    say(f"screenshots in {OUT}")
    if failures:
        say(f"BROWSER CHECK FAILED: {len(failures)} problem(s)")
        return 1
    say("browser check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
