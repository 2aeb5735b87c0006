"""Which partitioner handles which file type.

Like fsspec's registry, entries are dotted paths imported only when a file of that type is
first seen, so a run over text files never imports the PDF stack, and an optional stack that
is not installed is reported with the extra that installs it.
"""

from __future__ import annotations

import importlib

from docbatch.errors import EncryptedDocument, MissingDependency, UnsupportedFileType
from docbatch.partition.base import Partitioner

__all__ = ["PARTITIONERS", "get_partitioner", "missing_dependency", "register"]

#: file type name -> "module:function" (modules under docbatch.partition unless dotted fully).
PARTITIONERS: dict[str, str] = {
    "pdf": "docbatch.partition.pdf:partition_pdf",
    "docx": "docbatch.partition.docx:partition_docx",
    "pptx": "docbatch.partition.pptx:partition_pptx",
    "xlsx": "docbatch.partition.spreadsheet:partition_xlsx",
    "xls": "docbatch.partition.spreadsheet:partition_xls",
    "csv": "docbatch.partition.spreadsheet:partition_csv",
    "tsv": "docbatch.partition.spreadsheet:partition_tsv",
    "html": "docbatch.partition.html:partition_html",
    "xml": "docbatch.partition.html:partition_xml",
    "md": "docbatch.partition.markdown:partition_markdown",
    "rst": "docbatch.partition.rst:partition_rst",
    "org": "docbatch.partition.org:partition_org",
    "txt": "docbatch.partition.text:partition_text",
    "eml": "docbatch.partition.mail:partition_eml",
    "msg": "docbatch.partition.mail:partition_msg",
    "epub": "docbatch.partition.epub:partition_epub",
    "odt": "docbatch.partition.odt:partition_odt",
    "rtf": "docbatch.partition.rtf:partition_rtf",
    "json": "docbatch.partition.elementjson:partition_json",
    "ndjson": "docbatch.partition.elementjson:partition_ndjson",
}

_INSTALL_HINTS: dict[str, str] = {}
_loaded: dict[str, Partitioner] = {}


def register(file_type: str, target: str, *, install_hint: str | None = None) -> None:
    """Add or replace the partitioner for ``file_type`` (``"package.module:function"``)."""
    PARTITIONERS[file_type] = target
    _loaded.pop(file_type, None)
    if install_hint:
        _INSTALL_HINTS[file_type] = install_hint


def get_partitioner(file_type: str) -> Partitioner:
    """The partitioner function for ``file_type``, importing its module on first use."""
    if file_type in _loaded:
        return _loaded[file_type]
    if file_type == "ooxml-encrypted":
        raise EncryptedDocument("password-protected Office file; remove the password and retry")
    target = PARTITIONERS.get(file_type)
    if target is None:
        raise UnsupportedFileType(f"unsupported file type {file_type}")
    module_name, _, func_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise missing_dependency(file_type, e) from e
    func = getattr(module, func_name)
    _loaded[file_type] = func
    return func


#: Distribution names of the libraries whose import name differs (what to ``pip install``).
_DISTRIBUTIONS = {
    "docx": "python-docx",
    "pptx": "python-pptx",
    "python_calamine": "python-calamine",
    "extract_msg": "extract-msg",
    "odf": "odfpy",
    "markdown_it": "markdown-it-py",
    "RTFDE": "RTFDE",
}


def missing_dependency(file_type: str, error: ImportError) -> MissingDependency:
    """The run-stopping error for a library that ``file_type`` needs and this install lacks."""
    module = (error.name or "").partition(".")[0]
    package = _DISTRIBUTIONS.get(module, module) or "a library"
    hint = _INSTALL_HINTS.get(file_type) or f"pip install {package} and rerun"
    return MissingDependency(f"{file_type} files need the Python package {package}, which is not installed; {hint}.")
