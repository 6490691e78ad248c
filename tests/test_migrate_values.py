"""Values read as Go reads them; every expected result is written by hand from the Go sources cited in the module."""

from __future__ import annotations

import pytest

from albingress.facts.go_values import go_bool, go_cidr, nginx_bool, nginx_cidrs


@pytest.mark.parametrize("text", ["1", "t", "T", "TRUE", "true", "True"])
def test_every_go_true_spelling(text: str) -> None:
    assert go_bool(text) is True
    assert nginx_bool(text, default=False) is True


@pytest.mark.parametrize("text", ["0", "f", "F", "FALSE", "false", "False"])
def test_every_go_false_spelling(text: str) -> None:
    assert go_bool(text) is False
    assert nginx_bool(text, default=True) is False


@pytest.mark.parametrize("text", ["yes", "on", "tRUE", " true", "true ", "", "2", "enabled"])
def test_what_go_refuses_keeps_the_default(text: str) -> None:
    assert go_bool(text) is None
    assert nginx_bool(text, default=True) is True
    assert nginx_bool(text, default=False) is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("10.1.2.3/8", "10.0.0.0/8"),  # IPNet.IP is the masked address
        ("10.0.0.0/08", "10.0.0.0/8"),  # dtoi takes leading zeros
        ("2001:DB8::1/32", "2001:db8::/32"),
        ("2001:db8:0:0:0:0:0:0/128", "2001:db8::/128"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("203.0.113.7", None),  # no /n
        ("10.0.0.0/33", None),
        ("not-a-cidr", None),
        ("10.0.0.0/255.0.0.0", None),  # Go takes no dotted netmask
        ("010.0.0.0/8", None),  # netip refuses leading zeros in an octet
        ("fe80::1%eth0/64", None),  # no zone
        ("10.0.0.0/", None),
        ("10.0.0.0/+8", None),
        (" 10.0.0.0/8", None),  # ParseCIDR itself trims nothing
    ],
)
def test_go_parse_cidr(text: str, expected: str | None) -> None:
    assert go_cidr(text) == expected


def test_nginx_list_trims_and_makes_bare_addresses_single_hosts() -> None:
    parsed = nginx_cidrs(" 203.0.113.7 ,10.1.2.3/8,\t2001:db8::1, 10.0.0.0/8")
    assert parsed.valid
    assert parsed.cidrs == ("10.0.0.0/8", "2001:db8::1/128", "203.0.113.7/32")


def test_nginx_list_with_one_bad_entry_is_refused_whole() -> None:
    parsed = nginx_cidrs("10.0.0.0/8,10.0.0.0/33,not-a-cidr")
    assert not parsed.valid
    assert parsed.invalid == ("10.0.0.0/33", "not-a-cidr")


def test_nginx_list_empty_entry_is_refused() -> None:
    assert nginx_cidrs("10.0.0.0/8,").invalid == ("",)
    assert nginx_cidrs("").cidrs == () and nginx_cidrs("").valid


def test_ipv4_mapped_bare_address_is_the_ipv4_host() -> None:
    # Go net.ParseIP("::ffff:192.0.2.1").String() is "192.0.2.1": nginx allows that IPv4 host.
    assert nginx_cidrs("::ffff:192.0.2.1").cidrs == ("192.0.2.1/32",)
