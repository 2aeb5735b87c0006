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
- ``ole_streams``: a stream or storage name in an OLE2 compound file (matched case-insensitively);
- a tar's ``ustar`` at offset 257 (see filetype);
- ``extensions``: for text formats whose bytes look alike, and for a container too damaged to open.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FORMATS", "FileType", "by_name"]


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


_P = "docbatch.partitioners."
_OOXML = "application/vnd.openxmlformats-officedocument."
_WORD = _P + "ooxml.docx:partition_docx"
_POWERPOINT = _P + "ooxml.pptx:partition_pptx"
_EXCEL = _P + "spreadsheet.spreadsheet:partition_xlsx"
_LEGACY = _P + "legacy.legacy:"
_OOXML_EMBEDDED = _P + "ooxml.embedded:ooxml_embedded"
_OLE_EMBEDDED = _P + "kit.oleobject:ole_embedded"
_ARCHIVE = _P + "archives.archives:"
_IWORK = _P + "archives.iwork:partition_iwork"
_LIBREOFFICE_HINT = "install LibreOffice: apt-get install -y libreoffice-writer-nogui libreoffice-impress-nogui"


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
    return FileType(name, mime, (ext,), partitioner, zip_mimetype=mime)


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
    FileType(
        "doc",
        "application/msword",
        (".doc", ".dot"),
        _LEGACY + "partition_doc",
        ole_streams=("WordDocument",),
        install_hint=_LIBREOFFICE_HINT,
        holds=_OLE_EMBEDDED,
    ),
    FileType(
        "ppt",
        "application/vnd.ms-powerpoint",
        (".ppt", ".pps", ".pot"),
        _LEGACY + "partition_ppt",
        ole_streams=("PowerPoint Document",),
        install_hint=_LIBREOFFICE_HINT,
        holds=_OLE_EMBEDDED,
    ),
    FileType(
        "xls",
        "application/vnd.ms-excel",
        (".xls", ".xlt"),
        _LEGACY + "partition_xls",  # xlrd, then calamine, then LibreOffice
        ole_streams=("Workbook", "Book"),
        holds=_OLE_EMBEDDED,
    ),
    FileType(
        "msg",
        "application/vnd.ms-outlook",
        (".msg",),
        _P + "mail.mail:partition_msg",
        ole_streams=("__substg1.0_", "__properties_version1.0"),  # prefixes: Outlook's property streams
        preload=("extract_msg",),  # about 0.3 s to import
    ),
    FileType("vsd", "application/vnd.visio", (".vsd",), ole_streams=("VisioDocument",)),
    FileType("pub", "application/vnd.ms-publisher", (".pub",), ole_streams=("Quill",)),
    FileType("msi", "application/x-msi", (".msi",), ole_streams=("\x05SummaryInformation\x05",)),
    # OpenDocument and EPUB: zips whose first member, "mimetype", names the format.
    _odf("odt", "text", ".odt", _P + "odf.odt:partition_odt"),
    _odf("ott", "text-template", ".ott", _P + "odf.odt:partition_odt"),
    _odf("ods", "spreadsheet", ".ods", _P + "odf.odf:partition_ods"),
    _odf("ots", "spreadsheet-template", ".ots", _P + "odf.odf:partition_ods"),
    _odf("odp", "presentation", ".odp", _P + "odf.odf:partition_odp"),
    _odf("otp", "presentation-template", ".otp", _P + "odf.odf:partition_odp"),
    _odf("odg", "graphics", ".odg", None),
    _odf("odf", "formula", ".odf", None),
    _odf("odb", "base", ".odb", None),
    _odf("odc", "chart", ".odc", None),
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
    FileType("rtf", "text/rtf", (".rtf",), _P + "markup.rtf:partition_rtf", magic=(b"{\\rtf",)),
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
    _text("yaml", "application/yaml", (".yaml", ".yml"), None),
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
