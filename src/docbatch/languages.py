"""Detect the languages of a document's text, offline, as ISO 639-3 codes (``metadata.languages``).

py3langid ships its model inside the package, so nothing is downloaded at run time. Detection
runs once per document on a sample of its text: per-element detection on short strings is
mostly noise and costs time on large documents.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["detect_languages", "preload"]

_SAMPLE_CHARS = 6000
_MIN_WORDS = 4

# py3langid's ISO 639-1 codes -> ISO 639-3, the form unstructured writes.
_ISO3 = dict(
    item.split(":")
    for item in (
        "af:afr am:amh an:arg ar:ara as:asm az:aze be:bel bg:bul bn:ben br:bre bs:bos ca:cat cs:ces cy:cym "
        "da:dan de:deu dz:dzo el:ell en:eng eo:epo es:spa et:est eu:eus fa:fas fi:fin fo:fao fr:fra ga:gle "
        "gl:glg gu:guj he:heb hi:hin hr:hrv ht:hat hu:hun hy:hye id:ind is:isl it:ita ja:jpn jv:jav ka:kat "
        "kk:kaz km:khm kn:kan ko:kor ku:kur ky:kir la:lat lb:ltz lo:lao lt:lit lv:lav mg:mlg mk:mkd ml:mal "
        "mn:mon mr:mar ms:msa mt:mlt nb:nob ne:nep nl:nld nn:nno no:nor oc:oci or:ori pa:pan pl:pol ps:pus "
        "pt:por qu:que ro:ron ru:rus rw:kin se:sme si:sin sk:slk sl:slv sq:sqi sr:srp sv:swe sw:swa ta:tam "
        "te:tel th:tha tl:tgl tr:tur ug:uig uk:ukr ur:urd vi:vie vo:vol wa:wln xh:xho zh:zho zu:zul"
    ).split()
)


def detect_languages(texts: Iterable[str]) -> list[str]:
    """The document's main language as ``["eng"]``-style codes; ``["eng"]`` when too little text."""
    parts: list[str] = []
    size = 0
    for text in texts:
        parts.append(text)
        size += len(text)
        if size >= _SAMPLE_CHARS:
            break
    sample = " ".join(parts)[:_SAMPLE_CHARS]
    if len(sample.split()) < _MIN_WORDS and not _is_cjk(sample):
        return ["eng"]
    import py3langid

    code, _ = py3langid.classify(sample)
    return [_ISO3.get(code, code)]


def _is_cjk(text: str) -> bool:
    return sum(1 for c in text if "\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af") > 4


def preload() -> None:
    """Load the model now (about half a second), in a parent about to fork its workers,
    so that each worker inherits it instead of loading its own copy."""
    import py3langid

    py3langid.classify("warm up the language model")
