"""parse_json's bounds without AWS (issue 12.6): depth counted outside strings, without recursion."""

from __future__ import annotations

import json

import pytest

from chalicelib.api import http
from chalicelib.domain.errors import Malformed

LIMIT = http.MAX_BODY_DEPTH


def deep(n: int) -> str:
    return "[" * n + "]" * n


def test_the_limit_itself_parses_and_one_more_is_too_deep():
    assert http.parse_json(deep(LIMIT).encode()) is not None
    with pytest.raises(Malformed) as refused:
        http.parse_json(deep(LIMIT + 1).encode())
    assert refused.value.code == "BODY_TOO_DEEP" and refused.value.status == 400


@pytest.mark.parametrize("text", ['["' + "[" * 40 + '"]', '{"a": "\\"' + "[" * 40 + '"}',
                                  json.dumps({"k" * 5: "{" * 200})])
def test_brackets_inside_strings_do_not_count(text):
    assert http.parse_json(text.encode()) == json.loads(text)


def test_items_alone_replaces_each_deep_subtree_by_the_marker():
    body = '{"ops": [' + ",".join(['{"data": 1}', '{"data": ' + deep(10_000) + "}", '{"data": 2}']) + "]}"
    parsed = http.parse_json(body.encode(), items_alone=True)
    assert [http.contains_too_deep(op) for op in parsed["ops"]] == [False, True, False]
    assert parsed["ops"][0] == {"data": 1} and parsed["ops"][2] == {"data": 2}


@pytest.mark.parametrize("raw", [b"{" * 50_000, b"[" * 40 + b'"unterminated', b"\xff\xfe", b"[1,]"])
def test_broken_or_cut_off_bodies_are_400s(raw):
    with pytest.raises(Malformed) as refused:
        http.parse_json(raw)
    assert refused.value.status == 400


def test_a_body_over_the_size_limit_is_refused_unread():
    with pytest.raises(Malformed) as refused:
        http.parse_json(b" " * (http.MAX_BODY_BYTES + 1))
    assert refused.value.code == "BODY_TOO_LARGE"
