"""Which partitioner handles which file type: the lazy loader over :mod:`docbatch.partitioners.formats`.

Like fsspec's registry, entries are dotted paths imported only when a file of that type is
first seen, so a run over text files never imports the PDF stack, and an optional stack that
is not installed is reported with the install hint its format declares.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from docbatch.errors import MissingDependency, UnsupportedFileType
from docbatch.partitioners.formats import FORMATS, OFFICE_PARTITIONER

if TYPE_CHECKING:  # an annotation only: no import at run time, no floor
    from docbatch.partitioners.kit.base import Partitioner

__all__ = ["PARTITIONERS", "get_partitioner", "missing_dependency", "preload", "register"]

#: file type name -> "module:function", from the format table; :func:`register` overrides entries.
PARTITIONERS: dict[str, str] = {t.name: t.partitioner for t in FORMATS if t.partitioner}

_INSTALL_HINTS: dict[str, str] = {
    t.name: t.install_hint or f"install it with pip install 'docbatch[{t.extra}]'"
    for t in FORMATS
    if t.install_hint or t.extra
}
_PRELOAD: dict[str, tuple[str, ...]] = {t.name: t.preload for t in FORMATS if t.preload}
_loaded: dict[str, Partitioner] = {}


def register(file_type: str, target: str, *, install_hint: str | None = None) -> None:
    """Add or replace the partitioner for ``file_type`` (``"package.module:function"``).

    For tests and plug-ins; a format docbatch reads itself is declared in :mod:`docbatch.partitioners.formats`.
    """
    PARTITIONERS[file_type] = target
    _loaded.pop(file_type, None)
    if install_hint:
        _INSTALL_HINTS[file_type] = install_hint


def get_partitioner(file_type: str) -> Partitioner:
    """The partitioner function for ``file_type``, importing its module on first use."""
    if file_type in _loaded:
        return _loaded[file_type]
    target = PARTITIONERS.get(file_type)
    if target is None:
        raise UnsupportedFileType(f"unsupported file type {file_type}")
    module_name, _, func_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise missing_dependency(file_type, e) from e
    func = getattr(module, func_name)
    if target == OFFICE_PARTITIONER:  # one reader for every format LibreOffice converts: told which one this is
        func = functools.partial(func, file_type=file_type)
    _loaded[file_type] = func
    return func


def preload(file_types: Iterable[str]) -> list[str]:
    """Import the partitioners of ``file_types`` (and the slow libraries they import on first
    use) now; return the types whose partitioner is loaded.

    Called in the main process before the pool forks: every worker then shares one copy of the
    modules instead of importing them itself, and so does each worker that replaces one. A
    stack that is missing or fails to import is left for the worker, which reports it with the
    document that needs it.
    """
    done = []
    for file_type in dict.fromkeys(file_types):
        try:
            get_partitioner(file_type)
            for module in _PRELOAD.get(file_type, ()):
                importlib.import_module(module)
        except Exception:  # whatever an import raises, the worker meets it again and says so
            continue
        done.append(file_type)
    return done


#: Distribution names of the libraries whose import name differs (what to ``pip install``).
_DISTRIBUTIONS = {
    "docx": "python-docx",
    "pptx": "python-pptx",
    "python_calamine": "python-calamine",
    "extract_msg": "extract-msg",
    "odf": "odfpy",
    "markdown_it": "markdown-it-py",
    "RTFDE": "RTFDE",
    "yaml": "pyyaml",
}


def missing_dependency(file_type: str, error: ImportError) -> MissingDependency:
    """The run-stopping error for a library that ``file_type`` needs and this install lacks."""
    module = (error.name or "").partition(".")[0]
    package = _DISTRIBUTIONS.get(module, module) or "a library"
    hint = _INSTALL_HINTS.get(file_type) or f"pip install {package} and rerun"
    return MissingDependency(f"{file_type} files need the Python package {package}, which is not installed; {hint}.")
