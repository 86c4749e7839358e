"""The SSRF guard: only public http(s) targets, whatever a hostname resolves to."""

from __future__ import annotations

import pytest

from core.url_guard import UnsafeUrl, check_outbound_url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/x", "http:// or https://"),
        ("https://user:pw@example.com/hook", "credentials"),
        ("http://127.0.0.1:8080/admin", "127.0.0.1"),
        ("http://localhost/admin", "private, loopback or reserved"),
        ("http://10.1.2.3/", "10.1.2.3"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[::1]/", "::1"),
        ("http://0.0.0.0/", "0.0.0.0"),
        ("http://192.168.1.10/", "192.168.1.10"),
    ],
)
def test_private_and_odd_targets_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl) as refused:
        check_outbound_url(url, allow_private=False)
    assert reason in str(refused.value)


def test_public_addresses_pass_and_configuration_can_allow_private_ones() -> None:
    check_outbound_url("https://93.184.215.14/hook", allow_private=False)
    check_outbound_url("http://127.0.0.1:9000/hook", allow_private=True)
    with pytest.raises(UnsafeUrl):
        check_outbound_url("file:///etc/passwd", allow_private=True)
