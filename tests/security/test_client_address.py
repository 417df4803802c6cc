"""The address the throttles count: the connection's, or the nearest trusted proxy's view."""

import pytest
from django.test import RequestFactory

from roadmap_site.security import client_ip


def request(remote: str = "10.1.2.3", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_the_connections_address_counts_whatever_the_client_claims():
    assert client_ip(request(forwarded="1.1.1.1")) == "10.1.2.3"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client forged the first entry
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "", "10.1.2.3"),  # no header: the connection's address
        (3, "203.0.113.9", "203.0.113.9"),  # fewer entries than proxies: the farthest one
    ],
)
def test_behind_declared_proxies_the_nearest_trusted_entry_counts(
    settings, proxies, forwarded, expected
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    assert client_ip(request(forwarded=forwarded)) == expected


def test_an_address_that_is_not_one_counts_as_none(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert client_ip(request(forwarded="not-an-address")) is None
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="")) is None


def test_ipv6_addresses_are_kept_in_their_short_form():
    assert client_ip(request(remote="2001:db8:0:0:0:0:0:1")) == "2001:db8::1"
