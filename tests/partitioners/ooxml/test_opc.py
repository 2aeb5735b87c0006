"""opc.Package: a member the package lacks is a MissingPart naming it (readers name it as a lost part)."""

from __future__ import annotations

import io
import zipfile

import pytest

from docbatch.partitioners.ooxml.opc import MissingPart, Package


def test_a_missing_member_is_a_missing_part() -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ppt/part.xml", b"<root/>")
    package = Package(io.BytesIO(data.getvalue()))
    assert package.read("/ppt/part.xml") == b"<root/>"
    with pytest.raises(MissingPart, match=r"ppt/other\.xml is missing"):
        package.read("/ppt/other.xml")
