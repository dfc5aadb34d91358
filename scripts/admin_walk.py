"""Browser walk of the whole admin site, on a desk (1366 px) and a phone (390 px). Run by CI.

Starts the app on 127.0.0.1 (a throw-away SQLite database, migrate + seed_demo, Daphne
through ``core.serve``), lists the admin's pages from the running configuration
(scripts/admin_pages.py: the dashboard, every model's change list, add form and first
object's change form, the app pages, any page a model admin or the site adds), and opens
each one in headless Chromium (Playwright with the system's /usr/bin/chromium, locale
ar-EG, Cairo time) logged in as the demo admin, once per width. A full-page screenshot of
every page goes to artifacts/screenshots/<page>-<width>.png.

A page fails on: an HTTP status of 400 or more (the page or anything it loads), an error
in the console or an uncaught script error, a Content-Security-Policy violation, a
request to anything but 127.0.0.1, or the page itself wider than the window
(``document.scrollingElement.scrollWidth > innerWidth + 1``; a wide table scrolling inside
its own box is fine). The dashboard is also checked as the center's staff see it (right
to left, in Arabic, the SVG chart visible with bars, today's lectures inside their box,
requests waiting), and a course attendance report is downloaded from the course admin.
Every failure is listed and the exit status is 1.

    python scripts/admin_walk.py                      # Playwright in this interpreter
    python scripts/admin_walk.py --width 390 --only course
    python scripts/admin_walk.py --object-pages       # each first object's history and delete too
    python scripts/admin_walk.py --failing-screenshots   # screenshots of failing pages only (CI)
    PROJECT_PYTHON=.venv/bin/python /path/with/playwright/python scripts/admin_walk.py

The server runs with PROJECT_PYTHON (default: .venv/bin/python of this repository).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # the repository: testkit
from demo_logins import demo_logins  # noqa: E402 - scripts/ is this script's sys.path[0]
from playwright.async_api import async_playwright  # noqa: E402

from testkit.servers import free_port, stop_process, wait_for  # noqa: E402

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
WIDTHS = {1366: 900, 390: 844}  # width: window height
TABS_PER_WIDTH = 2

# Elements sticking out of the window, for the overflow message: the deepest ones whose
# box passes either edge and that no scrolling (or clipping) box of their own contains.
OVERFLOW_JS = """
() => {
  const width = window.innerWidth;
  const page = document.scrollingElement.scrollWidth;
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const x = getComputedStyle(up).overflowX;
      if (x !== 'visible') return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].slice(0, 2).join('.') : '');
  const out = [];
  if (page > width + 1) {
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || (box.right <= width + 1 && box.left >= -1)) continue;
      if (clipped(el)) continue;
      const child = [...el.children].some((c) => {
        const b = c.getBoundingClientRect();
        return b.width > 0 && (b.right > width + 1 || b.left < -1);
      });
      if (!child) {
        const path = [];
        for (let up = el; up && up !== document.body && path.length < 4; up = up.parentElement)
          path.unshift(name(up));
        out.push(path.join(' > ') + ' [' + Math.round(box.left) + '..' + Math.round(box.right) + ']');
      }
      if (out.length >= 4) break;
    }
  }
  return {page, width, out};
}
"""


def say(text: str) -> None:
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


@dataclass
class Walk:
    base: str
    pages: list[dict]
    widths: list[int]
    failures: list[str] = field(default_factory=list)
    visited: int = 0
    only: bool = False  # a part of the walk (--only): no report download
    all_screenshots: bool = True  # False (--failing-screenshots): only of the failing pages

    def check(self, condition: bool, message: str) -> None:
        if not condition:
            self.failures.append(message)
            say(f"FAIL {message}")


# --- one page ----------------------------------------------------------------------------------


def watch(page, walk: Walk, problems: list[str]) -> None:
    """Collect what goes wrong while ``page`` loads into ``problems``."""

    def on_request(request) -> None:
        host = urlsplit(request.url).hostname
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOCAL_HOSTS:
            problems.append(f"request outside 127.0.0.1: {request.url}")

    def on_response(response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status} {urlsplit(response.url).path}")

    def on_console(message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            problems.append(f"CSP violation: {text[:300]}")
        elif message.type == "error":
            where = message.location.get("url") or ""
            problems.append(f"console error: {text[:300]} {where}".rstrip())

    page.on("request", on_request)
    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"[:300]))


async def visit(tab, walk: Walk, spec: dict, width: int, problems: list[str]) -> None:
    problems.clear()
    url = walk.base + spec["url"]
    response = await tab.goto(url, wait_until="load")
    if response is None:
        problems.append("no response")
    landed = urlsplit(tab.url).path
    if not spec["logged_out"] and landed.endswith("/login/"):
        problems.append(f"sent to the login page ({tab.url})")
    overflow = await tab.evaluate(OVERFLOW_JS)
    if overflow["page"] > overflow["width"] + 1:
        problems.append(
            f"the page is wider than the window: {overflow['page']} > {overflow['width']} px; "
            + "; ".join(overflow["out"])
        )
    if spec["kind"] == "index":
        await check_dashboard(tab, width, problems)
    if walk.all_screenshots or problems:
        await tab.screenshot(path=str(OUT / f"{spec['name']}-{width}.png"), full_page=True)
    walk.visited += 1
    for problem in dict.fromkeys(problems):
        walk.check(False, f"{spec['name']} @{width}: {problem}")


async def check_dashboard(tab, width: int, problems: list[str]) -> None:
    """The dashboard as the staff see it; the demo data gives every part something to show."""

    async def expect(condition: bool, message: str) -> None:
        if not condition:
            problems.append(message)

    await expect(await tab.get_attribute("html", "dir") == "rtl", "the page is not right-to-left")
    await expect(await tab.get_attribute("html", "lang") == "ar", "the page is not in Arabic")
    # The chart is drawn twice: columns for a desk, a line per week for a phone (the
    # stylesheet shows the one that fits the width).
    chart_id = (
        "weekly-attendance-chart" if width == max(WIDTHS) else "weekly-attendance-chart-narrow"
    )
    chart = tab.locator(f"svg#{chart_id}")
    visible = await chart.count() == 1 and await chart.is_visible()
    await expect(visible, f"the SVG chart ({chart_id}) is missing or hidden")
    if visible:
        box = await chart.bounding_box()
        await expect(
            bool(box and box["width"] > 100 and box["height"] > 30), "the chart has no size"
        )
        if width == max(WIDTHS):
            await chart.screenshot(path=str(OUT / "dashboard-chart.png"))
    await expect(
        await tab.locator(f"#{chart_id} rect.bar, #{chart_id} rect.hbar").count() > 0,
        "the chart has no bars",
    )
    await expect(await tab.locator("#center-dashboard").is_visible(), "today's figures are hidden")
    await expect(
        await tab.locator("#dashboard-lectures tbody tr").count() > 0, "no lecture listed today"
    )
    pending = await tab.locator("#dashboard-pending li").all_inner_texts()
    # Enrollment requests (of which for online courses) and refund requests: the demo data
    # has on-site requests and a refund waiting, no online request.
    waiting = [pending[0], pending[-1]] if len(pending) == 3 else pending
    await expect(
        len(pending) == 3 and not any(text.rstrip().endswith(" 0") for text in waiting),
        f"no requests waiting {pending}",
    )
    if width == max(WIDTHS):
        widths = await tab.evaluate(
            "() => [document.querySelector('#dashboard-lectures').offsetWidth,"
            " document.querySelector('#center-dashboard').clientWidth]"
        )
        await expect(widths[0] <= widths[1], f"today's lectures overflow their box {widths}")
    await expect(
        await tab.locator("#content-main .app-courses").count() == 1, "the model list is missing"
    )


async def download_report(context, walk: Walk) -> None:
    """The course admin's "attendance report (CSV)" action on the first course."""
    tab = await context.new_page()
    problems: list[str] = []
    watch(tab, walk, problems)
    await tab.goto(f"{walk.base}/courses-admin/courses/course/")
    await tab.locator("input.action-select").first.check()
    await tab.select_option("select[name=action]", "attendance_report_csv")
    async with tab.expect_download() as info:
        await tab.click("button[name=index]")
    download = await info.value
    target = OUT / download.suggested_filename
    await download.save_as(str(target))
    body = target.read_bytes()
    name = download.suggested_filename
    walk.check(name.endswith("-attendance.csv"), f"report: a meaningless file name ({name})")
    walk.check(body.startswith(b"\xef\xbb\xbf"), "report: the CSV has no BOM")
    walk.check("الاسم" in body.decode("utf-8-sig"), "report: the CSV header is not in Arabic")
    for problem in dict.fromkeys(problems):
        walk.check(False, f"report: {problem}")
    await tab.close()


def demo_png(width: int = 240, height: int = 160) -> bytes:
    """A small PNG (a colour gradient) made without any imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    rows = b"".join(
        b"\x00" + b"".join(bytes((40 + x * 180 // width, 90 + y, 160)) for x in range(width))
        for y in range(height)
    )
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def upload_photo(context, walk: Walk, spec: dict, width: int) -> None:
    """A child's photo as the staff put it: picked with the page's own button, saved, and
    shown from its signed URL on the change page and in the list."""
    tab = await context.new_page()
    problems: list[str] = []
    watch(tab, walk, problems)
    await tab.goto(walk.base + spec["url"])
    await tab.set_input_files(
        "input[name=photo_upload]",
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": demo_png()}],
    )
    chosen = await tab.locator(".photo-picker-name").inner_text()
    walk.check(chosen == "photo.png", f"photo: the picker shows {chosen!r}, not the file's name")
    async with tab.expect_navigation():
        await tab.click("input[name=_continue]")
    shown = "(img) => img.complete && img.naturalWidth > 0"
    photo = tab.locator("img.admin-photo")
    walk.check(
        await photo.count() == 1 and await photo.evaluate(shown),
        "photo: the saved photo is not shown on the child's page",
    )
    await tab.screenshot(path=str(OUT / f"users_child_photo-{width}.png"), full_page=True)
    await tab.goto(walk.base + spec["url"].rsplit("/", 3)[0] + "/")  # …/child/<id>/change/
    thumbnail = tab.locator("img.admin-photo-thumbnail")
    walk.check(
        await thumbnail.count() >= 1 and await thumbnail.first.evaluate(shown),
        "photo: no thumbnail in the children's list",
    )
    await tab.screenshot(path=str(OUT / f"users_child_photo_list-{width}.png"), full_page=True)
    for problem in dict.fromkeys(problems):
        walk.check(False, f"photo: {problem}")
    await tab.close()


IMPORT_CSV = (
    "\ufeffparent_phone,parent_first_name,parent_last_name,child_first_name,child_last_name,"
    "child_dob,child_gender,course\n"
    "01099990001,أحمد,علي,سارة,علي,2016-05-01,أنثى,\n"
    "12345,منى,حسن,يوسف,حسن,2030-01-01,ذكر,no-such-course\n"
)


async def preview_import(context, walk: Walk, spec: dict, width: int) -> None:
    """A families file previewed as the office does it: chosen with the page's own file
    input, one row new and one with errors, shown row by row inside the window; nothing
    is confirmed (the demo data stays as it is)."""
    tab = await context.new_page()
    problems: list[str] = []
    watch(tab, walk, problems)
    await tab.goto(walk.base + spec["url"])
    await tab.check("input[name=kind][value=families]")
    await tab.set_input_files(
        "input[name=file]",
        files=[{"name": "families.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV.encode()}],
    )
    async with tab.expect_navigation():
        await tab.click("#import-upload input[type=submit]")
    outcomes = await tab.eval_on_selector_all(
        "#import-rows tbody tr", "(rows) => rows.map((row) => row.className)"
    )
    walk.check(
        outcomes == ["outcome-new", "outcome-error"],
        f"import @{width}: the preview shows {outcomes}, not a new row and a row with errors",
    )
    walk.check(
        await tab.locator("#import-confirm").count() == 0,
        f"import @{width}: a file with an error offers the confirm button",
    )
    overflow = await tab.evaluate(OVERFLOW_JS)
    if overflow["page"] > overflow["width"] + 1:
        problems.append(f"the preview is wider than the window: {'; '.join(overflow['out'])}")
    await tab.screenshot(path=str(OUT / f"people_import_preview-{width}.png"), full_page=True)
    for problem in dict.fromkeys(problems):
        walk.check(False, f"import @{width}: {problem}")
    await tab.close()


# --- one width ---------------------------------------------------------------------------------


async def walk_width(browser, walk: Walk, width: int) -> None:
    phone, password = demo_login()
    context = await browser.new_context(
        locale="ar-EG",
        timezone_id="Africa/Cairo",
        viewport={"width": width, "height": WIDTHS.get(width, 900)},
        accept_downloads=width == max(WIDTHS),
    )
    tab = await context.new_page()
    problems: list[str] = []
    watch(tab, walk, problems)
    for spec in (s for s in walk.pages if s["logged_out"]):
        await visit(tab, walk, spec, width, problems)
    await tab.goto(f"{walk.base}/courses-admin/login/?next=/courses-admin/")
    await tab.fill("input[name=username]", phone)
    await tab.fill("input[name=password]", password)
    await tab.click("input[type=submit]")
    await tab.wait_for_url(f"{walk.base}/courses-admin/")

    queue: asyncio.Queue = asyncio.Queue()
    for spec in walk.pages:
        if not spec["logged_out"]:
            queue.put_nowait(spec)

    async def worker(tab) -> None:
        problems: list[str] = []
        watch(tab, walk, problems)
        while not queue.empty():
            spec = queue.get_nowait()
            try:
                await visit(tab, walk, spec, width, problems)
            except Exception as exc:  # noqa: BLE001 - a page that breaks the walk is a failure
                if "Download is starting" in str(exc):  # a file, not a page: nothing to see
                    say(f"{spec['name']} @{width}: a download")
                    continue
                walk.check(False, f"{spec['name']} @{width}: {type(exc).__name__}: {exc}"[:400])

    tabs = [tab] + [await context.new_page() for _ in range(TABS_PER_WIDTH - 1)]
    await asyncio.gather(*(worker(t) for t in tabs))
    if width == max(WIDTHS) and walk.pages and not walk.only:
        await download_report(context, walk)
    child_page = next((s for s in walk.pages if s["name"] == "users_child_change"), None)
    if width == max(WIDTHS) and child_page is not None:
        await upload_photo(context, walk, child_page, width)
    import_page = next((s for s in walk.pages if s["name"] == "people_import"), None)
    if import_page is not None:
        await preview_import(context, walk, import_page, width)
    await context.close()


def demo_login() -> tuple[str, str]:
    """ADMIN_PHONE and DEMO_PASSWORD of users/demo.py."""
    found = demo_logins()
    return found["ADMIN_PHONE"], found["DEMO_PASSWORD"]


async def browse(walk: Walk) -> None:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        await asyncio.gather(*(walk_width(browser, walk, width) for width in walk.widths))
        await browser.close()


# --- the server --------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--width", type=int, action="append", help="only this width (repeatable)")
    parser.add_argument("--only", help="only the pages whose name contains this text")
    parser.add_argument(
        "--object-pages", action="store_true", help="also each first object's history and delete"
    )
    parser.add_argument(
        "--failing-screenshots",
        action="store_true",
        help="a screenshot of a page only when it fails (CI: a third of the walk's time)",
    )
    return parser.parse_args()


def list_pages(python: str, env: dict, args: argparse.Namespace) -> list[dict]:
    """Migrate, seed the demo data and list the admin's pages (scripts/admin_pages.py)."""
    command = [python, str(ROOT / "scripts" / "admin_pages.py"), "--seed"]
    if args.object_pages:
        command.append("--object-pages")
    listing = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
    if listing.returncode != 0:
        say(listing.stderr[-3000:])
        raise SystemExit("scripts/admin_pages.py --seed failed")
    found = json.loads(listing.stdout)
    for route in found["not_walked"]:
        say(f"not walked: {route}")
    return [page for page in found["pages"] if not args.only or args.only in page["name"]]


def main() -> int:
    args = arguments()
    if not Path(CHROMIUM).exists():
        say(f"{CHROMIUM} is missing")
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.only and not args.width:
        for old in OUT.glob("*.png"):  # a page renamed or gone leaves no stale picture
            old.unlink()
    started = time.monotonic()
    python = os.environ.get("PROJECT_PYTHON") or str(ROOT / ".venv" / "bin" / "python")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="redwan-browser-") as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DEBUG": "1",
            "SQLITE_PATH": str(Path(tmp) / "db.sqlite3"),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "MEDIA_ROOT": str(Path(tmp) / "media"),
        }
        log_path = Path(tmp) / "server.log"
        with open(log_path, "wb") as log:
            # The server starts while the database is made: it reads it only when asked.
            server = subprocess.Popen(  # noqa: S603
                [python, "-m", "core.serve", "-b", "127.0.0.1", "-p", str(port)]
                + ["core.asgi:application"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                pages = list_pages(python, env, args)
                widths = args.width or list(WIDTHS)
                walk = Walk(
                    f"http://127.0.0.1:{port}",
                    pages,
                    widths,
                    only=bool(args.only),
                    all_screenshots=not args.failing_screenshots,
                )
                say(
                    f"{len(pages)} pages x {len(widths)} widths ({time.monotonic() - started:.1f} s)"
                )
                url = f"{walk.base}/courses-admin/login/"
                if not wait_for(url, 30):
                    raise SystemExit(f"the server did not answer at {url}")
                asyncio.run(browse(walk))
            finally:
                stop_process(server)
        if walk.failures:
            say(log_path.read_text(errors="replace")[-3000:])
    say(f"{walk.visited} page views in {time.monotonic() - started:.1f} s; screenshots in {OUT}")
    if walk.failures:
        say(f"ADMIN WALK FAILED: {len(walk.failures)} problem(s)")
        for failure in walk.failures:
            say(f"  - {failure}")
        return 1
    say("admin walk passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
