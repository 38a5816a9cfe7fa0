"""Camera stream addresses: one strict parser, and the only ways an address is shown.

A camera's URL is stored without credentials; the user name and password live in their
own fields (the password encrypted, see `belfort.keys.CredentialBox`) and are put back
into the URL, percent-encoded, only in memory, for the connection. `parse` accepts
`rtsp://`, `rtsps://` and `sim://NAME` (the demo's simulated cameras, a name of the demo
folder and nothing else), a host name, IPv4 or [IPv6] address, and a port of 1 to 65535.
Credentials typed into a URL are taken out of it; a password holding `@ : / ? #` must be
percent-encoded there, or given in the password field. `redact` and `redact_text` never
raise, whatever is stored: they are what error messages and pages use. Its messages are
marked for translation (`belfort.i18n`, itself a leaf); otherwise it imports nothing of Belfort.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from belfort.i18n import _

SCHEMES = ("rtsp", "rtsps", "sim")
SIM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
USERINFO = re.compile(r"^[A-Za-z0-9\-._~!$&'()*+,;=:%]*$")
PATH = re.compile(r"^[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*$")
MAX_LENGTH = 2000


class BadStreamUrl(ValueError):
    """What is wrong with a stream URL, in words that say how to write it."""


@dataclass(frozen=True)
class StreamAddress:
    scheme: str
    host: str
    """For `sim://`, the simulated camera's name."""
    port: int | None
    path: str
    """Path and query, as given (`/Streaming/Channels/101?transport=tcp`)."""
    username: str = ""
    password: str = ""

    @property
    def public(self) -> str:
        """The URL without credentials: what is stored and shown."""
        if self.scheme == "sim":
            return f"sim://{self.host}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{host}{port}{self.path}"

    def with_credentials(self, username: str, password: str) -> str:
        """The URL to connect with: credentials percent-encoded into it, in memory only."""
        if self.scheme == "sim" or not username:
            return self.public
        userinfo = quote(username, safe="") + (":" + quote(password, safe="") if password else "")
        return self.public.replace("://", f"://{userinfo}@", 1)


def _host(text: str) -> str:
    if text.startswith("["):
        if not text.endswith("]"):
            raise BadStreamUrl(_("an IPv6 address goes in brackets: rtsp://[2001:db8::10]:554/stream"))
        try:
            return str(ipaddress.IPv6Address(text[1:-1]))
        except ValueError:
            raise BadStreamUrl(_("'{text}' is not an IPv6 address", text=text)) from None
    if not text:
        raise BadStreamUrl(_("the URL names no host: rtsp://HOST[:PORT]/PATH"))
    if re.fullmatch(r"[0-9.]+", text):
        try:
            return str(ipaddress.IPv4Address(text))
        except ValueError:
            raise BadStreamUrl(_("'{text}' is not an IPv4 address", text=text)) from None
    if len(text) > 253 or not all(HOST_LABEL.match(label) for label in text.rstrip(".").split(".")):
        raise BadStreamUrl(_("'{text}' is not a host name: letters, digits, '-' and '.'", text=text[:80]))
    return text.lower()


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise BadStreamUrl(_("the port must be a number from 1 to 65535 (got '{text}')", text=text[:10]))
    return int(text)


def _split_host_port(text: str) -> tuple[str, int | None]:
    if text.startswith("["):
        closing = text.find("]")
        if closing < 0:
            raise BadStreamUrl(_("an IPv6 address goes in brackets: rtsp://[2001:db8::10]:554/stream"))
        host, rest = text[: closing + 1], text[closing + 1 :]
        if rest and not rest.startswith(":"):
            raise BadStreamUrl(_("after an IPv6 address in brackets comes ':PORT' or the path"))
        return _host(host), _port(rest[1:]) if rest else None
    host, colon, port = text.partition(":")
    return _host(host), _port(port) if colon else None


def parse(text: str) -> StreamAddress:
    """The stream address in `text`, or BadStreamUrl saying what to change."""
    url = text.strip()
    if not url:
        raise BadStreamUrl(_("the URL is empty: rtsp://HOST[:PORT]/PATH, or sim://NAME for a simulated camera"))
    if len(url) > MAX_LENGTH:
        raise BadStreamUrl(_("the URL is longer than {count} characters", count=MAX_LENGTH))
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise BadStreamUrl(_("the URL may not hold spaces or control characters (percent-encode them)"))
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SCHEMES:
        raise BadStreamUrl(_("the URL must start with rtsp://, rtsps:// or sim://"))
    if "#" in rest:
        raise BadStreamUrl(
            _("a stream URL has no '#' part: a password holding '#' goes in the password field or is written %23")
        )
    if scheme == "sim":
        if not SIM_NAME.match(rest):
            raise BadStreamUrl(
                _("sim:// takes the name of a demo clip: letters, digits, '-' and '_' (sim://grote-markt)")
            )
        return StreamAddress("sim", rest, None, "")
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, path = rest[:cut], rest[cut:]
    if "@" in path and "@" not in authority:
        raise BadStreamUrl(
            _(
                "the URL holds an '@' after the host: a password holding '@ : / ? #' goes in the password field "
                "(or percent-encode it in the URL)"
            )
        )
    if authority.count("@") > 1:
        raise BadStreamUrl(
            _(
                "the URL holds more than one '@': a user name or password holding '@' goes in its own field "
                "(or is written %40)"
            )
        )
    userinfo, at, hostport = authority.rpartition("@")
    username = password = ""
    if at:
        if not USERINFO.match(userinfo):
            raise BadStreamUrl(_("the user name or password in the URL holds characters that must be percent-encoded"))
        user_text, _sep, password_text = userinfo.partition(":")
        try:
            username, password = unquote(user_text, errors="strict"), unquote(password_text, errors="strict")
        except UnicodeDecodeError:
            raise BadStreamUrl(_("the credentials in the URL are not valid percent-encoded UTF-8")) from None
        if not username:
            raise BadStreamUrl(_("the URL has credentials without a user name"))
    host, port = _split_host_port(hostport)
    if not PATH.match(path):
        raise BadStreamUrl(_("the path holds characters that must be percent-encoded"))
    return StreamAddress(scheme, host, port, path, username, password)


def redact(url: str) -> str:
    """The URL without user name and password, whatever it holds; never raises."""
    if not url:
        return ""
    try:
        return parse(url).public
    except BadStreamUrl:
        scheme, sep, rest = url.strip().partition("://")
        if not sep:
            return "(not a URL)"
        after = rest.rpartition("@")[2]
        host = re.split(r"[/?#]", after, maxsplit=1)[0]
        return f"{scheme[:10]}://{'***@' if '@' in rest else ''}{host[:100]}/…"


def redact_text(text: str, *secrets: str) -> str:
    """`text` with every one of `secrets` (URLs, user names, passwords) taken out."""
    for secret in secrets:
        if not secret:
            continue
        if "://" in secret:
            text = text.replace(secret, redact(secret))
            try:
                address = parse(secret)
            except BadStreamUrl:
                continue
            extra = [address.password, address.username, quote(address.password, safe="")]
        else:
            extra = [secret, quote(secret, safe="")]
        for value in extra:
            if value and len(value) >= 3:
                text = text.replace(value, "***")
    return text
