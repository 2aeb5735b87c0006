"""Phonetic guides (ruby) as Word writes them, for the DOCX, legacy and RTF tests: python-docx has
no API for them, so the run is built from XML."""

from __future__ import annotations

from pathlib import Path

import docx


def ruby_run(base: str, reading: str, *, base_rpr: str = "") -> object:
    """A ``w:r`` holding ``base`` with the phonetic guide ``reading`` (Home > Phonetic Guide)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    return parse_xml(
        f'<w:r {nsdecls("w")}><w:ruby><w:rubyPr><w:rubyAlign w:val="distributeSpace"/><w:hps w:val="10"/>'
        '<w:hpsRaise w:val="18"/><w:hpsBaseText w:val="21"/><w:lid w:val="ja-JP"/></w:rubyPr>'
        f'<w:rt><w:r><w:rPr><w:sz w:val="10"/></w:rPr><w:t>{reading}</w:t></w:r></w:rt>'
        f"<w:rubyBase><w:r>{base_rpr}<w:t>{base}</w:t></w:r></w:rubyBase></w:ruby></w:r>"
    )


def with_ruby(paragraph, before: str, after: str, **kwargs) -> None:
    """``before`` 東京 (read とうきょう) ``after`` in ``paragraph``."""
    paragraph.add_run(before)
    paragraph._p.append(ruby_run("東京", "とうきょう", **kwargs))
    paragraph.add_run(after)


def ruby_docx(path: Path) -> Path:
    """A DOCX of one sentence, 首都は東京です。, whose 東京 carries the guide とうきょう."""
    document = docx.Document()
    with_ruby(document.add_paragraph(), "首都は", "です。")
    document.save(path)
    return path
