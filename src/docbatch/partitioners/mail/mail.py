"""Email: MIME messages (.eml, stdlib ``email``), mailboxes of them (.mbox) and Outlook
messages (.msg, extract-msg).

What comes out matches unstructured's email partitioners: the body (HTML by default when the
message has one, else plain text) partitioned by the HTML or text partitioner, and the
envelope on every body element as ``sent_from``, ``sent_to``, ``cc_recipient``,
``bcc_recipient``, ``subject``, ``email_message_id`` and ``last_modified`` (the Date header, in
ISO 8601, UTC). Where this differs, on purpose:

* The names of the attachments are listed on every body element as ``attachment_filenames``
  (unstructured has no key for this; consumers that read unknown keys as ad-hoc metadata keep it),
  once the schema in :mod:`docbatch.elements` admits that key.
* A message without a body still yields one element, a Title holding its subject, so its
  envelope is not lost.
* A body part whose declared charset is wrong or unknown is decoded by detection, not with
  replacement characters.
* An encrypted message (PGP/MIME, S/MIME enveloped data) raises EncryptedDocument rather than
  giving an empty result that looks like success.

With ``options.process_attachments`` each attachment is written to a temporary file under a
sanitised name and partitioned by type like any document (nested emails included, up to
:data:`MAX_ATTACHMENT_DEPTH` levels). Its elements hang under the email's first element and
carry ``filename`` (the attachment's name), ``filetype`` and ``attached_to_filename`` (the
email's name). An attachment that cannot be partitioned is logged in one line and left out; it
never fails the email.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import mimetypes
import re
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import getaddresses, parsedate_to_datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from docbatch.elements import METADATA_KEYS, Element
from docbatch.errors import (
    DocumentError,
    EncryptedDocument,
)
from docbatch.partitioners.filetype import nul_pattern_encoding
from docbatch.partitioners.kit.attachments import MAX_DEPTH, Attachment, attachment_elements, safe_filename
from docbatch.partitioners.kit.base import PartitionOptions
from docbatch.partitioners.kit.boundary import damaged, library_errors
from docbatch.partitioners.kit.encoding import decode_bytes

__all__ = ["MAX_ATTACHMENT_DEPTH", "partition_eml", "partition_mbox", "partition_msg", "safe_filename"]


#: How many levels of emails attached to emails are partitioned (every container shares the bound).
MAX_ATTACHMENT_DEPTH = MAX_DEPTH
#: Metadata key listing an email's attachments (not one of unstructured's names; see module doc).
ATTACHMENTS_KEY = "attachment_filenames"

_depth: ContextVar[int] = ContextVar("docbatch_email_depth", default=0)
_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
_MAX_NAME = 150
_ADDRESS_SPECIALS = re.compile(r'[()<>@,;:\\".\[\]]')
# Detached signatures are part of the transport, not content a reader opened.
_SIGNATURE_TYPES = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)


class Envelope(NamedTuple):
    """The header facts of a message, named as unstructured's metadata names them."""

    metadata: dict[str, Any]
    subject: str | None


# -- .eml --------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _parse_header(name: str, value: str) -> Any:
    return policy.default.header_fetch_parse(name, value)


class _CachingPolicy(EmailPolicy):
    """``policy.default``, but each distinct header is parsed once.

    The stdlib parses a header again on every access, and walking a MIME tree reads each part's
    Content-Type many times; parsing dominated the time per email. Header objects are immutable,
    so sharing them is safe.
    """

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if hasattr(value, "name"):
            return value
        return _parse_header(name, value)


_POLICY = _CachingPolicy()


def partition_eml(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a MIME email file (.eml)."""
    path = Path(path)
    try:
        msg = parse_eml_bytes(path.read_bytes())
        if _eml_is_encrypted(msg):
            raise EncryptedDocument("encrypted email (PGP/MIME or S/MIME); no key to decrypt it")
        envelope = _eml_envelope(msg)
        body = _eml_body_elements(msg, options)
        attachments = list(_eml_attachments(msg))
    except RecursionError as e:  # the stdlib walks MIME trees recursively
        raise DocumentError("email MIME parts nested too deeply to partition") from e
    return assemble_email(body, envelope, attachments, options, email_name=path.name)


#: An mbox "From " separator: at the start of the file or of a line (quoted ">From " is body text).
_MBOX_SEPARATOR = re.compile(rb"(?:^|(?<=\n))From [^\n]*\n")


def partition_mbox(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition a Unix mailbox: each message its own section, under a Title holding its subject.

    Every message is read as an .eml is; its elements hang under its Title, so message 2 is
    never read as body text of message 1. A message that cannot be read fails the mailbox.
    """
    path = Path(path)
    elements: list[Element] = []
    for number, raw in enumerate(_mbox_messages(path.read_bytes()), start=1):
        try:
            msg = parse_eml_bytes(raw)
            if _eml_is_encrypted(msg):
                raise EncryptedDocument(f"message {number} is encrypted (PGP/MIME or S/MIME); no key to decrypt it")
            envelope = _eml_envelope(msg)
            body = _eml_body_elements(msg, options)
            attachments = list(_eml_attachments(msg))
        except RecursionError as e:
            raise DocumentError(f"mbox message {number}: MIME parts nested too deeply to partition") from e
        section = assemble_email(body, envelope, attachments, options, email_name=path.name)
        elements.extend(_message_section(section, envelope, number, len(elements)))
    return elements


def _mbox_messages(data: bytes) -> list[bytes]:
    """The raw messages of an mbox, split at its "From " lines (which are dropped)."""
    separators = list(_MBOX_SEPARATOR.finditer(data))
    if not separators:
        return [data] if data.strip() else []
    ends = [*(m.start() for m in separators[1:]), len(data)]
    return [data[m.end() : end] for m, end in zip(separators, ends, strict=True) if data[m.end() : end].strip()]


def _message_section(section: list[Element], envelope: Envelope, number: int, offset: int) -> list[Element]:
    """One message's elements headed by a Title with its subject; parents become mailbox indexes."""
    title = Element("Title", envelope.subject or f"Message {number}", metadata=dict(envelope.metadata))
    title.metadata["category_depth"] = 0
    if section and section[0].type == "Title" and section[0].text == title.text and section[0].parent is None:
        section = section[1:]  # a message without a body already yields its subject as a Title
        shift = offset  # indexes inside the section move down by one (the Title dropped) then up by one
    else:
        shift = offset + 1
    for el in section:
        el.parent = offset if el.parent is None else el.parent + shift
    return [title, *section]


def parse_eml_bytes(data: bytes) -> EmailMessage:
    """Parse a MIME message; a whole file in UTF-16/32 (some exports do that) is decoded first."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        data = decode_bytes(data).encode("utf-8")  # decode_bytes drops the BOM
    elif wide := nul_pattern_encoding(data[:4096]):
        # Not decode_bytes: UTF-16 ASCII is valid UTF-8 (NUL is a valid character).
        data = data.decode(wide, errors="replace").encode("utf-8")
    try:
        return BytesParser(policy=_POLICY).parsebytes(data)  # type: ignore[return-value]
    except (ValueError, TypeError, IndexError, LookupError) as e:
        raise damaged("EML", e) from e


def _eml_is_encrypted(msg: EmailMessage) -> bool:
    ctype = msg.get_content_type()
    if ctype == "multipart/encrypted":
        return True
    if ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
        return (msg.get_param("smime-type") or "enveloped-data") == "enveloped-data"
    return False


def _eml_envelope(msg: EmailMessage) -> Envelope:
    subject = _header_text(msg, "Subject")
    meta = {
        "sent_from": _addresses(msg, "From") or None,
        "sent_to": _addresses(msg, "To") or None,
        "cc_recipient": _addresses(msg, "Cc") or None,
        "bcc_recipient": _addresses(msg, "Bcc") or None,
        "subject": subject,
        "email_message_id": _message_id(_header_text(msg, "Message-ID")),
        "last_modified": iso_date(_header_text(msg, "Date")),
    }
    return Envelope({k: v for k, v in meta.items() if v}, subject)


def _header_text(msg: EmailMessage, name: str) -> str | None:
    """A header's decoded value; malformed headers fall back to a lenient decode of the raw value."""
    try:
        value = msg.get(name)
    except Exception:  # the stdlib header parser has known crashes on malformed input
        value = None
        for key, raw in msg.raw_items():
            if key.lower() == name.lower():
                value = _decode_raw_header(raw)
                break
    if value is None:
        return None
    text = " ".join(_clean(str(value)).split())
    return text or None


def _decode_raw_header(raw: Any) -> str:
    try:
        return str(make_header(decode_header(str(raw))))
    except Exception:
        return str(raw)


def _addresses(msg: EmailMessage, name: str) -> list[str]:
    """Every address in all ``name`` headers, as ``Display Name <addr>`` (or just ``addr``)."""
    out: list[str] = []
    try:
        headers = msg.get_all(name) or []
        for header in headers:
            out.extend(_clean(str(addr)) for addr in getattr(header, "addresses", ()))
        if headers and not out:
            out = _parse_address_list(" , ".join(str(h) for h in headers))
    except Exception:
        raw = [_decode_raw_header(v) for k, v in msg.raw_items() if k.lower() == name.lower()]
        out = _parse_address_list(", ".join(raw))
    return [a for a in out if a]


def _parse_address_list(text: str) -> list[str]:
    """Addresses from a header value the structured parser rejected."""
    out = []
    for display, addr in getaddresses([text]):
        display, addr = _clean(display).strip(), _clean(addr).strip()
        if addr and display and display != addr:
            out.append(format_address(display, addr))
        elif addr or display:
            out.append(addr or display)
    return out


def format_address(name: str, addr: str) -> str:
    """``Name <addr>`` as the stdlib's parsed headers print it: names with specials are quoted."""
    if _ADDRESS_SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"


def _message_id(value: str | None) -> str | None:
    """A Message-ID without its angle brackets, as unstructured stores it."""
    if not value:
        return None
    return value.strip().strip("<>").strip() or None


def iso_date(value: str | None) -> str | None:
    """An email Date header as ISO 8601 in UTC; None when it is not a date."""
    if not value:
        return None
    when: datetime | None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return _iso(when)


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    if when.tzinfo is None:
        return when.isoformat(timespec="seconds")
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _eml_body_elements(msg: EmailMessage, options: PartitionOptions) -> list[Element]:
    """The body in the preferred form (HTML or plain text), partitioned."""
    prefer = ("plain", "html") if options.email_body == "text" else ("html", "plain")
    msg = _signed_content(msg)
    try:
        part = msg.get_body(preferencelist=prefer)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError):
        part = None
    if part is None:
        return _digest_elements(msg, options)
    elements: list[Element] = []
    for piece in _eml_body_parts(msg, part):
        text = _part_text(piece)
        html = piece.get_content_subtype() == "html"
        found = partition_body_html(text, options) if html else partition_body_text(text)
        for el in found:  # parents index the piece's own list; keep them pointing at the same element
            if el.parent is not None:
                el.parent += len(elements)
        elements.extend(found)
    return elements


def _signed_content(msg: EmailMessage) -> EmailMessage:
    """The message's content when it is signed (multipart/signed, RFC 1847: the content entity,
    then the signature), else the message itself.

    The content is what a mail client shows; left wrapped, the stdlib finds one body part in it
    and hands the rest of the content out as an attachment (``attachment.eml``), so its inline
    text was lost, or read a second time as a nested email under ``--process-attachments``."""
    try:
        while msg.get_content_type() == "multipart/signed" and msg.is_multipart():
            content = next(msg.iter_parts(), None)
            if not isinstance(content, EmailMessage):
                break
            msg = content
    except (KeyError, ValueError, TypeError, IndexError, AttributeError):
        pass  # a malformed tree: read as it stands
    return msg


def _shown_inline(part: EmailMessage) -> bool:
    """A text part marked ``Content-Disposition: inline``, with or without a filename.

    Mail clients show such a part in place, as part of the body (Apple Mail sends text, an inline
    image, then more text as three parts of a multipart/mixed). The stdlib's ``get_body`` picks
    one body part only, and ``iter_attachments`` hands the other inline text parts out as
    attachments (or drops one that follows a multipart/alternative), so their text was lost
    unless attachments were processed. A part with no disposition is left to the stdlib's rules:
    two bare siblings are as often a mislabelled plain/HTML pair as two halves of one body.
    """
    return part.get_content_type() in ("text/plain", "text/html") and part.get_content_disposition() == "inline"


def _eml_body_parts(container: EmailMessage, body: EmailMessage) -> list[EmailMessage]:
    """The body part ``get_body`` chose, with the inline text parts (:func:`_shown_inline`) of the
    multipart/mixed entities around it, in the order the message shows them."""
    if container is body or container.get_content_type() != "multipart/mixed":
        return [body]
    parts: list[EmailMessage] = []
    try:
        for child in container.iter_parts():
            if any(p is body for p in child.walk()):
                parts.extend(_eml_body_parts(child, body))
            elif _shown_inline(child):
                parts.append(child)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError):
        return [body]  # a malformed tree: at least the part get_body found
    return parts


def _digest_parts(msg: EmailMessage) -> list[EmailMessage]:
    """The message/rfc822 parts a multipart/digest is made of (RFC 2046 5.1.5): its content,
    not attachments."""
    if msg.get_content_type() != "multipart/digest":
        return []
    return [
        part
        for part in msg.iter_parts()
        if part.get_content_type() == "message/rfc822" and part.get_content_disposition() != "attachment"
    ]


def _digest_elements(msg: EmailMessage, options: PartitionOptions) -> list[Element]:
    """Each message of a digest: its subject as a Title, then its body."""
    elements: list[Element] = []
    for part in _digest_parts(msg):
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, EmailMessage):
            continue
        subject = _header_text(inner, "Subject")
        if subject:
            elements.append(Element("Title", " ".join(subject.split()), {"category_depth": 0}))
        elements.extend(_eml_body_elements(inner, options))
    return elements


def _part_text(part: EmailMessage) -> str:
    """A text part decoded by its declared charset, or by detection when that charset does not fit."""
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError):
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    charset = part.get_content_charset()
    if charset:
        with contextlib.suppress(UnicodeDecodeError, LookupError):
            return payload.decode(charset)
    try:
        return decode_bytes(payload)
    except DocumentError:
        return payload.decode("utf-8", errors="replace")


def _eml_attachments(msg: EmailMessage) -> Iterator[Attachment]:
    """Attached files, nested messages included (as .eml bytes), in order."""
    msg = _signed_content(msg)
    try:
        # A single-part message can itself be the attachment (a file sent with no text).
        parts = list(msg.iter_attachments()) if msg.is_multipart() else [msg] if msg.is_attachment() else []
        digest = {id(part) for part in _digest_parts(msg)}
        mixed = msg.get_content_type() == "multipart/mixed"
    except (KeyError, ValueError, TypeError, AttributeError):
        return
    for part in parts:
        if id(part) in digest:
            continue  # a digest's message is its body, partitioned above
        if part.get_content_type() in _SIGNATURE_TYPES:
            continue
        if mixed and _shown_inline(part):
            continue  # read as body text by _eml_body_parts; not an attachment as well
        name = _attachment_name(part)
        data = _attachment_bytes(part)
        if data is not None:
            yield Attachment(name, data)


def _attachment_name(part: EmailMessage) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name:
        return _clean(str(name))
    ctype = part.get_content_type()
    is_mime = ctype == "message/rfc822" or part.is_multipart()
    ext = ".eml" if is_mime else (mimetypes.guess_extension(ctype) or "")
    return f"attachment{ext}"


def _attachment_bytes(part: EmailMessage) -> bytes | None:
    """The attached file's bytes; an attached message (or multipart entity) as MIME bytes."""
    if part.get_content_type() == "message/rfc822" or part.is_multipart():
        payload = part.get_payload()
        inner = payload[0] if part.get_content_type() == "message/rfc822" and isinstance(payload, list) else part
        try:
            return inner.as_bytes() if payload else None
        except Exception:  # the generator re-folds headers and has its own crashes on odd input
            return None
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError):
        return None
    return data if isinstance(data, bytes) else None


# -- .msg --------------------------------------------------------------------------------------


def partition_msg(path: Path, options: PartitionOptions) -> list[Element]:
    """Partition an Outlook message (.msg)."""
    path = Path(path)
    msg = _open_msg(path)
    try:
        if _msg_is_encrypted(msg):
            raise EncryptedDocument("encrypted Outlook message (S/MIME or PGP); no key to decrypt it")
        envelope = _msg_envelope(msg)
        body = _msg_body_elements(msg, options)
        attachments = list(_msg_attachments(msg))
    except _msg_errors() as e:  # extract-msg reads lazily: a broken stream surfaces here
        raise damaged("MSG", e) from e
    finally:
        with contextlib.suppress(Exception):
            msg.close()
    return assemble_email(body, envelope, attachments, options, email_name=path.name)


def _open_msg(path: Path) -> Any:
    """The message, its 8-bit strings read in the message's own code page (see :func:`_msg_codec`)."""
    import extract_msg

    for name in ("extract_msg", "RTFDE"):
        logging.getLogger(name).setLevel(logging.CRITICAL)  # it logs tracebacks for ordinary fallbacks
    with library_errors("MSG", _msg_errors()):
        msg = extract_msg.openMsg(
            str(path), strict=False, delayAttachments=False, deencapsulationFunc=_deencapsulate_rtf
        )
        codec = _msg_codec(msg)
        if codec is None:
            return msg
        msg.close()
        return extract_msg.openMsg(
            str(path),
            strict=False,
            delayAttachments=False,
            deencapsulationFunc=_deencapsulate_rtf,
            overrideEncoding=codec,
        )


#: PR_MESSAGE_CODEPAGE (the code page of the 8-bit string properties), then PR_INTERNET_CPID (the
#: body's as sent): extract-msg reads only the first, and without it takes ISO-8859-15.
_CODE_PAGE_PROPERTIES = ("3FFD0003", "3FDE0003")
_ANSICPG = re.compile(rb"\\ansicpg(\d{3,5})")
#: Windows code pages whose Python codec is not named ``cp<number>``.
_CODE_PAGE_CODECS = {
    65001: "utf-8",
    20127: "ascii",
    20932: "euc_jp",
    51932: "euc_jp",
    50220: "iso2022_jp",
    50221: "iso2022_jp",
    50222: "iso2022_jp",
    20936: "gb2312",
    52936: "hz",
    54936: "gb18030",
    51949: "euc_kr",
    10000: "mac_roman",
    **{28590 + n: f"iso8859_{n}" for n in range(1, 16)},
}


def _msg_codec(msg: Any) -> str | None:
    """The codec of an 8-bit message whose strings extract-msg would read as ISO-8859-15 for want of
    PR_MESSAGE_CODEPAGE: the one PR_INTERNET_CPID or the RTF body's ``\\ansicpg`` names (a Big5
    message from Outlook often has only these). None when extract-msg already reads it right."""
    if msg.areStringsUnicode or _CODE_PAGE_PROPERTIES[0] in msg.props:
        return None
    page = msg.getPropertyVal(_CODE_PAGE_PROPERTIES[1])
    if not isinstance(page, int):
        rtf = _safe_attr(msg, "rtfBody")
        found = _ANSICPG.search(rtf[:4096]) if isinstance(rtf, bytes) else None
        page = int(found.group(1)) if found else None
    return _codec_of(page) if isinstance(page, int) else None


def _codec_of(code_page: int) -> str | None:
    """Python's codec for a Windows code page; None for one Python does not have, or for
    ISO-8859-15 (what extract-msg reads without one)."""
    name = _CODE_PAGE_CODECS.get(code_page, f"cp{code_page}")
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return None if codec == "iso8859-15" else codec


def _html_in_code_page(msg: Any, html: bytes) -> str | bytes:
    """An HTML body that declares no charset, decoded in the code page PR_INTERNET_CPID names
    (the HTML partitioner would guess it from the bytes, and short Big5 reads as anything)."""
    if b"charset" in html[:4096].lower():
        return html
    page = msg.getPropertyVal(_CODE_PAGE_PROPERTIES[1])
    codec = _codec_of(page) if isinstance(page, int) else None
    if codec is None:
        return html
    try:
        return html.decode(codec)
    except UnicodeDecodeError:
        return html


@cache
def _msg_errors() -> tuple[type[BaseException], ...]:
    """What extract-msg, and olefile and struct under it, raise for a broken message file."""
    import struct

    from extract_msg.exceptions import ExMsgBaseException

    return (ExMsgBaseException, OSError, struct.error, EOFError, UnicodeDecodeError, ValueError, IndexError, KeyError)


def _msg_is_encrypted(msg: Any) -> bool:
    class_type = (getattr(msg, "classType", "") or "").lower()
    if class_type.startswith("ipm.note.smime") and "multipartsigned" not in class_type:
        return True
    header = getattr(msg, "header", None)
    ctype = (header.get("Content-Type", "") if header is not None else "") or ""
    if ctype.lower().startswith("multipart/encrypted"):
        return True
    for att in getattr(msg, "attachments", None) or []:
        mime = (_safe_attr(att, "mimetype") or "").lower()
        if mime in ("application/pgp-encrypted", "application/pkcs7-mime", "application/x-pkcs7-mime"):
            return True
    return False


def _msg_envelope(msg: Any) -> Envelope:
    header = getattr(msg, "header", None)
    subject = " ".join((_safe_attr(msg, "subject") or "").split()) or None
    date_header = header.get("Date") if header is not None else None
    meta = {
        "sent_from": _msg_sender(_safe_attr(msg, "sender") or "") or None,
        "sent_to": _msg_recipients(msg, 1) or None,
        "cc_recipient": _msg_recipients(msg, 2) or None,
        "bcc_recipient": _msg_recipients(msg, 3) or None,
        "subject": subject,
        "email_message_id": _message_id(_safe_attr(msg, "messageId")),
        "last_modified": iso_date(str(date_header)) if date_header else _iso(_safe_attr(msg, "date")),
    }
    return Envelope({k: v for k, v in meta.items() if v}, subject)


def _msg_sender(text: str) -> list[str]:
    """The sender of an Outlook message. Without an SMTP address (an Exchange-only sender)
    extract-msg gives only the display name, which an address parser would cut into words."""
    text = _clean(text).strip()
    if text and "@" not in text and "<" not in text:
        return [" ".join(text.split())]
    return _parse_address_list(text)


_RECIPIENT_FIELDS = {1: "to", 2: "cc", 3: "bcc"}  # MAPI recipient types and extract-msg's joined strings


def _msg_recipients(msg: Any, kind: int) -> list[str]:
    """Recipients of one kind (1 To, 2 Cc, 3 Bcc) as ``Name <addr>``, from the recipient table."""
    out = []
    for rec in _safe_attr(msg, "recipients") or []:
        if _safe_attr(rec, "type") != kind:
            continue
        name, addr = (_safe_attr(rec, "name") or "").strip(), (_safe_attr(rec, "email") or "").strip()
        if addr and name and name != addr:
            out.append(format_address(name, addr))
        elif addr or name:
            out.append(addr or name)
    if not out:  # no recipient table: the header strings, "; "-separated in Outlook
        joined = _safe_attr(msg, _RECIPIENT_FIELDS[kind])
        out = _parse_address_list(joined.replace(";", ",")) if isinstance(joined, str) else []
    return out


def _msg_body_elements(msg: Any, options: PartitionOptions) -> list[Element]:
    """HTML body (unless plain text is preferred), else plain text, else the RTF body's text."""
    text = _safe_attr(msg, "body")
    has_text = isinstance(text, str) and bool(text.strip())
    if options.email_body == "text" and has_text:
        return partition_body_text(text)
    html = _msg_html(msg)
    if html:
        return partition_body_html(_html_in_code_page(msg, html) if isinstance(html, bytes) else html, options)
    if has_text:
        return partition_body_text(text)
    rtf = _safe_attr(msg, "rtfBody")
    if rtf:
        from docbatch.partitioners.markup.rtf import partition_rtf_string

        return partition_rtf_string(rtf.decode("latin-1") if isinstance(rtf, bytes) else str(rtf))
    return []


def _msg_html(msg: Any) -> bytes | None:
    """The HTML body as stored, or as encapsulated in the RTF body; never HTML made from plain text."""
    try:
        stored = msg.getStream("__substg1.0_10130102")  # PR_HTML
    except Exception:
        stored = None
    if stored:
        return stored
    rtf = _safe_attr(msg, "rtfBody")
    if isinstance(rtf, bytes) and b"\\fromhtml" in rtf[:4096]:
        return _safe_attr(msg, "htmlBody")
    return None


def _msg_attachments(msg: Any) -> Iterator[Attachment]:
    for att in getattr(msg, "attachments", None) or []:
        name = _safe_attr(att, "longFilename") or _safe_attr(att, "shortFilename") or _safe_attr(att, "name")
        data = _safe_attr(att, "data")
        if isinstance(data, bytes):
            yield Attachment(_clean(str(name or "attachment")), data)
        elif data is not None and hasattr(data, "exportBytes"):  # an embedded Outlook message
            with contextlib.suppress(Exception):
                yield Attachment(_clean(str(name or "attachment.msg")), data.exportBytes())


def _deencapsulate_rtf(rtf: bytes, kind: Any) -> bytes | str | None:
    """The HTML or text Outlook encapsulated in an RTF body (extract-msg's hook for doing this).

    Outlook stores most HTML mail only as RTF with the HTML inside. extract-msg hands such bodies
    to RTFDE, which builds its Lark grammar again for every message (over 100 ms); this hook does
    the same de-encapsulation with one parser per process, and skips RTF that encapsulates nothing.
    """
    from extract_msg.enums import DeencapType
    from extract_msg.exceptions import DeencapMalformedData, DeencapNotEncapsulated

    head = rtf[:4096]
    wanted = b"\\fromhtml" if kind == DeencapType.HTML else b"\\fromtext"
    if wanted not in head:
        raise DeencapNotEncapsulated("RTF body does not encapsulate that type")
    try:
        deencapsulator = _cached_deencapsulator_class()(rtf)
        deencapsulator.deencapsulate()
    except Exception as e:  # RTFDE raises its own and lark's errors for malformed input
        raise DeencapMalformedData(str(e)) from e
    if kind == DeencapType.HTML:
        html = getattr(deencapsulator, "html", None)
        return html.encode("utf-8") if isinstance(html, str) else html
    return getattr(deencapsulator, "text", None)


@lru_cache(maxsize=1)
def _cached_deencapsulator_class() -> Any:
    """RTFDE's DeEncapsulator, building its (stateless) Lark parser once instead of per message."""
    from lark import Lark
    from RTFDE.deencapsulate import DeEncapsulator

    parsers: dict[str, Any] = {}

    class CachedDeEncapsulator(DeEncapsulator):  # type: ignore[misc]
        def parse_rtf(self, rtf: Any) -> None:
            parser = parsers.get(self.grammar)
            if parser is None:
                parser = Lark(
                    self.grammar, parser="lalr", keep_all_tokens=True, use_bytes=True, propagate_positions=True
                )
                parsers[self.grammar] = parser
            self.parser = parser
            self.full_tree = parser.parse(rtf)

    return CachedDeEncapsulator


def _safe_attr(obj: Any, name: str) -> Any:
    """An extract-msg property, or None when reading it fails (they are parsed lazily)."""
    try:
        return getattr(obj, name, None)
    except Exception:
        return None


# -- shared ------------------------------------------------------------------------------------


def partition_body_html(html: str | bytes, options: PartitionOptions) -> list[Element]:
    """An HTML body, through the HTML partitioner."""
    from docbatch.partitioners.markup.html import partition_html_string

    return partition_html_string(html, options)


def partition_body_text(text: str) -> list[Element]:
    """A plain-text body, through the text partitioner."""
    from docbatch.partitioners.markup.text import partition_text_string

    return partition_text_string(_clean(text))


def assemble_email(
    body: list[Element],
    envelope: Envelope,
    attachments: list[Attachment],
    options: PartitionOptions,
    *,
    email_name: str,
) -> list[Element]:
    """Body elements with the envelope, then (optionally) the attachments' elements."""
    meta = dict(envelope.metadata)
    if attachments and ATTACHMENTS_KEY in METADATA_KEYS:
        meta[ATTACHMENTS_KEY] = [a.name for a in attachments]
    if not body and envelope.subject:
        body = [Element("Title", envelope.subject)]
    for el in body:
        el.metadata.update(meta)
    if not options.process_attachments or not attachments:
        return body
    anchor = 0 if body else None
    return body + _attachment_elements(attachments, options, email_name, anchor, len(body), envelope)


def _attachment_elements(
    attachments: Iterable[Attachment],
    options: PartitionOptions,
    email_name: str,
    anchor: int | None,
    start: int,
    envelope: Envelope,
) -> list[Element]:
    """Partition each attachment (:mod:`~docbatch.partitioners.kit.attachments`, the one way every
    container does it); its elements also get the email's date when they have none."""
    from docbatch.partitioners.auto import partition_file

    out = attachment_elements(
        attachments, options, read=partition_file, container=email_name, anchor=anchor, start=start
    )
    if "last_modified" in envelope.metadata:
        for el in out:
            el.metadata.setdefault("last_modified", envelope.metadata["last_modified"])
    return out


def _clean(text: str) -> str:
    """Text safe for JSON: undecodable bytes the email parser kept as surrogates become U+FFFD."""
    if not any("\ud800" <= c <= "\udfff" for c in text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", errors="replace")
