"""Reading a PDF the way a person checks one, with the tools a person would use: its text
layer (``pdftotext``: what search and copy-paste get), its pages' sizes (``pdfinfo``), the
pictures in it (``pdfimages``), its pages as pixels (``pdftoppm``) and the QR codes on them
as a scanner reads them (``zbarimg``).

The tools are Debian's ``poppler-utils`` and ``zbar-tools`` (.ci/run installs them); the
tests that use them do not skip without them, they fail saying which package to install.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

PACKAGES = {
    "pdftotext": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "pdfimages": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "zbarimg": "zbar-tools",
}
MM_PER_POINT = 25.4 / 72


@dataclass(frozen=True)
class PdfImage:
    page: int
    width: int  # pixels of the embedded image
    height: int


def _run(tool: str, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
    if shutil.which(tool) is None:
        raise AssertionError(
            f"{tool} is not installed: apt-get install {PACKAGES[tool]} (the PDF tests use it)"
        )
    done = subprocess.run([tool, *args], capture_output=True, timeout=60, check=False)
    if done.returncode not in ok:
        raise AssertionError(f"{tool} failed ({done.returncode}): {done.stderr.decode()[:500]}")
    return done


def _written(data: bytes, directory: str) -> str:
    path = Path(directory) / "document.pdf"
    path.write_bytes(data)
    return str(path)


def pdf_text(data: bytes) -> str:
    """The text layer, as ``pdftotext`` extracts it (UTF-8)."""
    with tempfile.TemporaryDirectory(prefix="redwan-pdf-") as directory:
        return _run("pdftotext", _written(data, directory), "-").stdout.decode()


def pdf_page_sizes(data: bytes) -> list[tuple[float, float]]:
    """Every page's width and height in millimetres."""
    with tempfile.TemporaryDirectory(prefix="redwan-pdf-") as directory:
        out = _run("pdfinfo", "-f", "1", "-l", "100000", _written(data, directory)).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out.decode())
    return [(float(w) * MM_PER_POINT, float(h) * MM_PER_POINT) for w, h in sizes]


def pdf_images(data: bytes) -> list[PdfImage]:
    """The raster images the PDF holds (soft masks left out)."""
    with tempfile.TemporaryDirectory(prefix="redwan-pdf-") as directory:
        out = _run("pdfimages", "-list", _written(data, directory)).stdout.decode()
    found = []
    for line in out.splitlines()[2:]:
        columns = line.split()
        if len(columns) > 4 and columns[2] == "image":
            found.append(PdfImage(int(columns[0]), int(columns[3]), int(columns[4])))
    return found


def render_pages(data: bytes, *, dpi: int = 200) -> list[Image.Image]:
    """Every page as an RGB picture at ``dpi``."""
    with tempfile.TemporaryDirectory(prefix="redwan-pdf-") as directory:
        _run("pdftoppm", "-r", str(dpi), "-png", _written(data, directory), f"{directory}/page")
        pages = sorted(Path(directory).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        return [Image.open(io.BytesIO(page.read_bytes())).convert("RGB") for page in pages]


def qr_codes(picture: Image.Image) -> list[str]:
    """What ``zbarimg`` reads from the QR codes in the picture (one entry per symbol)."""
    with tempfile.TemporaryDirectory(prefix="redwan-qr-") as directory:
        path = Path(directory) / "page.png"
        picture.save(path)
        # Exit code 4: no symbol found.
        done = _run(
            "zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path), ok=(0, 4)
        )
    return [line for line in done.stdout.decode().splitlines() if line]


def crop_mm(picture: Image.Image, box: tuple[float, float, float, float], *, dpi: int):
    """The part of a rendered page inside ``box`` (left, top, width, height in mm): one
    card cut from a sheet, as a scanner would meet it."""
    left, top, width, height = (round(v / 25.4 * dpi) for v in box)
    return picture.crop((left, top, left + width, top + height))
