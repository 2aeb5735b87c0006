"""An OCR'd page as placed blocks: words into lines, lines into blocks, blocks into reading order.

Scanned PDF pages and images share this step, so both go on to the same typing of titles,
paragraphs and list items (:mod:`~docbatch.partitioners.layout.page`) as a PDF read from its
text layer. What a text layer gives for free is estimated from pixels: the font size from the
engine's row height, bold from how much ink a line puts down against the page's usual line, and
a bullet from a small glyph standing alone at the start of a line (Tesseract reads ``•`` as ``¢``, ``e`` or ``°``).

Tables without rules are found as on a text layer, by the same finder
(:func:`~docbatch.partitioners.pdf.tables.unruled_tables`) fed the engine's word boxes: each engine
line is cut at wide gaps into pieces, as pdfium's lines arrive, and the pieces' words give the columns.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections import Counter
from itertools import groupby
from typing import TYPE_CHECKING

from PIL import Image as PILImage
from PIL import ImageChops, ImageFilter, ImageMath

from docbatch.partitioners.layout.blocks import Block, Line, build_blocks, reading_order
from docbatch.partitioners.layout.page import Placed, block_text
from docbatch.partitioners.ocr.ocr import Word, iso_languages, recognize
from docbatch.partitioners.pdf.tables import FoundTable, WordsOf, unruled_tables

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = ["MAX_OCR_PIXELS", "lift_fills", "ocr_page"]

#: Largest image handed to the engine: an A4 page at 300 dpi is 8.7 million pixels, so this keeps
#: body text of a poster-sized page legible while the worker holds at most ~40 MB of gray pixels.
MAX_OCR_PIXELS = 40_000_000
#: What Tesseract reads a bullet glyph as, when the glyph stands alone before an item.
_BULLET_READINGS = frozenset(
    {"•", "¢", "«", "¢«", "°", "e", "o", "©", "®", "*", "»", "+", "-", "—", "◦", "■", "□", "§"}
)
#: Words read with less confidence than this (0-100) are noise (specks, rules, textures), except a
#: bullet glyph, which Tesseract reads with little confidence because it is no letter.
_MIN_CONFIDENCE = 30.0
#: A line this many times as inky as the page's usual line is set in bold.
_BOLD_INK = 1.3
_DARK = 128  # gray level under which a pixel is ink
_SMALL_WORD = 12.0  # pixels: words lower than this are read again from an enlarged copy
_GOOD_WORD = 24.0  # the word height that enlarged copy aims for
_MAX_UPSCALE = 4.0
#: Background estimate for :func:`lift_fills`: a closing (max then min, 3x3) of a copy reduced this
#: many times, so it spans 4-12 pixels: wider than a body-text stroke, narrower than a table row.
_FILL_STEP = 4
#: Spread of levels (max - min over 3x3 reduced cells) under which a patch is flat: a fill, not text.
_FILL_FLAT = 12
#: How far (in reduced cells) the words on a fill reach from its flat patches.
_FILL_REACH = 9
#: A background this much darker than the paper, and lighter than ink, is a fill to lift.
_FILL_DROP = 24
#: Rows of pixels lifted at a time: the division needs 4-byte pixels, so only a strip gets them.
_FILL_STRIP = 256
#: A rule (a table's grid line, an underline, a box's edge) is a straight run of ink at least this many
#: text heights long: no letter is (``l``, ``I``, ``1`` are one height tall, an underscore half one
#: wide), while a rule of even a small table spans several cells, each a text height or more.
_RULE = 4.0
#: ...and at most this many pixels thick in the enlarged copy, a third of a word's height there: a
#: 1- or 2-pixel rule of a 72 dpi page enlarged up to ``_MAX_UPSCALE`` times (a 1-pixel one alone
#: would allow 4, but 2-pixel grids are as common and read as badly: 1803 -> 2564 letters kept over
#: the generated small tables); a thicker dark run is a bar, a dark fill or a picture, and stays.
_RULE_WIDTH = 8
#: Rows become columns and back: vertical runs are found as horizontal ones of the transposed page.
_ACROSS = PILImage.Transpose.TRANSPOSE


def ocr_page(
    image: Image, *, page: int, size: tuple[float, float], languages: str, dpi: int = 0
) -> tuple[list[Placed], Counter]:
    """The page's blocks, in reading order, with boxes in page units: ``size`` is the page's
    width and height in them (points for a PDF page, original pixels for a downscaled image).

    Returns the blocks and the characters per font size seen, for the document's body size.
    """
    unlifted = image if image.mode == "L" else image.convert("L")
    gray = lift_fills(unlifted)
    words = recognize(gray, languages, dpi=dpi)
    factor = _upscale_factor(words, gray)
    if factor > 1.0:
        enlarged = (round(gray.width * factor), round(gray.height * factor))
        words = recognize(_for_second_pass(unlifted, enlarged), languages, dpi=round(dpi * factor))
        gray = gray.resize(enlarged, PILImage.Resampling.BICUBIC)  # where the words' ink is measured
    width, height = size
    scale = gray.width / width
    lines, line_words = _lines(words, gray, scale)
    sizes: Counter[float] = Counter()
    for ln in lines:
        sizes[ln.size] += len(ln.text)
    tables = [_table_block(t, height) for t in unruled_tables(*_pieces(lines, line_words))]
    if tables:
        lines = [ln for ln in lines if not any(_inside(ln, tb) for tb in tables)]
    meta = {"languages": iso_languages(languages)}
    placed = []
    for blk in reading_order(build_blocks(lines) + tables, width):
        text = blk.table_text if blk.kind == "table" else block_text(blk)
        if text:
            placed.append(_place(blk, page, width, height, text, dict(meta)))
    return placed, sizes


def lift_fills(gray: Image) -> Image:
    """The page with light fills (a coloured table header, a highlighted or banded row, a shaded
    callout) lifted to the paper's level, and the ink on them darkened by as much; else ``gray``.

    Tesseract binarises a page with one global Otsu threshold before it finds text. In gray, a
    light fill sits under that threshold (Word's light blue header, 141/179/226, is gray 174;
    Otsu put the threshold at 201 on such a page), so the whole header turns into one black block
    that is taken for a picture and its words are never read. Dividing each pixel by its local
    background (the brightest level within a few pixels, ink filled in by a closing) makes a fill
    paper-white and keeps ink on it as dark against it as it was: 30 on 174 becomes 44 on 255.
    Where the background is the paper itself, pixels are left as they are, so a page without fills
    reaches the engine byte for byte as before.

    Chosen by measurement against the alternatives (16 corpus images, the generated coloured table
    of ``tests/ocr_fixtures.py``, scanned PDF pages; letters kept and difflib similarity to
    kreuzberg's Tesseract CLI text):

    - this lift: corpus table 56 -> 161 letters (similarity 68.6 -> 97.5%), the same table as a
      scanned PDF page 56 -> 155 (96.2%), the generated table 19 -> 84 of 84; the 11 English
      corpus pages read exactly as before (a fill is a *flat* patch: dense or bold text is not).
      Costs ~0.1 s on an A4 page at 300 dpi (OCR of it takes seconds), and 1 byte a pixel more
      only when the page has fills;
    - the colour image to Tesseract (it thresholds each channel): 137 letters on the corpus
      table, still 19 on the generated one (the red channel of the blue header, the blue one of the
      yellow row are dark), 8-10% slower and 3-4 bytes a pixel;
    - gray as the brightest channel: 71 of 84 on the generated table, but coloured text washes
      out: its blue link and red heading are lost;
    - Tesseract's adaptive thresholds (``thresholding_method``): 1 (tiled Otsu) 147 on the corpus
      table but 1779 -> 282 letters on a corpus paper page; 2 (Sauvola) 143 (87.2%), speckle read
      as letters, and every scanned page reads differently.
    """
    hist = gray.histogram()
    paper = max(range(256), key=hist.__getitem__)  # the commonest level: the paper, even if yellowed
    if paper < _DARK + _FILL_DROP or min(gray.size) < 3 * _FILL_STEP:
        return gray  # a dark page (white on black) or a thumbnail: nothing a fill could hide
    small = gray.reduce(_FILL_STEP)
    brightest = small.filter(ImageFilter.MaxFilter(3))
    background = brightest.filter(ImageFilter.MinFilter(3))
    # a fill is flat: some 12x12 pixels of one level (dense or bold text never is), lighter than
    # ink and darker than paper; the words on it are within a few cells of such patches
    flat = ImageChops.subtract(brightest, small.filter(ImageFilter.MinFilter(3)))
    level = small.point(lambda v: 255 if _DARK <= v < paper - _FILL_DROP else 0)
    seed = ImageChops.multiply(level, flat.point(lambda v: 255 if v <= _FILL_FLAT else 0))
    fill = seed.filter(ImageFilter.MaxFilter(_FILL_REACH))
    box = fill.getbbox()
    if box is None:
        return gray
    lifted = gray.copy()
    x0, y0, x1, y1 = (min(v * _FILL_STEP, limit) for v, limit in zip(box, gray.size * 2, strict=True))
    for top in range(y0, y1, _FILL_STRIP):
        strip = (x0, top, x1, min(y1, top + _FILL_STRIP))
        size = (strip[2] - strip[0], strip[3] - strip[1])
        source = tuple(v / _FILL_STEP for v in strip)
        back = background.resize(size, PILImage.Resampling.BILINEAR, box=source)
        where = fill.resize(size, PILImage.Resampling.NEAREST, box=source)
        ink = gray.crop(strip)
        out = ImageMath.lambda_eval(
            lambda a: a["convert"](a["min"](a["ink"] * paper / a["max"](a["back"], 1), 255), "L"), ink=ink, back=back
        )
        lifted.paste(out, strip[:2], where)
    return lifted


def _for_second_pass(unlifted: Image, size: tuple[int, int]) -> Image:
    """What the engine reads when the words are small: the page enlarged to ``size``, its rules
    removed (:func:`_without_rules`), then its fills lifted.

    The lift comes last, on the enlarged copy: there a small table's cells are wider than the lift's
    background estimate (4-12 pixels) where at 72 dpi they are not, and a rule painted to the paper
    no longer parts the fill it crossed. Measured on the generated coloured table drawn at 0.4-0.6 of
    its size (104 letters): lifting before enlarging and removing the rules after read 13-33
    letters, as the fills left unlifted turned black once no rule framed them; this order 92-104.
    """
    enlarged = unlifted.resize(size, PILImage.Resampling.BICUBIC)
    return lift_fills(_without_rules(enlarged))


def _without_rules(gray: Image) -> Image:
    """The enlarged page with its rules painted to the paper's level, else ``gray``.

    Once enlarged, a small ruled table's 1-pixel grid touches the letters in its cells, and the
    engine reads line and letter together as one glyph (``|Name``, ``[Denver``) or drops the cell.
    A rule is a long, thin run of ink, horizontal or vertical (``_RULE``, ``_RULE_WIDTH``); the
    light halo the enlargement spreads around it goes too, but not a letter's ink that touches it.
    """
    hist = gray.histogram()
    paper = max(range(256), key=hist.__getitem__)
    if paper < _DARK + _FILL_DROP:
        return gray  # a dark page: its "rules" may be the gaps between light letters
    ink = gray.point(lambda v: 0 if v < _DARK else 255)
    length = round(_RULE * _GOOD_WORD)  # the enlargement makes words about _GOOD_WORD pixels high
    rows = _thin(_runs(ink, 0, length))
    columns = _thin(_runs(ink.transpose(_ACROSS), 0, length)).transpose(_ACROSS)
    rules = ImageChops.lighter(rows, columns)
    box = rules.getbbox()
    if box is None:
        return gray
    box = (max(box[0] - 1, 0), max(box[1] - 1, 0), min(box[2] + 1, gray.width), min(box[3] + 1, gray.height))
    rules = rules.crop(box)
    # the halo: the pixels next to a rule that are not ink (a letter touching the rule is)
    halo = ImageChops.multiply(rules.filter(ImageFilter.MaxFilter(3)), ink.crop(box))
    cleaned = gray.copy()
    cleaned.paste(paper, box, mask=ImageChops.lighter(rules, halo))
    return cleaned


def _runs(image: Image, level: int, length: int) -> Image:
    """255 where a pixel lies in a horizontal run of ``level`` at least ``length`` long, else 0.

    Pillow's rank filters are square, and a min filter 100 pixels wide is slow; a regular
    expression over a row's bytes finds the runs exactly, at C speed. It reads only the rows that
    may hold one: a run ``length`` long covers a whole aligned block of half that, whose average
    (``reduce``) is then ``level`` itself, so a page of text costs little more than that average.
    """
    width, height = image.size
    found = PILImage.new("L", image.size, 0)
    block = max(1, length // 2)
    whole = image.reduce((block, 1)).point(lambda v: 255 if v == level else 0).tobytes()
    step = -(-width // block)  # the reduced rows' width: a last, partial block is a block too
    rows = [y for y in range(height) if 255 in whole[y * step : (y + 1) * step]]
    pattern = re.compile(b"%c{%d,}" % (level, length))
    for _, band in groupby(enumerate(rows), key=lambda pair: pair[1] - pair[0]):
        ys = [y for _, y in band]
        top, bottom = ys[0], ys[-1] + 1
        framed = PILImage.new("L", (width + 1, bottom - top), 255 - level)  # a column no run crosses
        framed.paste(image.crop((0, top, width, bottom)))
        pixels = framed.tobytes()
        marks = bytearray(len(pixels))
        for run in pattern.finditer(pixels):
            marks[run.start() : run.end()] = b"\xff" * (run.end() - run.start())
        found.paste(PILImage.frombytes("L", framed.size, bytes(marks)).crop((0, 0, width, bottom - top)), (0, top))
    return found


def _thin(runs: Image) -> Image:
    """Horizontal ``runs`` less those more than ``_RULE_WIDTH`` thick (measured down the columns)."""
    if runs.getbbox() is None:
        return runs  # no long run at all, as on most pages: nothing to measure
    thick = _runs(runs.transpose(_ACROSS), 255, _RULE_WIDTH + 1).transpose(_ACROSS)
    return ImageChops.subtract(runs, thick)


def _upscale_factor(words: list[Word], gray: Image) -> float:
    """How much to enlarge an image whose text is too small for the engine (a 72 dpi page), else 1.

    Tesseract reads best with words some 20-30 pixels high and loses letters under about 12; a
    second pass on an enlarged copy costs less than text read wrong. Word boxes, not the engine's
    row height, measure it: on tiny text the row height stays at its floor of 20.
    """
    if not words:
        return 1.0
    word = statistics.median(w.box[3] - w.box[1] for w in words)
    if word >= _SMALL_WORD:
        return 1.0
    room = math.sqrt(MAX_OCR_PIXELS / max(gray.width * gray.height, 1))
    return max(1.0, min(_GOOD_WORD / max(word, 1.0), _MAX_UPSCALE, room))


#: A word's (x0, x1, text) in page units, as the table finder reads a line.
_PlacedWord = tuple[float, float, str]


def _lines(words: list[Word], gray: Image, scale: float) -> tuple[list[Line], list[list[_PlacedWord]]]:
    """One :class:`Line` per engine line, in the top-left frame of the page (``pdf_box`` flipped to
    match), and each line's words."""
    page_height = gray.height / scale
    lines: list[Line] = []
    placed_words: list[list[_PlacedWord]] = []
    inks: list[float] = []
    for _, group in groupby(words, key=lambda w: w.line):
        line_words = _kept(list(group))
        if not line_words:
            continue
        x0 = min(w.box[0] for w in line_words)
        y0 = min(w.box[1] for w in line_words)
        x1 = max(w.box[2] for w in line_words)
        y1 = max(w.box[3] for w in line_words)
        text = " ".join(w.text for w in line_words)
        size = round(line_words[0].row_height / scale * 2) / 2
        box = (x0 / scale, y0 / scale, x1 / scale, y1 / scale)
        pdf_box = (box[0], page_height - box[3], box[2], page_height - box[1])
        lines.append(Line(*box, text, size, False, pdf_box))
        placed_words.append([(w.box[0] / scale, w.box[2] / scale, w.text) for w in line_words])
        inks.append(_ink(gray, line_words))
    _mark_bold(lines, inks)
    return lines, placed_words


#: Font sizes of white between two words that part a line into pieces: wider than a word space
#: (a third of a size) and than the gap after a full stop, narrower than table columns are set.
_PIECE_GAP = 1.0


def _pieces(lines: list[Line], words: list[list[_PlacedWord]]) -> tuple[list[Line], WordsOf]:
    """The lines cut at wide gaps (table cells, page columns), as pdfium splits a text layer's
    lines, and a way to read each piece's words."""
    pieces: list[Line] = []
    of_piece: dict[int, list[_PlacedWord]] = {}
    for ln, line_words in zip(lines, words, strict=True):
        groups: list[list[_PlacedWord]] = [[line_words[0]]]
        for prev, word in itertools.pairwise(line_words):
            if word[0] - prev[1] > _PIECE_GAP * ln.size:
                groups.append([])
            groups[-1].append(word)
        for group in groups:
            piece = _piece(ln, group) if len(groups) > 1 else ln
            pieces.append(piece)
            of_piece[id(piece)] = group
    return pieces, lambda piece: of_piece.get(id(piece), [])


def _piece(ln: Line, group: list[_PlacedWord]) -> Line:
    x0, x1 = group[0][0], group[-1][1]
    _, bottom, _, top = ln.pdf_box
    return Line(x0, ln.y0, x1, ln.y1, " ".join(w[2] for w in group), ln.size, ln.bold, (x0, bottom, x1, top))


def _table_block(table: FoundTable, page_height: float) -> Block:
    """A found table as a block of its own kind (a Table element), its box flipped for ``pdf_box``."""
    x0, top, x1, bottom = table.bbox
    blk = Block([], x0, top, x1, bottom, kind="table", table_html=table.html, table_text=table.text)
    blk.pdf_box = (x0, page_height - bottom, x1, page_height - top)
    return blk


def _inside(line: Line, blk: Block) -> bool:
    cx, cy = (line.x0 + line.x1) / 2, (line.y0 + line.y1) / 2
    return blk.x0 <= cx <= blk.x1 and blk.y0 <= cy <= blk.y1


def _kept(words: list[Word]) -> list[Word]:
    """The line's confident words, a bullet glyph (small, alone, first) spelled ``•``."""
    first, rest = words[0], [w for w in words[1:] if w.confidence >= _MIN_CONFIDENCE]
    if rest and _is_bullet(first):
        return [Word("•", first.box, first.confidence, first.line, first.row_height), *rest]
    return [first, *rest] if first.confidence >= _MIN_CONFIDENCE else rest


def _is_bullet(word: Word) -> bool:
    """A short mark well under the line's height: a letter such as "e" or "o" is taller."""
    return word.text in _BULLET_READINGS and word.box[3] - word.box[1] <= 0.6 * word.row_height


def _ink(gray: Image, words: list[Word]) -> float:
    """Share of the words' box pixels that are ink: word boxes, so that the gaps between words
    and a short line's tight box weigh the same on every line."""
    dark = area = 0
    for w in words:
        crop = gray.crop(w.box)
        dark += sum(crop.histogram()[:_DARK])
        area += crop.width * crop.height
    return dark / max(area, 1)


def _mark_bold(lines: list[Line], inks: list[float]) -> None:
    """Bold lines put down clearly more ink than the page's usual line of several words."""
    usual = [ink for ln, ink in zip(lines, inks, strict=True) if len(ln.text.split()) >= 4]
    if len(usual) < 2:
        return
    median = statistics.median(usual)
    for ln, ink in zip(lines, inks, strict=True):
        ln.bold = ink > _BOLD_INK * median


def _place(blk: Block, page: int, width: float, height: float, text: str, extra: dict) -> Placed:
    return Placed(
        page=page,
        box=(blk.x0, blk.y0, blk.x1, blk.y1),
        width=width,
        height=height,
        text=text,
        kind=blk.kind,
        size=blk.size if blk.lines else 0.0,
        bold=blk.bold if blk.lines else False,
        n_lines=len(blk.lines),
        vertical=False,
        html=blk.table_html,
        extra=extra,
    )
