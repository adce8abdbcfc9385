"""IP resolution and anonymisation, and User-Agent parsing."""

import pytest

from eventlayer.enrich import anonymize_ip, client_ip, parse_user_agent

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
GOOGLEBOT_SMARTPHONE = (
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.71 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
)
HEADLESS_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 "
    "Safari/537.36"
)
FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0"


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("203.0.113.7", "203.0.113.0"),
        ("203.0.113.0", "203.0.113.0"),
        ("10.1.2.255", "10.1.2.0"),
        ("2001:db8:abcd:12:34:56:78:9a", "2001:db8:abcd::"),
        ("2001:DB8:ABCD::1", "2001:db8:abcd::"),
        ("::1", "::"),
        ("::ffff:203.0.113.7", "203.0.113.0"),
        ("fe80::1:2:3%eth0", "fe80::"),
    ],
)
def test_anonymize_ip(ip, expected):
    assert anonymize_ip(ip) == expected


@pytest.mark.parametrize("ip", ["", "not-an-ip", "203.0.113.256", "203.0.113.7:80"])
def test_anonymize_ip_invalid_raises(ip):
    with pytest.raises(ValueError):
        anonymize_ip(ip)


TRUSTED = ["127.0.0.1", "10.0.0.0/8", "2001:db8:ffff::/48"]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        # No header, or an untrusted peer: the peer is the client, whatever the header contains.
        ("198.51.100.4", None, "198.51.100.4"),
        ("198.51.100.4", "203.0.113.7", "198.51.100.4"),
        ("::ffff:198.51.100.4", "203.0.113.7", "198.51.100.4"),
        # Trusted peer: the right-most address that is not a trusted proxy.
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
        ("127.0.0.1", "203.0.113.7, 10.0.0.5", "203.0.113.7"),
        ("10.9.9.9", "192.0.2.66, 203.0.113.7, 10.0.0.5", "203.0.113.7"),
        ("127.0.0.1", "  203.0.113.7 ,10.0.0.5  ", "203.0.113.7"),
        ("2001:db8:ffff::1", "2001:db8:1::7", "2001:db8:1::7"),
        # Invalid entries are skipped.
        ("127.0.0.1", "203.0.113.7, unknown, garbage", "203.0.113.7"),
        ("127.0.0.1", "unknown", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        # Ports and brackets some proxies add.
        ("127.0.0.1", "203.0.113.7:52314", "203.0.113.7"),
        ("127.0.0.1", "[2001:db8:1::7]:443", "2001:db8:1::7"),
        # Every hop trusted: the left-most one is the client.
        ("127.0.0.1", "10.0.0.8, 10.0.0.5", "10.0.0.8"),
        # No usable peer.
        (None, "203.0.113.7", None),
        ("testclient", "203.0.113.7", None),
    ],
)
def test_client_ip(peer, forwarded_for, expected):
    assert client_ip(peer, forwarded_for, TRUSTED) == expected


def test_client_ip_without_trusted_proxies_ignores_header():
    assert client_ip("127.0.0.1", "203.0.113.7", []) == "127.0.0.1"


def test_client_ip_invalid_trusted_proxy_raises():
    with pytest.raises(ValueError, match="trusted proxy"):
        client_ip("127.0.0.1", "203.0.113.7", ["10.0.0.0/33"])


@pytest.mark.parametrize(
    ("ua", "expected"),
    [
        (CHROME_WINDOWS, ("Chrome 120", "Windows 10", False)),
        (IPHONE_SAFARI, ("Mobile Safari 17", "iOS 17.1", False)),
        (FIREFOX_MAC, ("Firefox 121", "Mac OS X 10.15", False)),
        (GOOGLEBOT, ("Googlebot 2", "", True)),
        (GOOGLEBOT_SMARTPHONE, ("Googlebot 2", "Android 6.0", True)),
        (HEADLESS_CHROME, ("HeadlessChrome 120", "Linux", True)),
        ("Mozilla/5.0 (compatible; ExampleCrawler/1.0)", ("ExampleCrawler 1", "", True)),
        ("curl/8.5.0", ("curl 8", "", False)),
        ("python-requests/2.31.0", ("Python Requests 2", "", False)),
        (
            "Mozilla/5.0 (Linux; Android 12; CUBOT NOTE 30) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/110.0.0.0 Mobile Safari/537.36",
            ("Chrome Mobile 110", "Android 12", False),
        ),
        ("Mozilla/5.0 (X11; Linux x86_64) MyPageBot/0.3", ("MyPageBot 0", "Linux", True)),
        ("", ("", "", False)),
        (None, ("", "", False)),
    ],
)
def test_parse_user_agent(ua, expected):
    assert parse_user_agent(ua) == expected


def test_parse_user_agent_huge_header():
    browser, os_name, is_bot = parse_user_agent(CHROME_WINDOWS + " x" * 50_000)
    assert browser == "Chrome 120"
    assert os_name == "Windows 10"
    assert is_bot is False
