"""Text parts marked ``Content-Disposition: inline`` are body text, and the small corpus emails
whose whole content is a one-line body (or no body at all) keep giving exactly that.

Every fixture is built here, byte for byte, in the MIME shape it tests."""

from __future__ import annotations

from pathlib import Path

from docbatch.elements import METADATA_KEYS
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.mail.mail import ATTACHMENTS_KEY, partition_eml

OPTIONS = PartitionOptions(detect_languages=False)
WITH_ATTACHMENTS = PartitionOptions(detect_languages=False, process_attachments=True)
PLAIN_FIRST = PartitionOptions(detect_languages=False, email_body="text")

HEADERS = (
    "From: Test User <testuser@example.com>\r\n"
    "To: recipient@example.com\r\n"
    "Subject: Inline parts\r\n"
    "MIME-Version: 1.0\r\n"
)


def _mixed(*parts: str, boundary: str = "MIXED") -> str:
    """A multipart/mixed message; each part is its own headers, a blank line and its content."""
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts)
    return f'{HEADERS}Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n{body}--{boundary}--\r\n'


def _part(ctype: str, content: str, disposition: str | None = None) -> str:
    head = f"Content-Type: {ctype}\r\n"
    if disposition:
        head += f"Content-Disposition: {disposition}\r\n"
    return f"{head}\r\n{content}\r\n"


def _write(tmp_path: Path, text: str, name: str = "mail.eml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _texts(elements) -> list[str]:
    return [e.text for e in elements]


def _listed(elements) -> list[str] | None:
    """The attachments named on the first element (None when the schema has no such key)."""
    if ATTACHMENTS_KEY not in METADATA_KEYS:
        return None
    return elements[0].metadata.get(ATTACHMENTS_KEY, [])


def _expect_listed(names: list[str]) -> list[str] | None:
    return names if ATTACHMENTS_KEY in METADATA_KEYS else None


# -- inline text parts ---------------------------------------------------------------------------


def test_inline_body_next_to_a_text_attachment(tmp_path):
    # Claws Mail's shape: an inline text part, then a text file attached.
    path = _write(
        tmp_path,
        _mixed(
            _part("text/plain; charset=US-ASCII", "This is a test of inline", "inline"),
            _part("text/plain", "test", "attachment; filename=t.txt"),
        ),
    )
    elements = partition_eml(path, OPTIONS)
    assert _texts(elements) == ["This is a test of inline"]
    assert elements[0].metadata["subject"] == "Inline parts"
    assert _listed(elements) == _expect_listed(["t.txt"])

    # The attachment is read only when attachments are processed, and the body is not read twice.
    with_files = partition_eml(path, WITH_ATTACHMENTS)
    assert _texts(with_files) == ["This is a test of inline", "test"]
    assert with_files[1].metadata["filename"] == "t.txt"


def test_text_after_an_inline_image_is_body_too(tmp_path):
    # Apple Mail sends text, an inline picture, then more text as three parts of one mixed body.
    path = _write(
        tmp_path,
        _mixed(
            _part("text/plain", "First paragraph before the picture.", "inline"),
            "Content-Type: image/png\r\nContent-Disposition: inline; filename=a.png\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n",
            _part("text/plain", "Second paragraph after the picture.", "inline"),
        ),
    )
    elements = partition_eml(path, OPTIONS)
    assert _texts(elements) == ["First paragraph before the picture.", "Second paragraph after the picture."]
    assert all(e.metadata["subject"] == "Inline parts" for e in elements)
    # The picture stays an attachment; the second text part is not one any more.
    assert _listed(elements) == _expect_listed(["a.png"])
    assert _texts(partition_eml(path, WITH_ATTACHMENTS)) == _texts(elements)


def test_inline_text_with_a_filename_after_an_alternative_body(tmp_path):
    # The stdlib neither picks this part as body nor yields it as an attachment: it was dropped.
    alternative = (
        'Content-Type: multipart/alternative; boundary="ALT"\r\n\r\n'
        "--ALT\r\nContent-Type: text/plain\r\n\r\nThe body in plain text.\r\n"
        "--ALT\r\nContent-Type: text/html\r\n\r\n<p>The body in HTML.</p>\r\n"
        "--ALT--\r\n"
    )
    path = _write(
        tmp_path,
        _mixed(alternative, _part("text/plain", "A footer shown in place.", "inline; filename=footer.txt")),
    )
    assert _texts(partition_eml(path, OPTIONS)) == ["The body in HTML.", "A footer shown in place."]
    plain = partition_eml(path, PLAIN_FIRST)
    assert _texts(plain) == ["The body in plain text.", "A footer shown in place."]
    assert _listed(plain) == _expect_listed([])


def test_inline_html_part_with_a_filename_after_an_attachment(tmp_path):
    path = _write(
        tmp_path,
        _mixed(
            _part("text/plain", "attached file text", "attachment; filename=t.txt"),
            _part("text/html", "<h1>Status</h1><p>The real body comes second.</p>", "inline; filename=page.html"),
        ),
    )
    elements = partition_eml(path, OPTIONS)
    pairs = [(e.type, e.text) for e in elements]
    assert pairs == [("Title", "Status"), ("NarrativeText", "The real body comes second.")]
    assert _listed(elements) == _expect_listed(["t.txt"])


def test_bare_text_siblings_are_left_to_the_stdlib(tmp_path):
    # Without a disposition, a plain and an HTML part side by side are usually one body sent twice
    # (a mislabelled alternative); reading both would repeat it.
    path = _write(
        tmp_path,
        _mixed(_part("text/plain", "Same words."), _part("text/html", "<p>Same words.</p>")),
    )
    assert _texts(partition_eml(path, OPTIONS)) == ["Same words."]


# -- the shapes of the other small corpus emails ---------------------------------------------------


def test_message_whose_only_part_is_an_attached_image(tmp_path):
    # No body: the subject stands in as a Title; the picture's base64 never becomes text.
    image = (
        'Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename="image.jpg"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEAAkGBxISEBAQEhIS\r\n"
    )
    text = _mixed(image).replace("Subject: Inline parts", "Subject: Image Only Email")
    elements = partition_eml(_write(tmp_path, text), OPTIONS)
    assert [(e.type, e.text) for e in elements] == [("Title", "Image Only Email")]
    assert _listed(elements) == _expect_listed(["image.jpg"])


def test_single_part_body_with_an_iso_or_rfc_2822_date(tmp_path):
    for date in ("2025-07-29T12:42:06.000Z", "Tue, 29 Jul 2025 12:42:06 +0000"):
        text = f"Date: {date}\r\n{HEADERS}\r\nThis is a test-email.\r\n"
        elements = partition_eml(_write(tmp_path, text), OPTIONS)
        assert _texts(elements) == ["This is a test-email."]
        assert elements[0].metadata["last_modified"] == "2025-07-29T12:42:06+00:00"
        assert elements[0].metadata["sent_from"] == ["Test User <testuser@example.com>"]


def test_a_signed_message_reads_its_content_and_not_its_signature(tmp_path):
    """multipart/signed (S/MIME, PGP/MIME): the first part is the message a client shows, the
    second the signature. Its inline text is body text, its attachment the only attachment; the
    content was listed (and, with attachments, read again) as a nested `attachment.eml` before."""
    inner = (
        'Content-Type: multipart/mixed; boundary="INNER"\r\n\r\n'
        + "".join(
            f"--INNER\r\n{part}\r\n"
            for part in (
                _part("text/plain; charset=utf-8", "The quarterly numbers are attached."),
                _part("text/plain; charset=utf-8", "Second paragraph shown inline.", "inline"),
                _part("text/plain", "Attached notes about revenue.", 'attachment; filename="notes.txt"'),
            )
        )
        + "--INNER--\r\n"
    )
    signature = _part("application/pkcs7-signature", "MIAGCSqGSIb3DQEHAqCAMIACAQEx", 'attachment; filename="smime.p7s"')
    path = _write(
        tmp_path,
        f'{HEADERS}Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary="OUTER"\r\n\r\n'
        f"--OUTER\r\n{inner}\r\n--OUTER\r\n{signature}\r\n--OUTER--\r\n",
    )
    elements = partition_eml(path, OPTIONS)
    assert _texts(elements) == ["The quarterly numbers are attached.", "Second paragraph shown inline."]
    assert elements[0].metadata["subject"] == "Inline parts"
    assert _listed(elements) == _expect_listed(["notes.txt"])
    with_files = partition_eml(path, WITH_ATTACHMENTS)
    assert _texts(with_files)[2:] == ["Attached notes about revenue."]
    assert with_files[2].metadata["filename"] == "notes.txt"
