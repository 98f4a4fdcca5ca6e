"""Where a webhook may be sent, and the one POST that sends it.

SSRF: an endpoint's host is resolved, and every address it resolves to must be a public
unicast address (not loopback, private, link-local, shared, multicast, reserved or
unspecified), when the endpoint is saved and again at every attempt. The connection then
goes to the address that was checked (the host name is kept for TLS and the Host header),
so a DNS answer that changes between the check and the connect (rebinding) cannot point
it elsewhere. Redirects are never followed: http.client does not follow them, and a 3xx is
a failed attempt. Under DEBUG, or with WEBHOOKS_ALLOW_PRIVATE (tests, a local receiver),
private addresses and plain http:// are allowed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

EXCERPT_CHARS = 500


class Refused(Exception):
    """The URL may not be sent to; `str()` says why, for a person."""


def private_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False))


def _address_problem(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for attribute, words in (
        ("is_loopback", "a loopback"),
        ("is_link_local", "a link-local"),
        ("is_multicast", "a multicast"),
        ("is_unspecified", "an unspecified"),
        ("is_reserved", "a reserved"),
        ("is_private", "a private"),
    ):
        if getattr(ip, attribute):
            return f"{words} address ({ip})"
    if not ip.is_global:
        return f"a non-public address ({ip})"
    return None


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address the connection goes to


def url_parts(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an acceptable URL, else Refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("This is not a valid URL.") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and private_allowed()):
        raise Refused("Use an https:// URL.")
    if not parts.hostname:
        raise Refused("The URL has no host.")
    if parts.username or parts.password:
        raise Refused("Put no user name or password in the URL: verify Closo-Signature instead.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def resolve(url: str) -> Target:
    """Check `url` and resolve its host; Refused if any address it resolves to is not public
    (unless private addresses are allowed) or it does not resolve."""
    scheme, host, port, path = url_parts(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise Refused(f"The host {host} does not resolve.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise Refused(f"The host {host} does not resolve.")
    if not private_allowed():
        for address in addresses:
            problem = _address_problem(address)
            if problem:
                raise Refused(f"{host} resolves to {problem}: webhooks go to public addresses only.")
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Outcome:
    """What one POST got: 2xx is success; anything else (3xx included) or no answer fails."""

    succeeded: bool
    duration_ms: int
    response_code: int | None = None
    excerpt: str = ""
    error: str = ""


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST `body` to `url` (checked and resolved now), never following a redirect."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = resolve(url)
    except Refused as refused:
        return Outcome(succeeded=False, duration_ms=took(), error=f"Refused: {refused}"[:300])
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read(4 * EXCERPT_CHARS)
        code = response.status
    except TimeoutError:
        return Outcome(succeeded=False, duration_ms=took(), error=f"Timed out after {timeout:g} s.")
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(succeeded=False, duration_ms=took(), error=f"{type(exc).__name__}: {exc}"[:300])
    finally:
        connection.close()
    excerpt = raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
    error = ""
    if 300 <= code < 400:
        error = f"Redirect to {response.getheader('Location', '?')} not followed."[:300]
    elif not 200 <= code < 300:
        error = f"HTTP {code}"
    return Outcome(succeeded=200 <= code < 300, duration_ms=took(), response_code=code, excerpt=excerpt, error=error)
