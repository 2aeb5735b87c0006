"""Text that leaves docbatch for a terminal, a log or the run record: no secrets, no escapes.

Two kinds of outside text end up in what we print: URLs a user typed (which may carry a
password, ``ftp://user:pass@host/``) and text from inside documents and file systems (a file
name, a zip member name in a failure reason) that may hold terminal escape sequences able to
retitle the window or clear the screen. Every line the reporter prints goes through
:func:`safe_line`; every URL we print or store goes through :func:`redact_url`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from docbatch.paths import printable

__all__ = ["redact_url", "safe_cell", "safe_line"]

#: Query parameters that carry secrets in the URLs of object stores and signed links.
_SECRET_PARAMS = re.compile(r"(?i)(pass|secret|token|key|sig|signature|credential|auth)")
_REDACTED = "***"


def redact_url(url: str) -> str:
    """``url`` with the password of its user info and secret-looking query values replaced.

    The user name stays (it tells which account was used); anything unparsable is returned
    as it is, since a string that is no URL carries no URL credentials.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{_REDACTED}@{host}" if ":" in userinfo else f"{user}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, _REDACTED if _SECRET_PARAMS.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


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
