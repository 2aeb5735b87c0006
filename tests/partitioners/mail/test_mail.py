"""The email partitioners: MIME .eml and Outlook .msg."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import orjson
import pytest

from docbatch.elements import METADATA_KEYS, DocumentInfo, elements_to_dicts, finalize
from docbatch.errors import DocumentError, EncryptedDocument
from docbatch.partitioners.auto import partition_file
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.mail.mail import (
    ATTACHMENTS_KEY,
    MAX_ATTACHMENT_DEPTH,
    format_address,
    iso_date,
    partition_eml,
    partition_msg,
    safe_filename,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mail"
CORPUS = Path(__file__).resolve().parents[4] / "shared/corpus/unstructured-example-docs"
OPTIONS = PartitionOptions(detect_languages=False)
WITH_ATTACHMENTS = PartitionOptions(detect_languages=False, process_attachments=True)

HTML_BODY = "<html><body><h1>Quarterly plan</h1><p>The budget is approved.</p><ul><li>Hire</li></ul></body></html>"
TEXT_BODY = "Plain version of the plan.\n\nThe budget is approved in plain text.\n"


def _message(*, subject: str = "Plan for Q3", html: bool = True) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Ada Lovelace <ada@example.com>"
    msg["To"] = "Bob <bob@example.com>, carol@example.com"
    msg["Cc"] = "Dan <dan@example.com>"
    msg["Bcc"] = "eve@example.com"
    msg["Subject"] = subject
    msg["Date"] = "Fri, 16 Dec 2022 17:04:16 -0500"
    msg["Message-ID"] = "<abc.123@example.com>"
    msg.set_content(TEXT_BODY)
    if html:
        msg.add_alternative(HTML_BODY, subtype="html")
    return msg


def _write(tmp_path: Path, msg: EmailMessage, name: str = "mail.eml") -> Path:
    path = tmp_path / name
    path.write_bytes(msg.as_bytes())
    return path


def _pairs(elements):
    return [(e.type, e.text) for e in elements]


def _assert_listed(meta: dict, names: list[str]) -> None:
    """Attachments are listed once the schema admits the key; until then the key is left out."""
    if ATTACHMENTS_KEY in METADATA_KEYS:
        assert meta[ATTACHMENTS_KEY] == names
    else:
        assert ATTACHMENTS_KEY not in meta


# -- .eml body and envelope ----------------------------------------------------------------------


def test_html_body_is_preferred_and_envelope_is_on_every_element(tmp_path):
    elements = partition_eml(_write(tmp_path, _message()), OPTIONS)
    assert _pairs(elements) == [
        ("Title", "Quarterly plan"),
        ("NarrativeText", "The budget is approved."),
        ("ListItem", "Hire"),
    ]
    for el in elements:
        meta = el.metadata
        assert meta["sent_from"] == ["Ada Lovelace <ada@example.com>"]
        assert meta["sent_to"] == ["Bob <bob@example.com>", "carol@example.com"]
        assert meta["cc_recipient"] == ["Dan <dan@example.com>"]
        assert meta["bcc_recipient"] == ["eve@example.com"]
        assert meta["subject"] == "Plan for Q3"
        assert meta["email_message_id"] == "abc.123@example.com"
        assert meta["last_modified"] == "2022-12-16T22:04:16+00:00"


def test_text_body_when_asked_for(tmp_path):
    options = PartitionOptions(detect_languages=False, email_body="text")
    elements = partition_eml(_write(tmp_path, _message()), options)
    assert [e.text for e in elements] == ["Plain version of the plan.", "The budget is approved in plain text."]


def test_text_body_when_there_is_no_html(tmp_path):
    elements = partition_eml(_write(tmp_path, _message(html=False)), OPTIONS)
    assert [e.text for e in elements][-1] == "The budget is approved in plain text."


def test_message_without_body_keeps_its_envelope_as_a_title(tmp_path):
    raw = EmailMessage()
    raw["From"] = "ada@example.com"
    raw["Subject"] = "Only a subject"
    raw.add_attachment(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, maintype="image", subtype="png", filename="logo.png")
    path = tmp_path / "nobody.eml"
    path.write_bytes(raw.as_bytes())
    elements = partition_eml(path, OPTIONS)
    assert _pairs(elements) == [("Title", "Only a subject")]
    _assert_listed(elements[0].metadata, ["logo.png"])
    assert elements[0].metadata["sent_from"] == ["ada@example.com"]


DIGEST = """From: list@example.com
To: bob@example.com
Subject: Weekly digest
MIME-Version: 1.0
Content-Type: multipart/digest; boundary="b1"

--b1

From: eve@example.com
Subject: First Message

This is the first message.

--b1
Content-Type: message/rfc822

From: frank@example.com
Subject: Second Message
Content-Type: text/html

<p>This is the <b>second</b> message.</p>

--b1
Content-Type: text/plain; name="notes.txt"
Content-Disposition: attachment; filename="notes.txt"

an attached note
--b1--
"""


def test_digest_messages_are_the_body(tmp_path):
    """A multipart/digest holds messages (message/rfc822 by default): each is partitioned as
    part of the body under its subject, and only real attachments are listed as such."""
    path = tmp_path / "digest.eml"
    path.write_text(DIGEST)
    elements = partition_eml(path, OPTIONS)
    assert _pairs(elements) == [
        ("Title", "First Message"),
        ("NarrativeText", "This is the first message."),
        ("Title", "Second Message"),
        ("NarrativeText", "This is the second message."),
    ]
    assert elements[0].metadata["subject"] == "Weekly digest"
    _assert_listed(elements[0].metadata, ["notes.txt"])
    with_attachments = partition_eml(path, WITH_ATTACHMENTS)
    assert _pairs(with_attachments)[4:] == [("NarrativeText", "an attached note")]


def test_encoded_headers_and_undecodable_charset(tmp_path):
    raw = (
        b"From: =?utf-8?q?J=C3=BCrgen?= <j@example.com>\r\n"
        b"To: x@example.com\r\n"
        b"Subject: =?utf-8?b?R3LDvMOfZQ==?=\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
        b"Gr\xc3\xbc\xc3\x9fe aus M\xc3\xbcnchen, wie geht es dir heute?\r\n"
    )
    path = tmp_path / "enc.eml"
    path.write_bytes(raw)
    elements = partition_eml(path, OPTIONS)
    assert elements[0].metadata["subject"] == "Grüße"
    assert elements[0].metadata["sent_from"] == ["Jürgen <j@example.com>"]
    assert elements[0].text == "Grüße aus München, wie geht es dir heute?"


def test_wrongly_declared_charset_never_leaks_surrogates(tmp_path):
    raw = (
        b"From: a@example.com\r\nSubject: Caf\xe9\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Caf\xe9 au lait and cr\xe8me br\xfbl\xe9e for everyone at the meeting.\r\n"
    )
    path = tmp_path / "latin.eml"
    path.write_bytes(raw)
    elements = partition_eml(path, OPTIONS)
    dicts = elements_to_dicts(finalize(elements, DocumentInfo("latin.eml", "message/rfc822", "x", {})))
    orjson.dumps(dicts)  # raises on lone surrogates
    assert dicts[0]["text"].startswith("Caf")
    assert dicts[0]["metadata"]["subject"].startswith("Caf")


def test_whole_file_in_utf16_is_decoded(tmp_path):
    text = _message(html=False).as_string()
    path = tmp_path / "wide.eml"
    path.write_bytes(text.encode("utf-16"))
    elements = partition_eml(path, OPTIONS)
    assert elements[0].metadata["subject"] == "Plan for Q3"
    assert elements[-1].text == "The budget is approved in plain text."


@pytest.mark.parametrize("name", ["Robinson, Matthew", "Matthew Robinson", "J. Doe", 'Say "hi"', "Jürgen"])
def test_msg_addresses_print_like_parsed_eml_addresses(name):
    from email.headerregistry import Address

    assert format_address(name, "m@example.org") == str(Address(name, addr_spec="m@example.org"))


def test_date_formats():
    assert iso_date("Fri, 16 Dec 2022 17:04:16 -0500") == "2022-12-16T22:04:16+00:00"
    assert iso_date("2025-07-29T12:42:06Z") == "2025-07-29T12:42:06+00:00"
    assert iso_date("yesterday at noon") is None
    assert iso_date(None) is None


def test_encrypted_email_is_reported_as_encrypted(tmp_path):
    raw = (
        b"From: a@example.com\r\nTo: b@example.com\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n"
        b"--b\r\nContent-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\nxx\r\n--b--\r\n"
    )
    path = tmp_path / "secret.eml"
    path.write_bytes(raw)
    with pytest.raises(EncryptedDocument):
        partition_eml(path, OPTIONS)


def test_detected_and_partitioned_through_partition_file(tmp_path):
    file_type, elements = partition_file(_write(tmp_path, _message()), OPTIONS)
    assert file_type.name == "eml"
    assert elements[0].text == "Quarterly plan"


# -- attachments ---------------------------------------------------------------------------------


def _with_attachments() -> EmailMessage:
    msg = _message()
    msg.add_attachment(b"Notes from the attached file.\n", maintype="text", subtype="plain", filename="notes.txt")
    msg.add_attachment(b"\xff\xd8\xff" + b"\x00" * 32, maintype="image", subtype="jpeg", filename="photo.jpg")
    msg.add_attachment(b"{broken json", maintype="application", subtype="json", filename="data.json")
    return msg


def test_attachments_are_listed_but_not_partitioned_by_default(tmp_path):
    elements = partition_eml(_write(tmp_path, _with_attachments()), OPTIONS)
    assert len(elements) == 3
    _assert_listed(elements[0].metadata, ["notes.txt", "photo.jpg", "data.json"])


def test_processed_attachments_hang_under_the_email(tmp_path):
    elements = partition_eml(_write(tmp_path, _with_attachments()), WITH_ATTACHMENTS)
    # The text attachment is partitioned; the image is unsupported and the broken JSON fails:
    # neither fails the email.
    assert _pairs(elements)[-1] == ("NarrativeText", "Notes from the attached file.")
    attached = elements[-1]
    assert attached.parent == 0
    assert attached.metadata["attached_to_filename"] == "mail.eml"
    assert attached.metadata["filename"] == "notes.txt"
    assert attached.metadata["filetype"] == "text/plain"
    assert "subject" not in attached.metadata

    final = finalize(elements, DocumentInfo("mail.eml", "message/rfc822", "file:///mail.eml", {}))
    assert final[-1].metadata["parent_id"] == final[0].element_id
    assert final[-1].metadata["filename"] == "notes.txt"
    assert final[0].metadata["filename"] == "mail.eml"


def test_attached_email_is_partitioned_recursively(tmp_path):
    inner = _message(subject="Inner note", html=False)
    outer = _message(subject="Forwarded")
    outer.add_attachment(inner)
    elements = partition_eml(_write(tmp_path, outer), WITH_ATTACHMENTS)
    nested = [e for e in elements if e.metadata.get("subject") == "Inner note"]
    assert nested and nested[-1].text == "The budget is approved in plain text."
    assert all(e.parent == 0 for e in nested)
    assert nested[0].metadata["attached_to_filename"] == "mail.eml"


def test_single_part_message_that_is_an_attachment(tmp_path):
    path = tmp_path / "fileonly.eml"
    path.write_bytes(
        b"From: a@example.com\r\nSubject: Notes attached\r\nContent-Type: text/plain\r\n"
        b"Content-Disposition: attachment; filename=notes.txt\r\n\r\nAttached notes only.\r\n"
    )
    elements = partition_eml(path, WITH_ATTACHMENTS)
    assert _pairs(elements) == [("Title", "Notes attached"), ("NarrativeText", "Attached notes only.")]
    assert elements[1].parent == 0
    _assert_listed(elements[0].metadata, ["notes.txt"])


def test_nested_attachment_names_its_own_email(tmp_path):
    inner = _message(subject="Inner note", html=False)
    inner.add_attachment(b"Deep attachment text.\n", maintype="text", subtype="plain", filename="deep.txt")
    outer = _message(subject="Forwarded")
    outer.add_attachment(inner, filename="inner.eml")
    elements = partition_eml(_write(tmp_path, outer), WITH_ATTACHMENTS)
    deep = elements[-1]
    assert deep.text == "Deep attachment text."
    assert deep.metadata["filename"] == "deep.txt"
    assert deep.metadata["attached_to_filename"] == "inner.eml"
    inner_body = next(e for e in elements if e.metadata.get("subject") == "Inner note")
    assert deep.parent == elements.index(inner_body)
    assert inner_body.parent == 0
    assert inner_body.metadata["attached_to_filename"] == "mail.eml"


def test_attachment_recursion_is_limited(tmp_path):
    msg = _message(subject="level 0", html=False)
    for level in range(1, MAX_ATTACHMENT_DEPTH + 3):
        outer = _message(subject=f"level {level}", html=False)
        outer.add_attachment(msg)
        msg = outer
    elements = partition_eml(_write(tmp_path, msg), WITH_ATTACHMENTS)
    subjects = {e.metadata.get("subject") for e in elements}
    top = MAX_ATTACHMENT_DEPTH + 2
    assert {f"level {top - d}" for d in range(MAX_ATTACHMENT_DEPTH + 1)} <= subjects
    assert f"level {top - MAX_ATTACHMENT_DEPTH - 1}" not in subjects


def test_attachment_names_cannot_escape_the_temp_folder(tmp_path):
    assert safe_filename("../../etc/cron.d/evil.txt") == "evil.txt"
    assert safe_filename("..\\..\\Windows\\evil.txt") == "evil.txt"
    assert safe_filename("a\x00b.txt") == "a_b.txt"
    assert safe_filename("..") == "attachment"
    assert len(safe_filename("x" * 500 + ".pdf")) <= 150
    assert safe_filename("x" * 500 + ".pdf").endswith(".pdf")

    msg = _message()
    msg.add_attachment(b"Escaped text.\n", maintype="text", subtype="plain", filename="../../escape.txt")
    elements = partition_eml(_write(tmp_path, msg), WITH_ATTACHMENTS)
    assert elements[-1].text == "Escaped text."
    assert not (tmp_path.parent / "escape.txt").exists()


# -- .msg ----------------------------------------------------------------------------------------


def test_msg_body_and_envelope():
    elements = partition_msg(FIXTURES / "fake-email.msg", OPTIONS)
    assert _pairs(elements) == [
        ("NarrativeText", "This is a test email to use for unit tests."),
        ("NarrativeText", "Important points:"),
        ("ListItem", "Roses are red"),
        ("ListItem", "Violets are blue"),
    ]
    meta = elements[0].metadata
    assert meta["sent_from"] == ["Matthew Robinson <mrobinson@unstructured.io>"]
    assert meta["sent_to"] == ["Matthew Robinson <mrobinson@unstructured.io>"]
    assert meta["subject"] == "Test Email"
    assert meta["email_message_id"] == "CADc-_xaLB2FeVQ7mNsoX+NJb_7hAJhBKa_zet-rtgPGenj0uVw@mail.gmail.com"
    assert meta["last_modified"] == "2022-12-16T22:04:16+00:00"


def test_msg_html_encapsulated_in_rtf_is_recovered():
    import extract_msg
    from extract_msg.enums import DeencapType
    from extract_msg.exceptions import DeencapNotEncapsulated

    from docbatch.partitioners.mail.mail import _deencapsulate_rtf

    msg = extract_msg.openMsg(str(FIXTURES / "fake-email.msg"))
    try:
        rtf = msg.rtfBody
    finally:
        msg.close()
    html = _deencapsulate_rtf(rtf, DeencapType.HTML)
    assert b"<li>Roses are red</li>" in html
    assert _deencapsulate_rtf(rtf, DeencapType.HTML) == html  # the cached parser is reusable
    with pytest.raises(DeencapNotEncapsulated):
        _deencapsulate_rtf(rtf, DeencapType.PLAIN)


def test_msg_plain_text_body_when_asked_for():
    options = PartitionOptions(detect_languages=False, email_body="text")
    elements = partition_msg(FIXTURES / "fake-email.msg", options)
    assert elements[0].text == "This is a test email to use for unit tests."
    assert ("ListItem", "Roses are red") in _pairs(elements)


def test_msg_attachment(tmp_path):
    plain = partition_msg(FIXTURES / "fake-email-attachment.msg", OPTIONS)
    _assert_listed(plain[0].metadata, ["fake-attachment.txt"])
    elements = partition_msg(FIXTURES / "fake-email-attachment.msg", WITH_ATTACHMENTS)
    assert elements[-1].text == "Hey this is a fake attachment!"
    assert elements[-1].parent == 0
    assert elements[-1].metadata["attached_to_filename"] == "fake-email-attachment.msg"
    assert elements[-1].metadata["filename"] == "fake-attachment.txt"


def test_broken_msg_is_a_document_error(tmp_path):
    path = tmp_path / "broken.msg"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(DocumentError):
        partition_msg(path, OPTIONS)


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
def test_corpus_msg_cc_bcc_and_encrypted():
    elements = partition_msg(CORPUS / "fake-email-with-cc-and-bcc.msg", OPTIONS)
    meta = elements[0].metadata
    assert meta["cc_recipient"] == ["steve@unstructured.io"]
    assert meta["bcc_recipient"] == ["hello@unstructured.io"]
    assert meta["sent_to"] == ["John Jennings <john-ctr@unstructured.io>"]
    with pytest.raises(EncryptedDocument):
        partition_file(CORPUS / "fake-encrypted.msg", OPTIONS)


# -- corpus --------------------------------------------------------------------------------------

_CORPUS_FILES = (
    sorted({*CORPUS.rglob("*.eml"), *CORPUS.rglob("*.msg"), *CORPUS.glob("eml/*")}) if CORPUS.is_dir() else []
)


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("process_attachments", [False, True], ids=["body", "attachments"])
@pytest.mark.parametrize("path", _CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_partitions_cleanly(path, process_attachments):
    options = PartitionOptions(detect_languages=False, process_attachments=process_attachments)
    try:
        file_type, elements = partition_file(path, options)
    except DocumentError as e:
        assert "\n" not in str(e)
        return
    final = finalize(elements, DocumentInfo(path.name, file_type.mime, str(path), {}))
    orjson.dumps(elements_to_dicts(final))
    if file_type.name in ("eml", "msg") and path.name != "empty.eml":
        assert final, path.name


# -- mbox ----------------------------------------------------------------------------------------


def _mbox(tmp_path: Path) -> Path:
    messages = []
    for number, subject in enumerate(("Kickoff", "Budget follow-up", "Wrap-up"), start=1):
        msg = _message(subject=subject, html=False)
        msg.set_content(f"Body of message {number}.\n\nFrom here on it is still message {number}.\n")
        messages.append(f"From ada@example.com Mon Jan {number} 10:00:00 2024\n".encode() + msg.as_bytes() + b"\n")
    path = tmp_path / "archive.mbox"
    path.write_bytes(b"".join(messages))
    return path


def test_mbox_gives_each_message_its_own_titled_section(tmp_path):
    file_type, elements = partition_file(_mbox(tmp_path), OPTIONS)
    assert file_type.name == "mbox"
    titles = [i for i, el in enumerate(elements) if el.type == "Title"]
    assert [elements[i].text for i in titles] == ["Kickoff", "Budget follow-up", "Wrap-up"]
    for number, start in enumerate(titles, start=1):
        end = titles[number] if number < len(titles) else len(elements)
        body = elements[start + 1 : end]
        assert body and all(el.parent == start for el in body)
        assert all(f"message {number}" in el.text for el in body)  # never another message's text
        assert elements[start].metadata["subject"] == elements[start].text


def test_mbox_sections_survive_finalize_as_a_tree(tmp_path):
    _, elements = partition_file(_mbox(tmp_path), OPTIONS)
    info = DocumentInfo(filename="archive.mbox", filetype="application/mbox", url="archive.mbox", record_locator={})
    dicts = elements_to_dicts(finalize(elements, info))
    titles = {d["element_id"]: d["text"] for d in dicts if d["type"] == "Title"}
    bodies = [d for d in dicts if d["type"] != "Title"]
    assert {titles[d["metadata"]["parent_id"]] for d in bodies} == {"Kickoff", "Budget follow-up", "Wrap-up"}
    assert all("parent_id" not in d["metadata"] for d in dicts if d["type"] == "Title")
