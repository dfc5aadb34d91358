"""Documents judged by their content: what a lesson's materials may be (§6.10).

Accepted, by the bytes of the file and never by its name or declared type:

- PDF: opens with ``%PDF-``;
- images: JPEG, PNG, WebP (files.images' signatures), kept as uploaded;
- office documents: Word, Excel and PowerPoint (OOXML: ``.docx``, ``.xlsx``, ``.pptx``) and
  OpenDocument (``.odt``, ``.ods``, ``.odp``). Both are ZIP archives; what kind of document
  one is, is read from the archive's own declaration — OOXML's ``[Content_Types].xml``
  names its main part, OpenDocument's first entry ``mimetype`` holds its type — never
  from its entries' names alone. Macro-enabled documents (``.docm``, ``.xlsm``, a
  ``vbaProject.bin`` part) and any other ZIP are refused.

Only the archive's directory and one small declaration are read: nothing is extracted,
so a "zip bomb" costs nothing. Old binary Office files (``.doc``, ``.xls``, ``.ppt``) are
refused: their container cannot be told apart from other OLE files without parsing it,
and they are where macros hide; staff save them as PDF or the newer formats.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

from files.images import sniff_format

# The most of a declaration read from an archive (a real one is a few kilobytes).
DECLARATION_BYTES = 256 * 1024
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class DocumentFormat:
    extension: str
    content_type: str


PDF = DocumentFormat("pdf", "application/pdf")
_OOXML = "application/vnd.openxmlformats-officedocument."
DOCX = DocumentFormat("docx", _OOXML + "wordprocessingml.document")
XLSX = DocumentFormat("xlsx", _OOXML + "spreadsheetml.sheet")
PPTX = DocumentFormat("pptx", _OOXML + "presentationml.presentation")
_ODF = "application/vnd.oasis.opendocument."
ODT = DocumentFormat("odt", _ODF + "text")
ODS = DocumentFormat("ods", _ODF + "spreadsheet")
ODP = DocumentFormat("odp", _ODF + "presentation")

# The content type an OOXML package declares for its main part → the document it is.
OOXML_MAIN_PARTS = {
    DOCX.content_type + ".main+xml": DOCX,
    XLSX.content_type + ".main+xml": XLSX,
    PPTX.content_type + ".main+xml": PPTX,
}
ODF_TYPES = {fmt.content_type: fmt for fmt in (ODT, ODS, ODP)}
# What a broken or hostile archive may raise while its directory is read.
_ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    KeyError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
)


def sniff_document(head: bytes, file: IO[bytes]) -> DocumentFormat | None:
    """The accepted format of a file whose first bytes are ``head`` (``file`` is read for
    archives: seekable, left at its start), or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    image = sniff_format(head)
    if image is not None:
        return DocumentFormat(image.extension, image.content_type)
    if head.startswith(ZIP_MAGIC):
        try:
            return _office_format(file)
        except _ARCHIVE_ERRORS:
            return None
        finally:
            file.seek(0)
    return None


def _office_format(file: IO[bytes]) -> DocumentFormat | None:
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        names = set(archive.namelist())
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            return None
        if "mimetype" in names:
            declared = _read_small(archive, "mimetype").decode("ascii", "replace").strip()
            return ODF_TYPES.get(declared)
        if "[Content_Types].xml" in names:
            declaration = _read_small(archive, "[Content_Types].xml")
            found = {fmt for part, fmt in OOXML_MAIN_PARTS.items() if part.encode() in declaration}
            return found.pop() if len(found) == 1 else None
    return None


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > DECLARATION_BYTES:
        return b""
    with archive.open(info) as member:
        return member.read(DECLARATION_BYTES)
