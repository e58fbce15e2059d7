"""Token verification and cursors without AWS: the code every stage runs."""

import pytest

from chalicelib import auth
from chalicelib.domain.errors import Forbidden, Malformed, Unauthenticated
from chalicelib.services import cursors
from devtools import tokens


def test_verify_accepts_a_local_token_and_reads_claims():
    user = auth.verify("Bearer " + tokens.mint("officer", ["16.03.01.2011", "16.03.01.2012"], sub="op-1"))
    assert user.role == "officer" and user.sub == "op-1" and user.regency == "16.03"
    assert user.can_see_village("16.03.01.2011") and not user.can_see_village("16.03.02.2001")


def test_strongest_group_wins():
    user = auth.verify("Bearer " + tokens.mint("viewer", **{"cognito:groups": ["viewer", "admin"]}))
    assert user.role == "admin"


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Bearer ", "Bearer a.b.c"])
def test_verify_refuses_missing_or_garbled(header):
    with pytest.raises(Unauthenticated):
        auth.verify(header)


def test_require_role():
    viewer = auth.User(sub="v", role="viewer", regency="16.03")
    auth.require(viewer, auth.READERS)
    with pytest.raises(Forbidden):
        auth.require(viewer, auth.WRITERS)


def test_cursor_round_trip_and_tamper():
    state = {"pk": {"S": "R#16.03#E#x"}, "sk": {"S": "E"}}
    token = cursors.encode(state, "scope-a")
    assert cursors.decode(token, "scope-a") == state
    assert cursors.encode(None, "scope-a") is None and cursors.decode(None, "scope-a") is None
    with pytest.raises(Malformed):
        cursors.decode(token, "scope-b")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(Malformed):
        cursors.decode(flipped, "scope-a")
    with pytest.raises(Malformed):
        cursors.decode("%%%", "scope-a")


@pytest.mark.parametrize(("state", "ok"), [
    ({"pk": {"S": "R#16.03"}, "sk": {"S": "PROG#1"}}, True),
    ({"pk": {"S": "R#16.03"}, "n": {"N": "12"}}, True),
    ({"pk": "R#16.03"}, False),
    ({"pk": {"S": "R#16.03", "N": "1"}}, False),
    ({"pk": {"S": ["R#16.03"]}}, False),
    ({"pk": {"N": "1e999"}}, False),
    ({"pk": {"S": "x" * 1025}}, False),
    ({"pk": {}}, False),
    ({"a": {"S": "1"}, "b": {"S": "1"}, "c": {"S": "1"}, "d": {"S": "1"}, "e": {"S": "1"}}, False),
])
def test_a_signed_cursor_must_also_have_the_shape_of_a_key(state, ok):
    """Issue 12.3: a correctly signed state the server never made is still CURSOR_INVALID."""
    token = cursors.encode(state, "scope-a")
    if ok:
        assert cursors.decode(token, "scope-a") == state
    else:
        with pytest.raises(Malformed):
            cursors.decode(token, "scope-a")


def test_an_oversized_cursor_is_refused_unread():
    with pytest.raises(Malformed):
        cursors.decode("A" * (cursors.MAX_CHARS + 1), "scope-a")
