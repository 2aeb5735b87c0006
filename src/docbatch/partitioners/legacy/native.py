"""Word 97 and PowerPoint 97 files read without LibreOffice: msdoc2docx and ppt2pptx.

Both are pure-Python converters to DOCX and PPTX written from Microsoft's published binary-format
specifications. They run in this process, so a file they cannot read raises an exception and
harms nothing else, where a file that crashes LibreOffice takes the office down with it.
LibreOffice stays the first reader (:mod:`docbatch.partitioners.legacy.legacy`): it is the reader
tested on the most files, reads the older formats too (Word 2/6, WordPerfect) and keeps what these
drop (a deck's title placeholders come out as plain text here). These take over when

- the office crashed on the file, and crashed a fresh office again, or it refused the file (the
  document ends partial, saying so, instead of failing);
- LibreOffice is not installed (the document reads as usual, with a remark);
- the office read no text where these find some (text LibreOffice loses in some damaged or
  unusual files).

Measured on the shared corpus's four .doc files and its .ppt: the same elements as through
LibreOffice for every .doc, and the same text for the .ppt (its title as NarrativeText), in
0.05 s (doc) and 0.01 s (ppt) per file, against 0.05–0.3 s per file through a kept office that
took 2.7 s to start. On a 1,500-paragraph .doc (219k characters) both gave the same 1,500
elements, msdoc2docx in 2.8 s against 0.75 s through the office, so it is no faster first
reader. catdoc was the other candidate; its catppt finds no text at all in the PowerPoint files
LibreOffice writes, and it needs a system package.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from docbatch.errors import DocumentError, EncryptedDocument

__all__ = ["READERS", "converted"]

#: The reader of each file type these converters handle: (its name, for reasons, and the target).
READERS = {"doc": ("msdoc2docx", "docx"), "ppt": ("ppt2pptx", "pptx")}


@contextlib.contextmanager
def converted(path: Path, file_type: str) -> Iterator[Path]:
    """``path`` (a ``doc`` or ``ppt``) converted to DOCX or PPTX in a private folder, removed when
    the block ends. DocumentError (EncryptedDocument for a password) when the converter cannot."""
    reader, target = READERS[file_type]
    with tempfile.TemporaryDirectory(prefix="docbatch-native-") as tmp:
        out = Path(tmp) / f"document.{target}"
        try:
            _convert(file_type, path, out)
        except (DocumentError, MemoryError):  # a MemoryError is the run's to report (out of memory)
            raise
        except Exception as e:  # whatever the converter trips over in this file is the file's
            raise DocumentError(f"{reader} could not read the file either") from e
        if not out.is_file():
            raise DocumentError(f"{reader} could not read the file either")
        yield out


def _convert(file_type: str, source: Path, out: Path) -> None:
    # Imported here: 0.16 s (msdoc2docx) and 0.06 s (ppt2pptx) that only a fallback pays.
    if file_type == "doc":
        import doc2docx
        from doc2docx.errors import EncryptedDocumentError

        try:
            doc2docx.convert(source, out)
        except EncryptedDocumentError as e:
            raise EncryptedDocument("password-protected DOC file; remove the password and retry") from e
    else:
        import ppt2pptx
        from ppt2pptx.errors import EncryptedPresentationError

        try:
            ppt2pptx.convert(source, out)
        except EncryptedPresentationError as e:
            raise EncryptedDocument("password-protected PPT file; remove the password and retry") from e
