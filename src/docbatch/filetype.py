"""Decide what kind of file a document is, from its bytes first and its name second.

A batch of 100,000 files always holds some that are misnamed: a PDF saved as ``.txt``, HTML
served as ``.xml``, an encrypted workbook that is really an OLE2 container. Sniffing the first
bytes (and, for zip and OLE2 containers, their member names) decides the type; the extension
only breaks ties between formats whose bytes look alike (plain text, CSV, Markdown).
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FILE_TYPES", "FileType", "detect", "from_extension"]


@dataclass(frozen=True, slots=True)
class FileType:
    """A kind of document: short name, MIME type (as ``metadata.filetype``) and extensions."""

    name: str
    mime: str
    extensions: tuple[str, ...] = ()


_TYPES = [
    FileType("pdf", "application/pdf", (".pdf",)),
    FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    FileType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)),
    FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx", ".xlsm")),
    FileType("doc", "application/msword", (".doc",)),
    FileType("ppt", "application/vnd.ms-powerpoint", (".ppt",)),
    FileType("xls", "application/vnd.ms-excel", (".xls",)),
    FileType("msg", "application/vnd.ms-outlook", (".msg",)),
    FileType("ooxml-encrypted", "application/x-ooxml-encrypted", ()),
    FileType("odt", "application/vnd.oasis.opendocument.text", (".odt",)),
    FileType("epub", "application/epub+zip", (".epub",)),
    FileType("zip", "application/zip", (".zip",)),
    FileType("rtf", "text/rtf", (".rtf",)),
    FileType("html", "text/html", (".html", ".htm", ".xhtml")),
    FileType("xml", "application/xml", (".xml",)),
    FileType("eml", "message/rfc822", (".eml",)),
    FileType("json", "application/json", (".json",)),
    FileType("ndjson", "application/x-ndjson", (".ndjson", ".jsonl")),
    FileType("md", "text/markdown", (".md", ".markdown")),
    FileType("rst", "text/x-rst", (".rst",)),
    FileType("org", "text/org", (".org",)),
    FileType("csv", "text/csv", (".csv",)),
    FileType("tsv", "text/tab-separated-values", (".tsv", ".tab")),
    FileType("txt", "text/plain", (".txt", ".text", ".log")),
    FileType("yaml", "application/yaml", (".yaml", ".yml")),
    FileType("xsl", "application/xslt+xml", (".xsl", ".xslt")),
    FileType("png", "image/png", (".png",)),
    FileType("jpg", "image/jpeg", (".jpg", ".jpeg")),
    FileType("tiff", "image/tiff", (".tif", ".tiff")),
    FileType("bmp", "image/bmp", (".bmp",)),
    FileType("gif", "image/gif", (".gif",)),
    FileType("webp", "image/webp", (".webp",)),
    FileType("heic", "image/heic", (".heic", ".heif")),
    FileType("wav", "audio/wav", (".wav",)),
    FileType("empty", "inode/x-empty", ()),
    FileType("unknown", "application/octet-stream", ()),
]

#: Every known file type by short name.
FILE_TYPES: dict[str, FileType] = {t.name: t for t in _TYPES}
_BY_EXTENSION = {ext: t for t in _TYPES for ext in t.extensions}

# Text formats the bytes cannot tell apart: the extension decides among them.
_TEXTUAL = frozenset({"txt", "md", "rst", "org", "csv", "tsv", "yaml", "json", "ndjson", "eml", "html", "xml", "xsl"})

_SNIFF_BYTES = 4096


def from_extension(name: str) -> FileType | None:
    """The file type a name's extension suggests, or None."""
    return _BY_EXTENSION.get(Path(name).suffix.lower())


def detect(path: str | Path, name: str | None = None) -> FileType:
    """Detect the type of the file at ``path``; ``name`` (its original key) gives the extension."""
    path = Path(path)
    by_ext = from_extension(name or path.name)
    with open(path, "rb") as f:
        head = f.read(_SNIFF_BYTES)
    if not head:
        return FILE_TYPES["empty"]
    sniffed = _sniff_magic(head, path)
    if sniffed:
        return FILE_TYPES[sniffed]
    if _looks_binary(head):
        return by_ext if by_ext and by_ext.name not in _TEXTUAL else FILE_TYPES["unknown"]
    sniffed_text = _sniff_text(head)
    if sniffed_text == "html" and (by_ext is None or by_ext.name in ("txt", "xml")):
        return FILE_TYPES["html"]  # a web page saved under a generic name
    if by_ext and by_ext.name in _TEXTUAL:
        return FILE_TYPES["eml"] if by_ext.name == "txt" and _looks_like_email(head) else by_ext
    return FILE_TYPES[sniffed_text]


def _sniff_magic(head: bytes, path: Path) -> str | None:
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _sniff_ole(path)
    if head.startswith(b"{\\rtf"):
        return "rtf"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return "heic"
    return None


_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
]


def _sniff_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mimetype = zf.read("mimetype")[:100].strip()
                if mimetype == b"application/epub+zip":
                    return "epub"
                if mimetype == b"application/vnd.oasis.opendocument.text":
                    return "odt"
    except (
        zipfile.BadZipFile,
        OSError,
        KeyError,
        UnicodeDecodeError,
        ValueError,
        EOFError,
        NotImplementedError,
        zlib.error,
    ):
        return "zip"  # a damaged archive: the partitioner its name suggests, if any, says what is wrong
    if "word/document.xml" in names:
        return "docx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def _sniff_ole(path: Path) -> str:
    """Tell the OLE2 formats apart by the streams they hold."""
    try:
        import olefile

        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(s) for s in ole.listdir(streams=True, storages=True)}
    except Exception:
        return "unknown"
    if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
        return "ooxml-encrypted"
    if "WordDocument" in streams:
        return "doc"
    if "Workbook" in streams or "Book" in streams:
        return "xls"
    if "PowerPoint Document" in streams:
        return "ppt"
    if any(s.startswith("__substg1.0_") or s.startswith("__properties_version1.0") for s in streams):
        return "msg"
    return "unknown"


_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))


def _looks_binary(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False  # a BOM: text in some Unicode encoding
    if b"\x00" in head:
        # UTF-16/32 without a BOM put NULs at regular places between letters; binary does not.
        from docbatch.partition.encoding import nul_pattern_encoding

        return nul_pattern_encoding(head) is None
    control = len(head.translate(None, _NOT_CONTROL))  # the control bytes text never holds
    return control > len(head) * 0.1


def _sniff_text(head: bytes) -> str:
    text = _decode_head(head).lstrip().lower()
    if text.startswith(("<!doctype html", "<html")):
        return "html"
    if text.startswith("<?xml"):
        return "html" if "<html" in text else "xml"
    if text.startswith(("{", "[")):
        return "json"
    if _looks_like_email(head):
        return "eml"
    return "txt"


_EMAIL_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "received",
        "return-path",
        "delivered-to",
        "content-type",
    }
)


def _looks_like_email(head: bytes) -> bool:
    """Text that opens with RFC 5322 header lines, two well-known ones among them, is an email."""
    lines = _decode_head(head).lstrip("\ufeff").replace("\r\n", "\n").split("\n")[:-1]  # the last may be cut
    if lines and lines[0].startswith("From "):
        lines = lines[1:]  # an mbox separator line
    names = []
    for line in lines:
        if not line.strip():
            break
        if line[0] in " \t":
            continue  # a folded header's continuation
        name, sep, _ = line.partition(":")
        if not sep or not name or any(c.isspace() for c in name):
            return False
        names.append(name.lower())
    return sum(n in _EMAIL_HEADERS for n in names) >= 2


def _decode_head(head: bytes) -> str:
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if head.startswith(bom):
            return head.decode(enc, errors="ignore")
    if b"\x00" in head:
        return head.decode("utf-16-le" if head[1:2] == b"\x00" else "utf-16-be", errors="ignore")
    return head.decode("utf-8", errors="ignore")
