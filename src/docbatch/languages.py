"""Detect the languages of a document's text, offline, as ISO 639-3 codes (``metadata.languages``).

CLD2 (Chromium's compact language detector, through pycld2) has its tables compiled in: it
loads in milliseconds, needs no download, and reports the mix of languages in a text, so a
bilingual document gets both. Detection runs once per document on a sample of its text:
per-element detection on short strings is mostly noise and costs time on large documents.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["detect_languages", "preload"]

_SAMPLE_CHARS = 8000
_MIN_WORDS = 4
#: A language must cover this share of the sample to be listed.
_MIN_PERCENT = 20

# CLD2's ISO 639-1 (and a few legacy) codes -> ISO 639-3, the form unstructured writes.
_ISO3 = dict(
    item.split(":")
    for item in (
        "af:afr am:amh ar:ara as:asm az:aze be:bel bg:bul bn:ben bo:bod br:bre bs:bos ca:cat ceb:ceb "
        "chr:chr co:cos cs:ces cy:cym da:dan de:deu dv:div dz:dzo el:ell en:eng eo:epo es:spa et:est "
        "eu:eus fa:fas fi:fin fo:fao fr:fra fy:fry ga:gle gd:gla gl:glg gn:grn gu:guj ha:hau haw:haw "
        "he:heb iw:heb hi:hin hmn:hmn hr:hrv ht:hat hu:hun hy:hye ia:ina id:ind ig:ibo is:isl it:ita "
        "ja:jpn jv:jav jw:jav ka:kat kk:kaz kl:kal km:khm kn:kan ko:kor ku:kur ky:kir la:lat lb:ltz "
        "lg:lug ln:lin lo:lao lt:lit lv:lav mg:mlg mi:mri mk:mkd ml:mal mn:mon mr:mar ms:msa mt:mlt "
        "my:mya ne:nep nl:nld nn:nno no:nor ny:nya oc:oci om:orm or:ori pa:pan pl:pol ps:pus pt:por "
        "qu:que rm:roh ro:ron ru:rus rw:kin sa:san sd:snd si:sin sk:slk sl:slv sm:smo sn:sna so:som "
        "sq:sqi sr:srp st:sot su:sun sv:swe sw:swa ta:tam te:tel tg:tgk th:tha ti:tir tk:tuk tl:tgl "
        "tn:tsn to:ton tr:tur ts:tso tt:tat ug:uig uk:ukr ur:urd uz:uzb vi:vie wo:wol xh:xho yi:yid "
        "yo:yor za:zha zh:zho zu:zul"
    ).split()
)


#: Line breaks, tabs and form feeds read as spaces; only these are common in document text.
_WHITESPACE_CONTROLS = str.maketrans({c: " " for c in "\n\t\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def detect_languages(texts: Iterable[str]) -> list[str] | None:
    """The document's languages, main one first, as ``["eng"]``-style codes.

    Too little text to tell gives ``["eng"]``, as unstructured does; text CLD2 cannot place
    gives None (no ``languages`` key rather than a guess).
    """
    parts: list[str] = []
    size = 0
    for text in texts:
        parts.append(text)
        size += len(text)
        if size >= _SAMPLE_CHARS:
            break
    sample = " ".join(parts)[:_SAMPLE_CHARS]
    # split no further than the words needed: the whole sample's words are never used
    if len(sample.split(maxsplit=_MIN_WORDS)) < _MIN_WORDS and not _is_cjk(sample):
        return ["eng"]
    import pycld2

    clean = sample.translate(_WHITESPACE_CONTROLS)
    if not clean.isprintable():  # rare: other control characters CLD2 would choke on
        clean = "".join(c for c in clean if c.isprintable())
    # UTF-8 bytes are what CLD2 reads (a str is encoded on the way in); "replace" turns the lone
    # surrogates it would refuse into "?"
    data = clean.encode("utf-8", "replace")
    try:
        _, _, details = pycld2.detect(data)
    except pycld2.error:
        return None
    found = [(code, percent) for _, code, percent, _ in details if code != "un" and percent]
    if not found:
        return None
    listed = [code for code, percent in found if percent >= _MIN_PERCENT] or [found[0][0]]
    return list(dict.fromkeys(_ISO3.get(code.split("-")[0], code) for code in listed))


def preload() -> None:
    """Import the detector now, in a parent about to fork its workers (they inherit it)."""
    import pycld2  # noqa: F401


def _is_cjk(text: str) -> bool:
    return sum(1 for c in text if "\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af") > 4
