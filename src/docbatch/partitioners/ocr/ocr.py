"""OCR behind one call: ``recognize(image, languages) -> list[Word]``.

The engine is Tesseract through tesserocr, which calls libtesseract in-process: the models are
loaded once per worker and each page costs one recognition, where pytesseract would start a
``tesseract`` process and reload the models for every page. Tesseract was chosen over RapidOCR
by measurement (``python -m benchmarks.ocr``, one thread each, the same 200 dpi pages of English
text): Tesseract recall 0.999 and precision 0.999 at 0.9 pages/s, RapidOCR (PP-OCRv4 models
shipped in ``rapidocr_onnxruntime``) recall 0.71 and precision 0.94 at 0.05 pages/s; RapidOCR's
models are trained on Chinese and drop the spaces between English words, and it gives line boxes
where Tesseract gives word boxes. Debian's language data (``tesseract-ocr-eng``, ...) is used;
nothing is downloaded.

One OCR thread per worker: ``OMP_THREAD_LIMIT=1`` is set before libtesseract loads, so N workers
use N cores instead of N workers each spawning an OpenMP team that fight over the same cores.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from docbatch.errors import DocumentError, NeedsInstall
from docbatch.partitioners.kit.base import DEFAULT_OCR_LANGUAGES, ocr_language_codes

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["Word", "check_available", "install_hint", "iso_languages", "recognize"]

#: Where Debian, Fedora, Homebrew and source builds put the language data, in the order tried.
_TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)
#: Tesseract codes that are not ISO 639-3 already (most are: eng, deu, fra, spa, ...).
_ISO = {"chi_sim": "zho", "chi_tra": "zho", "jpn_vert": "jpn", "kor_vert": "kor", "osd": ""}


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word: its text, pixel box (x0, y0, x1, y1; top-left origin) and confidence 0-100.

    ``line`` numbers the text line the engine put the word on (block, paragraph, line), so a
    caller can rebuild lines without guessing from boxes; ``row_height`` is the engine's estimate
    of that line's height in pixels (ascender to descender), steadier than any one word's box.
    """

    text: str
    box: tuple[int, int, int, int]
    confidence: float
    line: tuple[int, int, int]
    row_height: float


def install_hint(languages: str = DEFAULT_OCR_LANGUAGES) -> str:
    """The one sentence that says what to install for OCR in ``languages``."""
    packages = " ".join(f"tesseract-ocr-{lang.lower().replace('_', '-')}" for lang in _split(languages))
    return f"OCR needs Tesseract: run pip install 'docbatch[ocr]' and apt-get install tesseract-ocr {packages}"


def iso_languages(languages: str) -> list[str]:
    """``metadata.languages`` for text OCR'd in ``languages``: ISO 639-3 codes, each once."""
    codes = (_ISO.get(lang, lang) for lang in _split(languages))
    return list(dict.fromkeys(c for c in codes if c))


def check_available(languages: str = DEFAULT_OCR_LANGUAGES) -> None:
    """Raise :class:`DocumentError` with :func:`install_hint` unless OCR in ``languages`` can run here."""
    _engine(languages)


def recognize(image: Image, languages: str = DEFAULT_OCR_LANGUAGES, *, dpi: int = 0) -> list[Word]:
    """The words Tesseract reads in ``image`` (a PIL image), in reading order.

    ``dpi`` tells Tesseract the scan resolution when it is known (a rendered PDF page); without
    it Tesseract guesses from the glyph sizes, which works for photos and screenshots.
    """
    api = _engine(languages)
    api.SetImage(image)
    if dpi:
        api.SetSourceResolution(dpi)
    api.Recognize()
    return _words(api)


def _words(api) -> list[Word]:
    import tesserocr

    words: list[Word] = []
    it = api.GetIterator()
    level = tesserocr.RIL.WORD
    block = para = line = 0
    row_height = 0.0
    for w in tesserocr.iterate_level(it, level):
        if w.IsAtBeginningOf(tesserocr.RIL.BLOCK):
            block, para, line = block + 1, 0, 0
        if w.IsAtBeginningOf(tesserocr.RIL.PARA):
            para, line = para + 1, 0
        if w.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
            line += 1
            row_height = float(w.RowAttributes()["row_height"])
        try:
            text = (w.GetUTF8Text(level) or "").strip()
        except RuntimeError:  # tesserocr's way of saying the page holds no text at all
            break
        box = w.BoundingBox(level)
        confidence = w.Confidence(level)
        if text and box:
            height = row_height if row_height > 0 else float(box[3] - box[1])
            words.append(Word(text, tuple(box), confidence, (block, para, line), height))
    return words


def _split(languages: str) -> list[str]:
    return [lang for lang in languages.split("+") if lang]


def _tessdata() -> Path | None:
    """The language-data folder: ``TESSDATA_PREFIX`` when set (even if wrong), else the first usual one."""
    configured = os.environ.get("TESSDATA_PREFIX")
    if configured:
        return Path(configured)
    return next((Path(d) for d in _TESSDATA_DIRS if Path(d, "eng.traineddata").is_file()), None)


#: One engine per worker process and language set: loading the models costs ~0.1 s per language.
_engines: dict[str, object] = {}


def _engine(languages: str):
    api = _engines.get(languages)
    if api is None:
        api = _start(languages)
        _engines[languages] = api
    return api


def _start(languages: str):
    """Load Tesseract for ``languages``, or say in one sentence what to install."""
    try:
        langs = ocr_language_codes(languages)
    except ValueError as e:
        raise DocumentError(str(e)) from None
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # read when libtesseract starts its first thread
    try:
        import tesserocr
    except ImportError as e:
        raise NeedsInstall(install_hint(languages)) from e
    data = _tessdata()
    missing = [lang for lang in langs if data is None or not (data / f"{lang}.traineddata").is_file()]
    if missing:
        raise NeedsInstall(install_hint("+".join(missing)))
    try:
        return tesserocr.PyTessBaseAPI(path=f"{data}/", lang=languages, psm=tesserocr.PSM.AUTO)
    except RuntimeError as e:  # a damaged or incompatible .traineddata
        raise DocumentError(f"Tesseract cannot load its language data in {data}: {e}") from e
