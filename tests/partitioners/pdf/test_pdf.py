"""The PDF partitioner on PDFs built in the test (see tests/fixtures/pdf/make_fixtures.py) and on the corpus."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from docbatch.elements import DocumentInfo, elements_to_dicts, finalize
from docbatch.errors import DocumentError, EncryptedDocument
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.notes import collecting
from docbatch.partitioners.pdf.pdf import partition_pdf

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pdf"
CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"


def _load_maker():
    spec = importlib.util.spec_from_file_location("pdf_make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE = _load_maker()


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdf")
    return {name: make(folder / name) for name, make in MAKE.FIXTURES.items()}


def _run(path: Path):
    return partition_pdf(path, PartitionOptions())


def _pairs(elements) -> list[tuple[str, str]]:
    return [(e.type, e.text) for e in elements]


def test_titles_get_depths_from_font_size_and_weight(pdfs):
    titles = [(e.text, e.metadata["category_depth"]) for e in _run(pdfs["structured.pdf"]) if e.type == "Title"]
    assert titles == [("Annual Report", 0), ("Introduction", 1), ("Goals", 2), ("Results", 1)]


def test_wrapped_lines_and_hyphenation_join_into_one_paragraph(pdfs):
    texts = [e.text for e in _run(pdfs["structured.pdf"]) if e.type == "NarrativeText"]
    assert texts[0] == (
        "This report describes the work of the year and its hypothetical results in some detail "
        "for every reader who wants to know more about the project."
    )
    assert texts[1] == (
        "The goals of the year were simple and they were all reached before the end of the summer season."
    )


def test_bullets_and_numbers_become_list_items_without_the_marker(pdfs):
    items = [(e.text, e.metadata["category_depth"]) for e in _run(pdfs["structured.pdf"]) if e.type == "ListItem"]
    assert items == [
        ("First bullet point", 0),
        ("Second bullet point", 0),
        ("Nested point", 1),
        ("Numbered entry one", 0),
        ("Numbered entry two", 0),
    ]


def test_elements_carry_page_number_and_pixel_space_coordinates(pdfs):
    title = _run(pdfs["structured.pdf"])[0]
    assert title.metadata["page_number"] == 1
    coords = title.metadata["coordinates"]
    assert coords["system"] == "PixelSpace"
    assert (coords["layout_width"], coords["layout_height"]) == (612.0, 792.0)
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = coords["points"]
    assert x0 == x1 and x2 == x3 and y0 == y3 and y1 == y2  # top-left, bottom-left, bottom-right, top-right
    assert 70 <= x0 <= 74 and x2 > 200
    assert 40 < y0 < y1 < 80  # 24pt title with its baseline at 720pt from the bottom


def test_link_annotation_gives_link_urls_and_texts(pdfs):
    last = _run(pdfs["structured.pdf"])[-1]
    assert last.text == "All results are final and were checked twice by the team."
    assert last.metadata["link_urls"] == ["https://example.com/results"]
    assert last.metadata["link_texts"][0].startswith("All results are")


def test_running_heads_and_page_numbers_are_header_and_footer(pdfs):
    elements = _run(pdfs["running-heads.pdf"])
    assert _pairs(elements) == [
        pair
        for n in (1, 2, 3)
        for pair in (
            ("Header", "ACME Corporation Quarterly Review"),
            ("NarrativeText", f"Body text of page {n} talks about the quarter in plain words."),
            ("Footer", f"Page {n}"),
        )
    ]
    assert [e.metadata["page_number"] for e in elements] == [1, 1, 1, 2, 2, 2, 3, 3, 3]


def test_two_columns_read_column_by_column(pdfs):
    assert _pairs(_run(pdfs["two-columns.pdf"])) == [
        ("Title", "Two Column Study"),
        ("NarrativeText", "Left column starts here and continues on this line with more words until it ends."),
        ("NarrativeText", "Right column begins over here and it goes on with its own words to the end."),
    ]


def test_ruled_table_becomes_a_table_with_html(pdfs):
    elements = _run(pdfs["table.pdf"])
    assert [e.type for e in elements] == ["NarrativeText", "Table"]
    table = elements[1]
    assert table.text == "Fruit Colour Price Apple Red 1.20 Banana Yellow 0.80"
    assert table.metadata["text_as_html"] == (
        "<table><tr><th>Fruit</th><th>Colour</th><th>Price</th></tr>"
        "<tr><td>Apple</td><td>Red</td><td>1.20</td></tr>"
        "<tr><td>Banana</td><td>Yellow</td><td>0.80</td></tr></table>"
    )


def test_table_ruled_only_across_is_found_from_column_alignment(pdfs):
    elements = _run(pdfs["booktabs.pdf"])
    assert [e.type for e in elements] == ["NarrativeText", "Table", "NarrativeText"]
    assert elements[1].metadata["text_as_html"] == (
        "<table><tr><th>System</th><th>Test A</th><th>Test B</th></tr>"
        "<tr><td>Baseline</td><td>61.2</td><td>58.0</td></tr>"
        "<tr><td>Ours</td><td>70.4</td><td>66.9</td></tr>"
        "<tr><td>Oracle</td><td>88.1</td><td>85.5</td></tr></table>"
    )


def test_rotated_page_reads_in_text_order_with_display_coordinates(pdfs):
    elements = _run(pdfs["rotated.pdf"])
    assert _pairs(elements) == [
        ("Title", "Landscape Heading"),
        ("NarrativeText", "First line of the landscape page body text."),
    ]
    coords = elements[0].metadata["coordinates"]
    assert (coords["layout_width"], coords["layout_height"]) == (792.0, 612.0)  # landscape as displayed
    assert coords["points"][0][1] < elements[1].metadata["coordinates"]["points"][0][1]


def test_vector_only_page_is_blank_not_a_failure(pdfs):
    with collecting() as notes:
        assert _run(pdfs["no-text.pdf"]) == []
    assert notes.remark_text() == "no text on 1 blank page"


def test_encrypted_pdf_raises_encrypted_document(pdfs):
    with pytest.raises(EncryptedDocument):
        _run(pdfs["encrypted.pdf"])


def test_broken_pdf_raises_document_error_with_one_line_reason(pdfs):
    with pytest.raises(DocumentError) as info:
        _run(pdfs["broken.pdf"])
    assert not isinstance(info.value, EncryptedDocument)
    assert "\n" not in str(info.value) and str(info.value)


def test_registry_dispatch_and_finalize_give_parent_links_and_json(pdfs):
    ft, elements = partition_file(pdfs["structured.pdf"])
    assert ft.name == "pdf"
    doc = DocumentInfo("structured.pdf", "application/pdf", url="file:///structured.pdf", record_locator={})
    final = finalize(elements, doc)
    by_text = {e.text: e for e in final}
    assert by_text["Introduction"].metadata["parent_id"] == by_text["Annual Report"].element_id
    assert by_text["Goals"].metadata["parent_id"] == by_text["Introduction"].element_id
    assert by_text["First bullet point"].metadata["parent_id"] == by_text["Goals"].element_id
    assert by_text["Nested point"].metadata["parent_id"] == by_text["Second bullet point"].element_id
    assert by_text["Results"].metadata["parent_id"] == by_text["Annual Report"].element_id
    dicts = elements_to_dicts(final)
    assert all(set(d) == {"type", "element_id", "text", "metadata"} for d in dicts)
    assert dicts[0]["metadata"]["filetype"] == "application/pdf"


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_every_corpus_pdf_gives_elements_or_a_clean_document_error():
    files = [*sorted((CORPUS / "pdf").glob("*.pdf")), CORPUS / "rotated-page-90.pdf"]
    outcomes = {}
    for path in files:
        if not path.exists():
            continue
        try:
            elements = _run(path)
        except DocumentError as e:
            assert "\n" not in str(e)
            outcomes[path.name] = type(e).__name__
            continue
        assert elements, path.name
        outcomes[path.name] = "ok"
    assert outcomes["password.pdf"] == "EncryptedDocument"
    # a scan: read by OCR where Tesseract is installed, else failed with the one install sentence
    assert outcomes["loremipsum-flat.pdf"] in ("ok", "DocumentError")
    assert outcomes["multi-column.pdf"] == "ok"


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_rotated_page_keeps_all_text_and_turns_coordinates():
    elements = _run(CORPUS / "rotated-page-90.pdf")
    assert {e.text for e in elements} == {"Rotated page fixture", "Second line of text here", "Hello World Test Text"}
    assert all(e.metadata["coordinates"]["layout_width"] > e.metadata["coordinates"]["layout_height"] for e in elements)


def _many_links(path: Path, rows: int = 24, cols: int = 25) -> Path:
    """One page of ``rows`` x ``cols`` linked words, plus a link over two lines and one over nothing."""
    w = MAKE.Writer()
    w.new_page()
    for r in range(rows):
        y = 740 - 20 * r
        for c in range(cols):
            x = 40 + 22 * c
            w.text(x, y, f"w{r * cols + c}", size=6)
            w.link(x - 1, y - 2, x + 14, y + 7, f"https://example.com/{r * cols + c}")
    w.text(40, 200, "first line of a linked pair", size=10)
    w.text(40, 186, "second line of it", size=10)
    w.link(38, 183, 300, 212, "https://example.com/pair")
    w.link(400, 100, 450, 120, "https://example.com/empty")
    return w.save(path)


def test_many_links_get_the_text_pdfium_finds_under_each_box(tmp_path):
    import pypdfium2 as pdfium

    from docbatch.partitioners.pdf.links import page_links

    doc = pdfium.PdfDocument(str(_many_links(tmp_path / "links.pdf")))
    page = doc[0]
    textpage = page.get_textpage()
    links = page_links(doc, page, textpage)
    # the sweep must give what pdfium's own per-box lookup gives, word for word
    expected = [" ".join(textpage.get_text_bounded(*box).split()) for box, _, _ in links]
    texts = {url: text for _, url, text in links}
    textpage.close()
    page.close()
    doc.close()
    assert len(links) == 24 * 25 + 2
    assert [text for _, _, text in links] == expected
    assert texts["https://example.com/0"] == "w0"
    assert texts["https://example.com/599"] == "w599"
    assert texts["https://example.com/pair"] == "first line of a linked pair second line of it"
    assert texts["https://example.com/empty"] == ""


def test_many_links_page_gives_each_block_its_links(tmp_path):
    elements = _run(_many_links(tmp_path / "links.pdf"))
    pairs = [
        pair
        for e in elements
        for pair in zip(e.metadata.get("link_urls", []), e.metadata.get("link_texts", []), strict=True)
    ]
    words = [(url, text) for url, text in pairs if url.rsplit("/", 1)[1].isdigit()]
    assert len(words) >= 590  # links go to the block under their middle; a few may fall between blocks
    assert all(text == "w" + url.rsplit("/", 1)[1] for url, text in words)


def test_bounded_text_in_one_call_is_pypdfium2s_bounded_text(pdfs):
    """docbatch's one-call bounded text gives pypdfium2's two-call answer for boxes big, small and empty."""
    import random

    import pypdfium2 as pdfium

    from docbatch.partitioners.pdf.ffi import BoundedText

    doc = pdfium.PdfDocument(str(pdfs["structured.pdf"]))
    page = doc[0]
    textpage = page.get_textpage()
    bounded = BoundedText(textpage)
    left, bottom, right, top = page.get_bbox()
    rng = random.Random(7)
    boxes = [(left, bottom, right, top), (0.0, 0.0, 1.0, 1.0), (300.0, 300.0, 300.0, 300.0)]
    for _ in range(200):
        x, y = rng.uniform(left, right), rng.uniform(bottom, top)
        boxes.append((x, y, x + rng.uniform(1, 300), y + rng.uniform(1, 120)))
    try:
        got = [bounded(*box) for box in boxes]
        expected = [textpage.get_text_bounded(*box) for box in boxes]
    finally:
        textpage.close()
        page.close()
        doc.close()
    assert got == expected
    assert sum(1 for text in got if text.strip()) > 20  # many boxes hold text: the comparison means something
