"""Every file format docbatch knows, declared once: where is PDF handled? Look here.

One :class:`FileType` per format holds its name, MIME type (``metadata.filetype``), extensions,
how its bytes are recognised, the partitioner that reads it (``"module:function"``, imported on
first use by :mod:`docbatch.partitioners.registry`) and, for an optional stack, the extra and
install hint to show when that stack is missing. :mod:`docbatch.partitioners.filetype` sniffs files with
these declarations; a format with no partitioner is known by name only and is skipped as
``unsupported file type <name>``.

How a format is recognised, first match wins in this order:

- ``magic``: byte prefixes at offset 0 (``%PDF-``, ``\\x89PNG``, …);
- ``zip_mimetype``: the ``mimetype`` member of an ODF or EPUB zip;
- ``content_types``: the main part's content type in an OOXML zip's ``[Content_Types].xml``;
- ``zip_member``: a member that only this format's zip holds (when ``[Content_Types].xml`` is lost);
- ``ole_streams``: a stream or storage name in an OLE2 compound file (matched case-insensitively;
  when two formats share a stream, the extension picks among them);
- a tar's ``ustar`` at offset 257 (see filetype);
- ``extensions``: for text formats whose bytes look alike, binary formats with no signature, and
  a container too damaged to open.

A format with ``office`` set is read by LibreOffice: :func:`docbatch.partitioners.legacy.legacy.partition_office`
converts it with that LibreOffice family (writer to DOCX, calc to XLSX, impress to PPTX, draw to
PDF) and the converted file's own reader partitions it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FORMATS", "OFFICE_PARTITIONER", "READERS_VERSION", "FileType", "by_name"]

#: Raised whenever docbatch learns to read files it failed or skipped before (a new format, a
#: fallback reader): a rerun tries once more every document remembered as failed or skipped
#: for good, without redoing any output already written. 2: archives, iWork, the formats
#: LibreOffice reads, .doc/.ppt through msdoc2docx/ppt2pptx when LibreOffice fails on them,
#: JSON/NDJSON/YAML data that is not element JSON. 3: legacy files loaded by LibreOffice as bare
#: models (a comment no longer aborts the office).
READERS_VERSION = "3"


@dataclass(frozen=True, slots=True)
class FileType:
    """One format: its name and MIME type, how to recognise it and which partitioner reads it."""

    name: str
    mime: str
    extensions: tuple[str, ...] = ()
    #: "module:function" of the partitioner; None for formats known by name only (skipped).
    partitioner: str | None = None
    magic: tuple[bytes, ...] = ()
    zip_mimetype: str | None = None
    content_types: tuple[str, ...] = ()
    zip_member: str | None = None
    ole_streams: tuple[str, ...] = ()
    #: Plain text whose bytes do not tell it from other text formats: the extension decides.
    textual: bool = False
    #: The pip extra that installs the partitioner's optional libraries, if any.
    extra: str | None = None
    #: Said when the partitioner's stack is missing: what to install (apt line, pip extra).
    install_hint: str | None = None
    #: Libraries the partitioner imports only on first use that are slow to import: a run
    #: expecting this format imports them in the main process before its workers fork, so
    #: the workers share one import instead of paying one each (see registry.preload).
    preload: tuple[str, ...] = ()
    #: "module:function" giving the documents a file of this format holds (embedded objects,
    #: attachments, archive members) as ``Attachment``s; each is partitioned as a document of its own
    #: (:mod:`docbatch.partitioners.kit.attachments`) with ``--process-attachments``.
    holds: str | None = None
    #: The held documents are the content (an archive): read without ``--process-attachments``.
    holds_always: bool = False
    #: The LibreOffice family that opens this format ("writer", "calc", "impress", "draw"): it
    #: decides what LibreOffice converts the file to, and so which reader partitions it.
    office: str | None = None


_P = "docbatch.partitioners."
_OOXML = "application/vnd.openxmlformats-officedocument."
_WORD = _P + "ooxml.docx:partition_docx"
_POWERPOINT = _P + "ooxml.pptx:partition_pptx"
_EXCEL = _P + "spreadsheet.spreadsheet:partition_xlsx"
_LEGACY = _P + "legacy.legacy:"
_OOXML_EMBEDDED = _P + "ooxml.embedded:ooxml_embedded"
_ODF_EMBEDDED = _P + "odf.embedded:odf_embedded"
_OLE_EMBEDDED = _P + "kit.oleobject:ole_embedded"
_ARCHIVE = _P + "archives.archives:"
_IWORK = _P + "archives.iwork:partition_iwork"
_ODF = "application/vnd.oasis.opendocument."
#: Every format LibreOffice reads for docbatch: it is told which format it reads (see registry).
OFFICE_PARTITIONER = _LEGACY + "partition_office"
_LIBREOFFICE_HINT = (
    "install LibreOffice: apt-get install -y libreoffice-writer-nogui libreoffice-calc-nogui "
    "libreoffice-impress-nogui libreoffice-draw-nogui"
)


def _word(name: str, mime: str, ext: str, main: str) -> FileType:
    return FileType(
        name, mime, (ext,), _WORD, content_types=(main,), zip_member="word/document.xml", holds=_OOXML_EMBEDDED
    )


def _powerpoint(name: str, mime: str, ext: str, main: str) -> FileType:
    # python-pptx reads only charts now (about 90 ms to import): loaded once before the workers fork
    return FileType(
        name,
        mime,
        (ext,),
        _POWERPOINT,
        content_types=(main,),
        zip_member="ppt/presentation.xml",
        preload=("pptx.chart.chart", "pptx.oxml"),
        holds=_OOXML_EMBEDDED,
    )


def _excel(name: str, mime: str, ext: str, main: str, partitioner: str = _EXCEL) -> FileType:
    return FileType(
        name, mime, (ext,), partitioner, content_types=(main,), zip_member="xl/workbook.xml", holds=_OOXML_EMBEDDED
    )


def _odf(name: str, kind: str, ext: str, partitioner: str | None) -> FileType:
    mime = f"application/vnd.oasis.opendocument.{kind}"
    return FileType(name, mime, (ext,), partitioner, zip_mimetype=mime, holds=_ODF_EMBEDDED if partitioner else None)


def _office(
    name: str,
    mime: str,
    extensions: tuple[str, ...],
    family: str,
    *,
    magic: tuple[bytes, ...] = (),
    zip_mimetype: str | None = None,
    ole_streams: tuple[str, ...] = (),
    holds: str | None = None,
) -> FileType:
    """A format LibreOffice reads: converted by its ``family`` and read as what that makes."""
    return FileType(
        name,
        mime,
        extensions,
        OFFICE_PARTITIONER,
        magic=magic,
        zip_mimetype=zip_mimetype,
        ole_streams=ole_streams,
        install_hint=_LIBREOFFICE_HINT,
        holds=holds,
        office=family,
    )


def _sun_xml(name: str, kind: str, ext: str, family: str) -> FileType:
    """StarOffice 5.2 / OpenOffice.org 1.x XML: ODF's predecessor, named by its ``mimetype`` member."""
    return _office(
        name, f"application/vnd.sun.xml.{kind}", (ext,), family, zip_mimetype=f"application/vnd.sun.xml.{kind}"
    )


def _text(name: str, mime: str, extensions: tuple[str, ...], partitioner: str | None) -> FileType:
    return FileType(name, mime, extensions, partitioner, textual=True)


def _image(name: str, mime: str, extensions: tuple[str, ...], *magic: bytes) -> FileType:
    """An image: its text comes from OCR (see ocr/ocr.py, which says what to install when absent)."""
    return FileType(name, mime, extensions, _P + "ocr.image:partition_image", magic=magic, extra="ocr")


FORMATS: tuple[FileType, ...] = (
    FileType(
        "pdf",
        "application/pdf",
        (".pdf",),
        _P + "pdf.pdf:partition_pdf",
        magic=(b"%PDF-",),
        holds=_P + "pdf.attachments:pdf_attachments",
    ),
    # Word: OOXML documents, templates and macro variants all read as WordprocessingML.
    _word("docx", _OOXML + "wordprocessingml.document", ".docx", _OOXML + "wordprocessingml.document.main+xml"),
    _word("dotx", _OOXML + "wordprocessingml.template", ".dotx", _OOXML + "wordprocessingml.template.main+xml"),
    _word(
        "docm",
        "application/vnd.ms-word.document.macroEnabled.12",
        ".docm",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
    ),
    _word(
        "dotm",
        "application/vnd.ms-word.template.macroEnabled.12",
        ".dotm",
        "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
    ),
    # PowerPoint: presentations, slide shows, templates and macro variants.
    _powerpoint(
        "pptx", _OOXML + "presentationml.presentation", ".pptx", _OOXML + "presentationml.presentation.main+xml"
    ),
    _powerpoint("ppsx", _OOXML + "presentationml.slideshow", ".ppsx", _OOXML + "presentationml.slideshow.main+xml"),
    _powerpoint("potx", _OOXML + "presentationml.template", ".potx", _OOXML + "presentationml.template.main+xml"),
    _powerpoint(
        "pptm",
        "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
        ".pptm",
        "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
    ),
    _powerpoint(
        "ppsm",
        "application/vnd.ms-powerpoint.slideshow.macroEnabled.12",
        ".ppsm",
        "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
    ),
    _powerpoint(
        "potm",
        "application/vnd.ms-powerpoint.template.macroEnabled.12",
        ".potm",
        "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
    ),
    # Excel: workbooks, templates, macro variants and the binary workbook (calamine reads it).
    _excel("xlsx", _OOXML + "spreadsheetml.sheet", ".xlsx", _OOXML + "spreadsheetml.sheet.main+xml"),
    _excel("xltx", _OOXML + "spreadsheetml.template", ".xltx", _OOXML + "spreadsheetml.template.main+xml"),
    _excel(
        "xlsm",
        "application/vnd.ms-excel.sheet.macroEnabled.12",
        ".xlsm",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ),
    _excel(
        "xltm",
        "application/vnd.ms-excel.template.macroEnabled.12",
        ".xltm",
        "application/vnd.ms-excel.template.macroEnabled.main+xml",
    ),
    FileType(
        "xlsb",
        "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
        (".xlsb",),
        _LEGACY + "partition_xlsb",  # calamine, then LibreOffice
        content_types=("application/vnd.ms-excel.sheet.binary.macroEnabled.main",),
        zip_member="xl/workbook.bin",
        holds=_OOXML_EMBEDDED,
        office="calc",
    ),
    # Other OOXML packages, known by name so a user reads what they are.
    FileType(
        "vsdx",
        "application/vnd.ms-visio.drawing",
        (".vsdx",),
        content_types=("application/vnd.ms-visio.drawing.main+xml",),
    ),
    FileType("xps", "application/oxps", (".xps", ".oxps"), zip_member="FixedDocumentSequence.fdseq"),
    # A password-protected OOXML file is an OLE2 file holding the encrypted package.
    FileType(
        "ooxml-encrypted",
        "application/x-ooxml-encrypted",
        (),
        _P + "ooxml.ooxml:partition_encrypted",
        ole_streams=("EncryptedPackage", "EncryptionInfo"),
    ),
    # Legacy Office (OLE2 compound files): LibreOffice converts them to the OOXML readers above.
    # A .doc that is no OLE2 file (Word for DOS, Word 2 and 6, WordPerfect saved as .doc) is a doc too.
    _office(
        "doc", "application/msword", (".doc", ".dot"), "writer", ole_streams=("WordDocument",), holds=_OLE_EMBEDDED
    ),
    _office(
        "ppt",
        "application/vnd.ms-powerpoint",
        (".ppt", ".pps", ".pot"),
        "impress",
        ole_streams=("PowerPoint Document",),
        holds=_OLE_EMBEDDED,
    ),
    FileType(
        "xls",
        "application/vnd.ms-excel",
        (".xls", ".xlt"),
        _LEGACY + "partition_xls",  # xlrd, then calamine, then LibreOffice
        ole_streams=("Workbook", "Book"),
        holds=_OLE_EMBEDDED,
        office="calc",
    ),
    FileType(
        "msg",
        "application/vnd.ms-outlook",
        (".msg",),
        _P + "mail.mail:partition_msg",
        ole_streams=("__substg1.0_", "__properties_version1.0"),  # prefixes: Outlook's property streams
        preload=("extract_msg",),  # about 0.3 s to import
    ),
    # Drawings and page layouts LibreOffice opens in Draw: read from the PDF it prints of them.
    _office("vsd", "application/vnd.visio", (".vsd",), "draw", ole_streams=("VisioDocument",)),
    _office("pub", "application/vnd.ms-publisher", (".pub",), "draw", ole_streams=("Quill",)),
    # Other OLE2 formats LibreOffice reads. StarOffice 3-5 binaries: StarDrawDocument3 holds an
    # Impress or a Draw document (the extension tells, .sdd the likelier); Works 3-4 keeps its
    # word processor and database in MN0 (the extension tells again); Works 2000-8 files hold a
    # CONTENTS stream many OLE2 files have, so their extension decides (see filetype).
    _office("sdw", "application/vnd.stardivision.writer", (".sdw",), "writer", ole_streams=("StarWriterDocument",)),
    _office("sdc", "application/vnd.stardivision.calc", (".sdc",), "calc", ole_streams=("StarCalcDocument",)),
    _office(
        "sdd",
        "application/vnd.stardivision.impress",
        (".sdd", ".sdp"),
        "impress",
        ole_streams=("StarImpressDocument", "StarDrawDocument3"),
    ),
    _office("sda", "application/vnd.stardivision.draw", (".sda",), "draw", ole_streams=("StarDrawDocument3",)),
    _office("wps", "application/vnd.ms-works", (".wps",), "writer", ole_streams=("MN0",)),
    _office("wdb", "application/vnd.ms-works-db", (".wdb",), "calc", ole_streams=("MN0",)),
    _office("qpw", "application/x-quattro-pro", (".qpw", ".wb3"), "calc", ole_streams=("NativeContent_MAIN",)),
    # Hangul 5 and later: LibreOffice reads only Hangul 97 (see "hwp" below).
    FileType("hwp5", "application/x-hwp-v5", (), ole_streams=("\x05HwpSummaryInformation",)),
    FileType("msi", "application/x-msi", (".msi",), ole_streams=("\x05SummaryInformation\x05",)),
    # OpenDocument and EPUB: zips whose first member, "mimetype", names the format.
    _odf("odt", "text", ".odt", _P + "odf.odt:partition_odt"),
    _odf("ott", "text-template", ".ott", _P + "odf.odt:partition_odt"),
    _odf("ods", "spreadsheet", ".ods", _P + "odf.odf:partition_ods"),
    _odf("ots", "spreadsheet-template", ".ots", _P + "odf.odf:partition_ods"),
    _odf("odp", "presentation", ".odp", _P + "odf.odf:partition_odp"),
    _odf("otp", "presentation-template", ".otp", _P + "odf.odf:partition_odp"),
    _office("odg", _ODF + "graphics", (".odg",), "draw", zip_mimetype=_ODF + "graphics"),
    _office("otg", _ODF + "graphics-template", (".otg",), "draw", zip_mimetype=_ODF + "graphics-template"),
    _odf("odf", "formula", ".odf", None),
    _odf("odb", "base", ".odb", None),
    _odf("odc", "chart", ".odc", None),
    _sun_xml("sxw", "writer", ".sxw", "writer"),
    _sun_xml("stw", "writer.template", ".stw", "writer"),
    _sun_xml("sxg", "writer.global", ".sxg", "writer"),
    _sun_xml("sxc", "calc", ".sxc", "calc"),
    _sun_xml("stc", "calc.template", ".stc", "calc"),
    _sun_xml("sxi", "impress", ".sxi", "impress"),
    _sun_xml("sti", "impress.template", ".sti", "impress"),
    _sun_xml("sxd", "draw", ".sxd", "draw"),
    _sun_xml("std", "draw.template", ".std", "draw"),
    FileType(
        "epub",
        "application/epub+zip",
        (".epub",),
        _P + "markup.epub:partition_epub",
        zip_mimetype="application/epub+zip",
    ),
    # Apple iWork: zips of protobuf parts, with a preview PDF inside when saved with one.
    FileType("pages", "application/vnd.apple.pages", (".pages",), _IWORK, zip_member="Index/Document.iwa"),
    FileType("key", "application/vnd.apple.keynote", (".key",), _IWORK, zip_member="index.apxl"),
    FileType("numbers", "application/vnd.apple.numbers", (".numbers",), _IWORK),
    # Archives: no text of their own, their members partitioned as documents (always, see archives.py).
    FileType(
        "zip",
        "application/zip",
        (".zip",),
        _ARCHIVE + "archive_body",
        holds=_ARCHIVE + "zip_members",
        holds_always=True,
    ),
    FileType(
        "tar",
        "application/x-tar",
        (".tar",),
        _ARCHIVE + "archive_body",
        holds=_ARCHIVE + "tar_members",
        holds_always=True,
    ),
    FileType(
        "gzip",
        "application/gzip",
        (".gz", ".tgz"),
        _ARCHIVE + "archive_body",
        magic=(b"\x1f\x8b",),
        holds=_ARCHIVE + "gzip_members",
        holds_always=True,
    ),
    FileType(
        "rtf",
        "text/rtf",
        (".rtf",),
        _P + "markup.rtf:partition_rtf",
        magic=(b"{\\rtf",),
        holds=_P + "markup.rtf:rtf_embedded",
    ),
    # Word processors and spreadsheets of their own binary formats, read by LibreOffice's import
    # libraries (libwpd, libwps, libmwaw, libabw, hwpfilter). A signature where the format has one;
    # the rest are binary with no fixed first bytes, and their extension decides.
    _office(
        "wpd",
        "application/vnd.wordperfect",
        (".wpd", ".wp", ".wp4", ".wp5", ".wp6", ".wp7"),
        "writer",
        magic=(b"\xffWPC",),
    ),
    # Windows Write; Word for DOS opens the same way, and its .doc name keeps it a doc (see filetype).
    _office("wri", "application/x-mswrite", (".wri",), "writer", magic=(b"\x31\xbe\x00\x00", b"\x32\xbe\x00\x00")),
    # AbiWord: XML (told from other XML by its root, see filetype), or gzipped as .zabw.
    _office("abw", "application/x-abiword", (".abw", ".zabw"), "writer"),
    _office("hwp", "application/x-hwp", (".hwp",), "writer", magic=(b"HWP Document File V3",)),
    _office("cwk", "application/x-appleworks", (".cwk", ".cws"), "writer"),  # ClarisWorks / AppleWorks text
    _office("mcw", "application/x-mswordmac", (".mcw",), "writer"),  # Word for the Macintosh 1-5.1
    _office(
        "lotus",
        "application/vnd.lotus-1-2-3",
        (".wk1", ".wk3", ".wk4", ".123", ".wk2"),
        "calc",
        # A BOF record: WK1 (version 0x0406), WK3 (0x1000), WK4 (0x1002).
        magic=(b"\x00\x00\x02\x00\x06\x04", b"\x00\x00\x1a\x00\x00\x10\x04\x00", b"\x00\x00\x1a\x00\x02\x10\x04\x00"),
    ),
    _office("wks", "application/vnd.ms-works", (".wks",), "calc"),  # Works and Lotus 1-2-3 1A spreadsheets
    _office("quattro", "application/x-quattro-pro", (".wb1", ".wb2", ".wq1", ".wq2"), "calc"),
    # Text formats: content sniffing tells HTML, XML, JSON and email apart; the extension the rest.
    _text("html", "text/html", (".html", ".htm", ".xhtml"), _P + "markup.html:partition_html"),
    _text("xml", "application/xml", (".xml",), _P + "markup.html:partition_xml"),
    _text("eml", "message/rfc822", (".eml",), _P + "mail.mail:partition_eml"),
    _text("mbox", "application/mbox", (".mbox", ".mbx"), _P + "mail.mail:partition_mbox"),
    _text("json", "application/json", (".json",), _P + "markup.elementjson:partition_json"),
    _text("ndjson", "application/x-ndjson", (".ndjson", ".jsonl"), _P + "markup.elementjson:partition_ndjson"),
    _text("md", "text/markdown", (".md", ".markdown"), _P + "markup.markdown:partition_markdown"),
    _text("rst", "text/x-rst", (".rst",), _P + "markup.rst:partition_rst"),
    _text("org", "text/org", (".org",), _P + "markup.org:partition_org"),
    _text("csv", "text/csv", (".csv",), _P + "spreadsheet.spreadsheet:partition_csv"),
    _text("tsv", "text/tab-separated-values", (".tsv", ".tab"), _P + "spreadsheet.spreadsheet:partition_tsv"),
    _text("txt", "text/plain", (".txt", ".text", ".log"), _P + "markup.text:partition_text"),
    _text("yaml", "application/yaml", (".yaml", ".yml"), _P + "markup.data:partition_yaml"),
    _text("xsl", "application/xslt+xml", (".xsl", ".xslt"), None),
    # Images: names only until an OCR partitioner registers them.
    _image("png", "image/png", (".png",), b"\x89PNG\r\n\x1a\n"),
    _image("jpg", "image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
    _image("tiff", "image/tiff", (".tif", ".tiff"), b"II*\x00", b"MM\x00*"),
    _image("gif", "image/gif", (".gif",), b"GIF87a", b"GIF89a"),
    _image("bmp", "image/bmp", (".bmp",), b"BM"),
    _image("heic", "image/heic", (".heic", ".heif")),  # an ISO-BMFF brand at offset 4: see filetype
    _image("webp", "image/webp", (".webp",)),  # RIFF....WEBP: see filetype
    FileType("wav", "audio/wav", (".wav",)),  # RIFF....WAVE: see filetype
    FileType("empty", "inode/x-empty"),
    FileType("unknown", "application/octet-stream"),
)

_BY_NAME = {t.name: t for t in FORMATS}


def by_name(name: str) -> FileType:
    """The declared format called ``name``; KeyError for a name nothing declares."""
    return _BY_NAME[name]
