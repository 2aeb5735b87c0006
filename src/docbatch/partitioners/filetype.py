"""Decide what kind of file a document is, from its bytes first and its name second.

A batch of 100,000 files always holds some that are misnamed: a PDF saved as ``.txt``, HTML
served as ``.xml``, an encrypted workbook that is really an OLE2 container. Sniffing the first
bytes (and, for zip and OLE2 containers, their member names) decides the type; the extension
only breaks ties between formats whose bytes look alike (plain text, CSV, Markdown).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

from docbatch.partitioners import zipreuse
from docbatch.partitioners.formats import FORMATS, FileType, by_name

__all__ = ["FILE_TYPES", "FileType", "detect", "ebcdic_markup", "from_extension", "nul_pattern_encoding"]

#: Every declared file type by short name (see :mod:`docbatch.partitioners.formats`).
FILE_TYPES: dict[str, FileType] = {t.name: t for t in FORMATS}
_BY_EXTENSION = {ext: t for t in FORMATS for ext in t.extensions}
_MAGIC = [(magic, t) for t in FORMATS for magic in t.magic]
_BY_ZIP_MIMETYPE = {t.zip_mimetype: t for t in FORMATS if t.zip_mimetype}
_BY_CONTENT_TYPE = {ct: t for t in FORMATS for ct in t.content_types}
_BY_ZIP_MEMBER = {t.zip_member: t for t in reversed(FORMATS) if t.zip_member}  # the first declared wins
_OLE_FORMATS = [t for t in FORMATS if t.ole_streams]
_ZIP_FORMATS = frozenset(t.name for t in FORMATS if t.zip_mimetype or t.content_types or t.zip_member)

# Text formats the bytes cannot tell apart: the extension decides among them.
_TEXTUAL = frozenset(t.name for t in FORMATS if t.textual)

_SNIFF_BYTES = 4096
_IWORK = frozenset({"pages", "key", "numbers"})
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    KeyError,
    UnicodeDecodeError,
    ValueError,
    EOFError,
    NotImplementedError,
    zlib.error,
)


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
    sniffed = _sniff_magic(head, path, by_ext)
    if sniffed:
        return sniffed
    if ebcdic_markup(head):
        return FILE_TYPES["html"]  # a page from an IBM host: its line ends (0x15, 0x25) look binary in ASCII
    if _looks_binary(head):
        return by_ext if by_ext and by_ext.name not in _TEXTUAL else FILE_TYPES["unknown"]
    sniffed_text = _sniff_text(head)
    if sniffed_text == "abw":
        return FILE_TYPES["abw"]  # AbiWord's XML, whatever its name: LibreOffice reads it, the XML reader would not
    if sniffed_text == "html" and (by_ext is None or by_ext.name in ("txt", "xml")):
        return FILE_TYPES["html"]  # a web page saved under a generic name
    if sniffed_text == "mbox" and (by_ext is None or by_ext.name == "mbox"):
        return FILE_TYPES["mbox"]  # a message saved as .eml or .txt keeps its From_ line: still one email
    if sniffed_text == "mbox":
        sniffed_text = "eml"
    if by_ext and by_ext.name in _TEXTUAL:
        return FILE_TYPES["eml"] if by_ext.name == "txt" and _looks_like_email(head) else by_ext
    return FILE_TYPES[sniffed_text]


def _sniff_magic(head: bytes, path: Path, by_ext: FileType | None) -> FileType | None:
    if head.startswith(b"PK\x03\x04"):  # first: a zip may hold a PDF (an iWork preview) in its first bytes
        return _sniff_zip(path, head, by_ext)
    if b"%PDF-" in head[:1024]:
        return FILE_TYPES["pdf"]  # some writers put junk before the header; readers accept it
    if head.startswith(_OLE_MAGIC):
        return _sniff_ole(path, by_ext)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return _named_within(kind, by_ext)
    if head[257:262] == b"ustar":  # POSIX and GNU tar headers: the magic sits after the first name
        return FILE_TYPES["tar"]
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        return FILE_TYPES[_RIFF[head[8:12]]]
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return FILE_TYPES["heic"]
    return None


def _named_within(kind: FileType, by_ext: FileType | None) -> FileType:
    """The signature's format, unless the name picks a format these bytes also are: a word
    processor file named .doc stays a doc (Word for DOS shares Write's header, and WordPerfect
    files saved as .doc were docs before their signature was known), a gzip named .zabw is
    AbiWord's compressed document."""
    if by_ext is not None and by_ext.name == "doc" and kind.office == "writer":
        return by_ext
    if by_ext is not None and by_ext.name == "abw" and kind.name == "gzip":
        return by_ext
    return kind


_RIFF = {b"WAVE": "wav", b"WEBP": "webp"}
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"mif1", b"hevc", b"heif"})


def _sniff_zip(path: Path, head: bytes, by_ext: FileType | None) -> FileType:
    """Tell zip-based formats apart by their members; a damaged one by what it claims to be.

    A zip that opens but is none of the declared formats is named by what it says it is (its
    ``mimetype`` member or OOXML main part), so the user reads "ods" or "vsdx", not "zip".
    """
    try:
        found = _zip_format_held(path)
    except _ZIP_ERRORS:
        # A damaged package still goes to the reader its name or first member claims, which
        # fails it as a damaged DOCX (say) instead of skipping it as an unsupported zip.
        return _claimed_by_head(head) or (by_ext if by_ext and by_ext.name in _ZIP_FORMATS else FILE_TYPES["zip"])
    if found is not None and found.name in _IWORK and by_ext is not None and by_ext.name in _IWORK:
        return by_ext  # Pages, Keynote and Numbers packages hold the same members: the name tells them apart
    if found is not None:
        return found
    if by_ext is not None and by_ext.name in _IWORK:
        return by_ext
    if by_ext is not None and by_ext.name in _ZIP_FORMATS:
        return by_ext  # a package whose main part is lost: its reader says so
    return FILE_TYPES["zip"]


def _zip_format_held(path: Path) -> FileType | None:
    """The zip's format, keeping the open zip for its reader (:mod:`docbatch.partitioners.zipreuse`): the
    reader would otherwise parse the same central directory again."""
    zf = zipfile.ZipFile(path)
    try:
        found = _zip_format(zf)
    except BaseException:
        zf.close()
        raise
    zipreuse.hold(zf)
    return found


def _zip_format(zf: zipfile.ZipFile) -> FileType | None:
    names = set(zf.namelist())
    if "mimetype" in names:
        mimetype = zf.read("mimetype")[:200].decode("ascii", "replace").strip()
        return _BY_ZIP_MIMETYPE.get(mimetype) or _unknown(_name_of_mime(mimetype), mimetype)
    if "[Content_Types].xml" in names:
        main = _main_content_type(zf.read("[Content_Types].xml")[:200_000])
        if main is not None and main in _BY_CONTENT_TYPE:
            return _BY_CONTENT_TYPE[main]
        by_member = next((_BY_ZIP_MEMBER[n] for n in _BY_ZIP_MEMBER if n in names), None)
        if by_member is not None:
            return by_member
        if main is not None:
            return _unknown(_name_of_mime(main), main)
    return next((_BY_ZIP_MEMBER[n] for n in _BY_ZIP_MEMBER if n in names), None)


_OVERRIDE = re.compile(rb"<Override\b[^>]*>")
_ATTR = re.compile(rb'(PartName|ContentType)\s*=\s*"([^"]*)"')


def _main_content_type(content_types: bytes) -> str | None:
    """The content type of an OOXML package's main part: the override ending ``.main+xml``.

    A regex over the overrides, not an XML parse: this runs on every zip of a batch and needs
    one attribute (xlsb's main part is ``...binary.macroEnabled.main``, without ``+xml``).
    """
    for match in _OVERRIDE.finditer(content_types):
        attrs = dict(_ATTR.findall(match.group(0)))
        ctype = attrs.get(b"ContentType", b"").decode("ascii", "replace")
        if ctype.endswith((".main+xml", ".main")):
            return ctype
    return None


def _name_of_mime(mime: str) -> str:
    """A short name for an undeclared container's MIME type: ``vnd.oasis.opendocument.foo`` -> ``foo``."""
    last = mime.rsplit("/", 1)[-1]
    for suffix in (".main+xml", ".main", "+xml", "+zip"):
        last = last.removesuffix(suffix)
    return last.rsplit(".", 1)[-1] or mime


def _claimed_by_head(head: bytes) -> FileType | None:
    """What a zip too damaged to open claims to be, from the member names in its first bytes."""
    if head[30:38] == b"mimetype":
        mimetype = head[38:140].split(b"PK", 1)[0].decode("ascii", "replace").strip()
        if mimetype in _BY_ZIP_MIMETYPE:
            return _BY_ZIP_MIMETYPE[mimetype]
    for prefix, name in ((b"word/", "docx"), (b"ppt/", "pptx"), (b"xl/", "xlsx")):
        if prefix in head:
            return FILE_TYPES[name]
    return None


def _stream_matches(stream: str, wanted: str) -> bool:
    """A top-level stream of that name; a declared name ending in ``_`` is a prefix (Outlook's
    ``__substg1.0_…`` property streams)."""
    return stream == wanted or (wanted.endswith("_") and stream.startswith(wanted))


def _unknown(name: str, mime: str) -> FileType:
    """A container format docbatch does not declare, named by what it says it is (skipped)."""
    try:
        return by_name(name)
    except KeyError:
        return FileType(name, mime)


def _sniff_ole(path: Path, by_ext: FileType | None) -> FileType:
    """Tell the OLE2 formats apart by the streams they hold (names compared case-insensitively:
    real workbooks say ``WORKBOOK`` as often as ``Workbook``).

    Where several formats hold the stream (Works' MN0, StarOffice's StarDrawDocument3) the name
    picks among them. An OLE2 file none of the streams names goes by its name when that is an
    OLE2 format LibreOffice reads (Works 2000-8 keeps its text in a CONTENTS stream, as many
    other OLE2 files do): LibreOffice tells whether it is one."""
    try:
        import olefile

        with olefile.OleFileIO(str(path)) as ole:
            streams = [("/".join(s)).lower() for s in ole.listdir(streams=True, storages=True)]
            clsid = ole.root.clsid if ole.root is not None else ""
    except Exception:  # olefile raises many types for a damaged header: the file is unknown
        return FILE_TYPES["unknown"]
    found = [
        t for t in _OLE_FORMATS if any(_stream_matches(s, wanted.lower()) for s in streams for wanted in t.ole_streams)
    ]
    if found:
        return by_ext if by_ext in found else found[0]
    if by_ext is not None and by_ext.office and by_ext.ole_streams:
        return by_ext
    return _unknown(f"ole {clsid}" if clsid else "ole", "application/x-ole-storage")


_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))


def _looks_binary(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False  # a BOM: text in some Unicode encoding
    if b"\x00" in head:
        # UTF-16/32 without a BOM put NULs at regular places between letters; binary does not.
        return nul_pattern_encoding(head) is None
    control = len(head.translate(None, _NOT_CONTROL))  # the control bytes text never holds
    return control > len(head) * 0.1


#: Share of bytes at or above 0x80 in EBCDIC text: its letters live there (a-i at 0x81, A-I at 0xC1).
_EBCDIC_HIGH_SHARE = 0.3


def ebcdic_markup(head: bytes) -> bool:
    """HTML in an EBCDIC code page (IBM037, 500, 420, ...): read in IBM037, whose markup
    characters every EBCDIC page shares, it opens like a web page, and most of its bytes are
    high, where EBCDIC keeps its letters. ASCII or UTF-8 bytes never open like that: ``<`` is
    0x4C ("L") and ``h`` 0x88 in EBCDIC."""
    if len(head) < 16 or sum(b >= 0x80 for b in head) < len(head) * _EBCDIC_HIGH_SHARE:
        return False
    text = head[:512].decode("cp037").lstrip().lower()
    return text.startswith(("<!doctype html", "<html")) or (text.startswith("<?xml") and "<html" in text)


def nul_pattern_encoding(head: bytes) -> str | None:
    """UTF-16/32 without a BOM: ASCII letters leave NULs at fixed positions."""
    n = len(head) - len(head) % 4
    if n < 4 or b"\x00" not in head:
        return None
    cols = [head[i:n:4].count(0) / (n // 4) for i in range(4)]
    if cols[1] > 0.9 and cols[2] > 0.9 and cols[3] > 0.9 and cols[0] < 0.5:
        return "utf-32-le"
    if cols[0] > 0.9 and cols[1] > 0.9 and cols[2] > 0.9 and cols[3] < 0.5:
        return "utf-32-be"
    even = head[0:n:2].count(0) / (n // 2)
    odd = head[1:n:2].count(0) / (n // 2)
    if odd > 0.7 and even < 0.3:
        return "utf-16-le"
    if even > 0.7 and odd < 0.3:
        return "utf-16-be"
    return None


def _sniff_text(head: bytes) -> str:
    text = _decode_head(head).lstrip().lower()
    if text.startswith(("<!doctype html", "<html")):
        return "html"
    if text.startswith("<?xml"):
        if "<abiword" in text or "<!doctype abiword" in text:
            return "abw"
        return "html" if "<html" in text else "xml"
    if text.startswith(("{", "[")):
        return "json"
    if _looks_like_email(head):
        return "mbox" if text.startswith("from ") else "eml"
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
