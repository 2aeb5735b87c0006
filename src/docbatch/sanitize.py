"""Text that leaves docbatch for a terminal, a log or the run record: no secrets, no escapes.

Two kinds of outside text end up in what we print: URLs a user typed (which may carry a
password, ``ftp://user:pass@host/``) and text from inside documents and file systems (a file
name, a zip member name in a failure reason) that may hold terminal escape sequences able to
retitle the window or clear the screen. Every line the reporter prints goes through
:func:`safe_line`; every URL we print or store goes through :func:`redact_url`.
"""

from __future__ import annotations

import contextlib
import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from docbatch.paths import printable

__all__ = ["redact_url", "safe_cell", "safe_line", "secrets_of", "url_password"]

#: Query parameters that carry secrets in the URLs of object stores and signed links.
_SECRET_PARAMS = re.compile(r"(?i)(pass|secret|token|key|sig|signature|credential|auth)")
_REDACTED = "***"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")


def redact_url(url: str) -> str:
    """``url`` with the password of its user info and secret-looking query values replaced.

    The user name stays (it tells which account was used); anything unparsable is returned
    as it is, since a string that is no URL carries no URL credentials. A password holding a
    raw ``/``, ``#``, ``?`` or ``@`` (which a URL must percent-encode, and users do not) is
    redacted whole, up to the last ``@``, rather than read as a host or a path.
    """
    span = _password_span(url)
    if span is not None:
        url = url[: span[0]] + _REDACTED + url[span[1] :]
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, _REDACTED if _SECRET_PARAMS.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def secrets_of(url: str) -> list[str]:
    """The secrets ``url`` holds as a library may quote them: its password (as written and
    percent-decoded) and the values of secret-looking query parameters."""
    found = []
    span = _password_span(url)
    if span is not None:
        password = url[span[0] : span[1]]
        found += [password, unquote(password)]
    with contextlib.suppress(ValueError):
        query = urlsplit(url[: span[0]] + url[span[1] :] if span else url).query
        found += [v for k, v in parse_qsl(query, keep_blank_values=True) if _SECRET_PARAMS.search(k)]
    return [secret for secret in dict.fromkeys(found) if secret]


def url_password(url: str) -> str | None:
    """The password of ``url``'s user info as written (percent-encoded or not), or None."""
    span = _password_span(url)
    return None if span is None else url[span[0] : span[1]]


def _password_span(url: str) -> tuple[int, int] | None:
    """Where the password of ``url``'s user info is (start, end), or None when it has none.

    The user info runs from ``scheme://`` to an ``@``: the first one when it comes before any
    ``/``, ``?`` or ``#`` (a well-formed URL), else the last one, when what precedes it reads
    as ``user:password`` with a raw ``/``, ``#`` or ``?`` in the password. ``host:port/a@b`` reads
    so too and is redacted: no rule tells it from ``user:12/34@host``, and showing too little of a
    URL costs less than showing a password.
    """
    start = url.find("://")
    if start < 0 or not _SCHEME.match(url[:start]):
        return None
    start += 3
    rest = url[start:]
    end_of_authority = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    at = rest.rfind("@", 0, end_of_authority)
    if at < 0:
        at = rest.rfind("@")
        if at < 0 or ":" not in rest[:end_of_authority]:
            return None
    colon = rest.find(":", 0, at)
    return None if colon < 0 else (start + colon + 1, start + at)


def safe_line(text: str) -> str:
    """``text`` safe to print: undecodable bytes as U+FFFD, and every control character (escape
    sequences, carriage returns, C1 controls) shown escaped rather than sent to the terminal."""
    text = printable(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


#: What makes a spreadsheet read a cell as a formula (CSV injection): = + - @, and a tab or
#: carriage return some spreadsheets skip before looking.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` safe as a CSV cell a spreadsheet opens: text escaped like :func:`safe_line`, and
    text a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``@SUM(...)``) prefixed with
    ``'``, which shows it as text. Numbers pass as they are (a negative number is no formula)."""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_STARTS):
        value = "'" + value
    return safe_line(value)
