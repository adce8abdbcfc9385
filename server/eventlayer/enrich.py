"""Facts the server adds to an event from its connection: the client's IP address and its parsed User-Agent.

These are pure functions: the caller passes in the peer address and the headers it read.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

import ua_parser

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Words that mark a User-Agent as a bot even when ua-parser does not classify its device as "Spider".
# "headless" catches HeadlessChrome, which automation tools and scrapers run. "bot" does not count after "cu"
# because CUBOT is a brand of Android phones.
BOT_KEYWORDS_RE = re.compile(r"(?<!cu)bot|crawler|spider|headless|slurp", re.IGNORECASE)

# Only the start of a User-Agent is parsed and cached. Real ones are 100-300 characters; the cap bounds the
# regex work and the cache's memory when a client sends a huge header.
MAX_USER_AGENT_CHARS = 1024


def anonymize_ip(ip: str) -> str:
    """Zero the host part of an address: an IPv4 address keeps its /24, an IPv6 address its /48.

    203.0.113.7 becomes 203.0.113.0, 2001:db8:abcd:12::1 becomes 2001:db8:abcd::. An IPv4-mapped IPv6
    address (::ffff:203.0.113.7) is treated as the IPv4 address it contains. Raises ValueError when ``ip`` is
    not an IP address.
    """
    address = _normalize(ipaddress.ip_address(ip))
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def client_ip(peer_ip: str | None, forwarded_for: str | None, trusted_proxies: list[str]) -> str | None:
    """Return the client's IP address, not anonymised, or None when no valid address is known.

    X-Forwarded-For is read only when the peer is one of ``trusted_proxies`` (addresses or CIDR networks).
    Each proxy appends the address it received the request from. So the walk goes from the right and
    returns the first address that is not itself a trusted proxy, skipping invalid entries such as
    ``unknown``. When every
    entry is a trusted proxy, the left-most valid entry is the client. When the peer is not trusted, the
    header could be forged by the client, so the peer address is returned. Raises ValueError when an entry of
    ``trusted_proxies`` is not an address or network.
    """
    peer = _parse_address(peer_ip)
    if peer is None:
        return None
    networks = _trusted_networks(tuple(trusted_proxies))
    if not forwarded_for or not _is_trusted(peer, networks):
        return str(peer)

    hops = [address for address in map(_parse_address, forwarded_for.split(",")) if address is not None]
    for address in reversed(hops):
        if not _is_trusted(address, networks):
            return str(address)
    return str(hops[0]) if hops else str(peer)


def parse_user_agent(ua: str | None) -> tuple[str, str, bool]:
    """Return ``(browser, os, is_bot)`` for a User-Agent header, e.g. ``("Chrome 120", "Windows 10", False)``.

    The browser is ua-parser's family and major version, the OS its family and major.minor version. An
    empty or unrecognised part is "". A User-Agent is a bot when ua-parser's device family is "Spider" or it
    matches ``BOT_KEYWORDS_RE``. Plain HTTP libraries (curl, python-requests) are not marked as bots.
    """
    if not ua:
        return "", "", False
    return _parse_user_agent_cached(ua[:MAX_USER_AGENT_CHARS])


# The same few User-Agents repeat across events and connections, and a parse costs tens of microseconds.
@lru_cache(maxsize=4096)
def _parse_user_agent_cached(ua: str) -> tuple[str, str, bool]:
    result = ua_parser.parse(ua)
    browser = _version_name(result.user_agent, minor=False)
    os_name = _version_name(result.os, minor=True)
    is_spider = result.device is not None and result.device.family == "Spider"
    is_bot = is_spider or BOT_KEYWORDS_RE.search(ua) is not None
    return browser, os_name, is_bot


def _version_name(part: ua_parser.UserAgent | ua_parser.OS | None, minor: bool) -> str:
    if part is None or part.family == "Other":
        return ""
    version = part.major or ""
    if version and minor and part.minor:
        version = f"{version}.{part.minor}"
    return f"{part.family} {version}" if version else part.family


def _parse_address(text: str | None) -> IPAddress | None:
    """Parse one address, which may carry a port (``198.51.100.7:5123``, ``[2001:db8::1]:443``).

    Returns None when ``text`` is empty or not an address.
    """
    if not text:
        return None
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return _normalize(ipaddress.ip_address(text))
    except ValueError:
        return None


def _normalize(address: IPAddress) -> IPAddress:
    """Unwrap IPv4-mapped IPv6 addresses and drop IPv6 zone ids (``fe80::1%eth0``)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.scope_id is not None:
            return ipaddress.IPv6Address(str(address).partition("%")[0])
    return address


@lru_cache(maxsize=32)
def _trusted_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"trusted proxy {entry!r} is not an IP address or CIDR network") from None
    return tuple(networks)


def _is_trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)
