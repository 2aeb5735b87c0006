"""A small ruled table (a 72 dpi screenshot) is read from the enlarged copy without its grid, whose
lines would touch the letters there; text itself keeps its ink, and so does a thick bar."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.ocr.image import partition_image
from docbatch.partitioners.ocr.page import _without_rules
from ocr_fixtures import RULED_TABLE, needs_ocr, ruled_table, words

CELLS = {w.lower() for cells in RULED_TABLE for w in cells}


@needs_ocr
@pytest.mark.parametrize("dpi", [72, None], ids=["72 dpi", "no dpi"])
def test_a_small_ruled_table_is_read_cell_by_cell(tmp_path, dpi):
    path = tmp_path / "table.png"
    ruled_table().save(path, **({"dpi": (dpi, dpi)} if dpi else {}))
    read = words(" ".join(e.text for e in partition_image(path, PartitionOptions())))
    # with the grid left in the enlarged copy 57 of the 65 letters were read at 72 dpi ("34" as "4",
    # "91.2" lost) and 30 without a dpi ("[Name", "ity", Robert lost); without it, all 65 either way
    assert read >= CELLS


def _page() -> tuple[Image.Image, tuple[int, int, int, int], tuple[int, int, int, int]]:
    """An enlarged page's worth: text at the enlarged size (24 px) with letters of one stroke and
    underscores, a word whose "y" crosses a long 4-pixel rule, a vertical rule and a thick bar; and
    the boxes of the text and of the word above the rule."""
    image = Image.new("L", (700, 260), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=24)
    draw.text((40, 40), "Il1 lil ___ 100", fill=0, font=font, anchor="ls")
    text = draw.textbbox((40, 40), "Il1 lil ___ 100", font=font, anchor="ls")
    draw.text((300, 100), "Ally", fill=0, font=font, anchor="ls")
    word = draw.textbbox((300, 100), "Ally", font=font, anchor="ls")
    draw.rectangle((30, 102, 660, 105), fill=0)  # under the word's baseline: the "y" crosses it
    draw.rectangle((20, 10, 23, 140), fill=0)
    draw.rectangle((30, 160, 660, 200), fill=0)  # a bar 40 px thick: a fill, not a rule
    return image, text, (word[0], word[1], word[2], 100)


def _dark(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    return sum(image.crop(box).histogram()[:128])


def test_rules_are_removed_and_letters_kept():
    page, text, word = _page()
    cleaned = _without_rules(page)
    assert cleaned.size == page.size and cleaned.mode == "L"
    assert _dark(cleaned, (30, 101, 660, 107)) < 40  # the horizontal rule: all but where the "y" crosses
    assert _dark(cleaned, (19, 10, 25, 140)) == 0  # the vertical rule
    assert _dark(page, text) > 300  # the text area holds ink...
    assert _dark(cleaned, text) == _dark(page, text)  # ...kept: l, I, 1 and the underscores are no rules
    assert _dark(cleaned, word) == _dark(page, word)  # a letter touching a rule keeps its ink
    assert _dark(cleaned, (30, 160, 660, 200)) == _dark(page, (30, 160, 660, 200))  # and a bar stays


def test_a_page_without_rules_is_handed_on_untouched():
    page, text, _ = _page()
    text_only = Image.new("L", page.size, 255)
    text_only.paste(page.crop(text), text[:2])
    assert _without_rules(text_only) is text_only
    assert _without_rules(Image.new("L", (400, 300), 0)) is not None  # a black page: no paper
