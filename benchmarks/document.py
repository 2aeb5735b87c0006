"""One logical document with known structure, rendered later into every format.

Scoring needs ground truth, and ground truth is cheapest when we write the document ourselves:
a seeded generator builds titles at three levels, narrative paragraphs, bullet lists and tables,
plus a running header and footer. Every writer in :mod:`benchmarks.generate` renders this same
model, so a format's score differs from another's only by what its partitioner gets right.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["Block", "Document", "Expected", "make_document"]

_SUBJECTS = [
    "The regional team",
    "Our finance group",
    "The board",
    "Each warehouse manager",
    "The logistics partner",
    "The research department",
    "Customer support",
    "The northern division",
    "Every project lead",
    "The audit committee",
]
_VERBS = [
    "reviewed",
    "approved",
    "measured",
    "reduced",
    "expanded",
    "documented",
    "compared",
    "forecast",
    "delivered",
    "analysed",
]
_OBJECTS = [
    "the quarterly shipping costs",
    "the new supplier contracts",
    "the inventory turnover rate",
    "the customer retention figures",
    "the energy use of each site",
    "the hiring plan for next year",
    "the backlog of open orders",
    "the pricing of spare parts",
    "the training budget",
    "the delivery times to remote stores",
]
_TAILS = [
    "before the end of the month",
    "with help from two outside consultants",
    "across all twelve regional offices",
    "in line with the plan agreed in March",
    "although several stores reported delays",
    "and shared the results with every department",
    "so that the next review can start earlier",
    "despite a shortage of qualified staff",
]
_TOPICS = [
    "Revenue",
    "Operations",
    "Logistics",
    "Staffing",
    "Procurement",
    "Customer Service",
    "Research",
    "Facilities",
    "Compliance",
    "Outlook",
]
_ASPECTS = ["Overview", "Regional Results", "Key Risks", "Next Steps", "Method", "Cost Drivers", "Open Questions"]
_ITEMS = [
    "Renegotiate the freight contract with the main carrier",
    "Publish the revised safety checklist for all sites",
    "Hire three analysts for the planning team",
    "Close the two smallest warehouses by autumn",
    "Move the customer portal to the new platform",
    "Track delivery times weekly instead of monthly",
    "Review supplier payment terms every quarter",
    "Train store managers on the new ordering tool",
]
_REGIONS = ["North", "South", "East", "West", "Central", "Coastal", "Mountain"]


@dataclass(frozen=True, slots=True)
class Block:
    """One structural unit: a title (with level 1-3), a paragraph, a list item or a table."""

    kind: str  # "title" | "paragraph" | "list_item" | "table"
    text: str = ""
    #: A title's level (1-3), or a list item's nesting (0 top level, 1 nested under the item before).
    level: int = 0
    rows: tuple[tuple[str, ...], ...] = ()
    #: A phrase of ``text`` that formats able to show it render in bold (runs must not split text).
    emphasis: str = ""

    def split_emphasis(self) -> tuple[str, str, str]:
        """(before, emphasised phrase, after); the phrase is empty when there is none."""
        if not self.emphasis or self.emphasis not in self.text:
            return self.text, "", ""
        before, _, after = self.text.partition(self.emphasis)
        return before, self.emphasis, after

    @property
    def table_text(self) -> str:
        """A table's text as unstructured writes it: every cell, row by row, space-separated."""
        return " ".join(cell for row in self.rows for cell in row)


@dataclass(frozen=True, slots=True)
class Expected:
    """One element a correct partitioner should produce, as (type, text)."""

    type: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "text": self.text}


@dataclass(slots=True)
class Document:
    """A whole document: a title, sections of blocks, and the running header/footer text."""

    title: str
    header: str
    footer: str
    blocks: list[Block] = field(default_factory=list)

    def sections(self) -> list[list[Block]]:
        """Blocks split before each level-1 title (the document title opens the first section)."""
        out: list[list[Block]] = []
        for block in self.blocks:
            if (block.kind == "title" and block.level == 1) or not out:
                out.append([])
            out[-1].append(block)
        return out

    def tables(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "table"]


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}."


def _paragraph(rng: random.Random) -> Block:
    text = " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))
    emphasis = next((o for o in _OBJECTS if o in text), "")
    return Block("paragraph", text, emphasis=emphasis)


def _table(rng: random.Random, topic: str) -> Block:
    header = ("Region", f"{topic} 2025", f"{topic} 2026", "Change")
    rows = [header]
    for region in rng.sample(_REGIONS, rng.randint(3, 5)):
        a, b = rng.randint(100, 999), rng.randint(100, 999)
        rows.append((region, str(a), str(b), f"{(b - a) / a * 100:+.1f}%"))
    return Block("table", rows=tuple(rows))


def make_document(seed: int, sections: int = 4) -> Document:
    """A deterministic document of ``sections`` top-level sections (about 0.7 PDF pages each)."""
    rng = random.Random(seed)
    doc = Document(
        title=f"Annual Operations Report {2000 + seed % 100}",
        header=f"Northwind Trading Company - Report {seed}",
        footer="Internal use only - do not distribute",
    )
    doc.blocks.append(Block("title", doc.title, level=1))
    doc.blocks.append(_paragraph(rng))
    for n in range(1, sections + 1):
        topic = _TOPICS[(n - 1) % len(_TOPICS)]
        doc.blocks.append(Block("title", f"{n} {topic}", level=1))
        doc.blocks.append(_paragraph(rng))
        aspects = rng.sample(_ASPECTS, 2)
        doc.blocks.append(Block("title", f"{n}.1 {aspects[0]}", level=2))
        doc.blocks.append(_paragraph(rng))
        for k, item in enumerate(rng.sample(_ITEMS, rng.randint(3, 4))):
            doc.blocks.append(Block("list_item", item, level=1 if k == 1 else 0))  # the second is nested
        doc.blocks.append(Block("title", f"{n}.1.1 Detail on {topic.lower()}", level=3))
        doc.blocks.append(_paragraph(rng))
        doc.blocks.append(Block("title", f"{n}.2 {aspects[1]}", level=2))
        doc.blocks.append(_paragraph(rng))
        if n % 2 == 1:
            doc.blocks.append(_table(rng, topic))
        doc.blocks.append(_paragraph(rng))
    return doc
