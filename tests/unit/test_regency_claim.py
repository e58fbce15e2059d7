"""Issue 12.5: a validly signed token is accepted only for a well-formed regency code that this
deployment serves (LINDUNG_REGENCIES); anything else in `custom:regency` is a 403."""

from __future__ import annotations

import pytest

from chalicelib import auth
from chalicelib.domain.errors import Forbidden
from devtools import tokens


@pytest.mark.parametrize("claim", ["16.04", "*", "16.03#P#x", "16.03#", " 16.03", "16.03\n", "16.3", "16.03.01",
                                   "R#16.03", "16,03", ["16.03"], 1603])
def test_a_regency_the_deployment_does_not_serve_is_refused(claim, monkeypatch):
    monkeypatch.setenv("LINDUNG_REGENCIES", "16.03")
    token = tokens.mint("admin", **{"custom:regency": claim})
    with pytest.raises(Forbidden) as refused:
        auth.verify(f"Bearer {token}")
    assert refused.value.code == "REGENCY_FORBIDDEN"


def test_a_served_regency_is_accepted(monkeypatch):
    monkeypatch.setenv("LINDUNG_REGENCIES", "16.03,16.04")
    assert auth.verify("Bearer " + tokens.mint("admin", regency="16.04")).regency == "16.04"
    assert auth.verify("Bearer " + tokens.mint("viewer")).regency == "16.03"


def test_a_malformed_served_list_serves_nothing(monkeypatch):
    monkeypatch.setenv("LINDUNG_REGENCIES", "*")
    with pytest.raises(Forbidden):
        auth.verify("Bearer " + tokens.mint("admin", **{"custom:regency": "*"}))
