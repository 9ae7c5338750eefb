"""Who a request counts against, through both doors: the Gradio handler's `client_address` (a
starlette Headers or a queued event's plain dict) and the login guard's `scope_address` (the raw
ASGI scope). Behind the share tunnel (a loopback peer) only the LAST X-Forwarded-For entry of the
LAST header line counts: the tunnel appends it; everything before it is the client's own words."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.datastructures import Headers

from playground.ui.app import client_address
from playground.ui.guard import scope_address
from playground.ui.limits import is_loopback, trusted_address

LOOPBACK = ["127.0.0.1", "127.8.9.10", "::1", "[::1]"]
REMOTE = ["203.0.113.7", "2001:db8::1", "10.0.0.1", "localhost", "", None]

# (peer, X-Forwarded-For header lines in order, who it counts against)
CASES = [
    ("127.0.0.1", ["198.51.100.4"], "198.51.100.4"),
    ("127.0.0.1", ["10.0.0.99, 198.51.100.4"], "198.51.100.4"),
    ("127.0.0.1", ["10.0.0.1", "198.51.100.9"], "198.51.100.9"),  # several lines: the last line
    ("127.0.0.1", ["10.0.0.1, 10.0.0.2", "10.0.0.3, 198.51.100.9"], "198.51.100.9"),
    ("::1", [" 198.51.100.4 "], "198.51.100.4"),
    ("[::1]", ["2001:db8::7"], "2001:db8::7"),
    ("127.0.0.1", [], "127.0.0.1"),
    ("127.0.0.1", [""], "127.0.0.1"),
    ("127.0.0.1", ["198.51.100.4, "], "127.0.0.1"),  # an empty last entry: nothing appended
    ("127.0.0.1", ["x" * 300], "x" * 100),  # bounded: one client cannot make a huge key
    ("203.0.113.7", ["10.0.0.1"], "203.0.113.7"),  # a remote peer's header is its own words
    ("203.0.113.7", ["10.0.0.1", "127.0.0.1"], "203.0.113.7"),
    ("2001:db8::1", ["198.51.100.4"], "2001:db8::1"),
    (None, ["198.51.100.4"], "unknown"),
]


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", REMOTE)
def test_not_loopback_hosts(host):
    assert not is_loopback(host)


@pytest.mark.parametrize("peer, lines, expected", CASES)
def test_trusted_address(peer, lines, expected):
    assert trusted_address(peer, lines) == expected


@pytest.mark.parametrize("peer, lines, expected", CASES)
def test_client_address_reads_every_header_line(peer, lines, expected):
    raw = [(b"x-forwarded-for", line.encode()) for line in lines]
    request = SimpleNamespace(headers=Headers(raw=raw), client=None if peer is None else SimpleNamespace(host=peer))
    assert client_address(request) == expected


@pytest.mark.parametrize("peer, lines, expected", [c for c in CASES if len(c[1]) <= 1])
def test_client_address_of_a_queued_event_reads_its_plain_dict(peer, lines, expected):
    headers = {"x-forwarded-for": lines[0]} if lines else {}
    request = SimpleNamespace(headers=headers, client=None if peer is None else SimpleNamespace(host=peer))
    assert client_address(request) == expected


def test_client_address_without_headers_or_client():
    assert client_address(SimpleNamespace(headers=None, client=None)) == "unknown"
    assert client_address(SimpleNamespace(headers={"x-forwarded-for": 7}, client=SimpleNamespace(host="::1"))) == "::1"


@pytest.mark.parametrize("peer, lines, expected", CASES)
def test_scope_address_reads_every_header_line(peer, lines, expected):
    headers = [(b"host", b"example.org")]
    for line in lines:  # other headers between the lines do not matter
        headers += [(b"x-forwarded-for", line.encode("latin-1")), (b"accept", b"*/*")]
    scope = {"type": "http", "headers": headers, "client": None if peer is None else (peer, 50000)}
    assert scope_address(scope) == expected


def test_scope_address_ignores_headers_with_other_names():
    scope = {"client": ("127.0.0.1", 1), "headers": [(b"x-forwarded-for", b"198.51.100.4"),
                                                     (b"x-real-ip", b"10.9.9.9"), (b"forwarded", b"for=10.8.8.8")]}
    assert scope_address(scope) == "198.51.100.4"
    assert scope_address({"client": ("127.0.0.1", 1)}) == "127.0.0.1"  # no headers at all
