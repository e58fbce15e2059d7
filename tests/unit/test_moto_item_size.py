"""devtools/moto_server.py measures an item once; it must accept and refuse what moto did."""

from __future__ import annotations

import pytest
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import Item

from devtools.moto_server import _item_init


def _build(init, attrs: dict) -> Item:
    item = Item.__new__(Item)
    init(item, None, None, attrs)
    return item


@pytest.mark.parametrize("size", [1_000, 404_000, 405_500, 500_000])
def test_same_verdict_and_attributes_as_moto(size: int) -> None:
    attrs = {"pk": {"S": "P#1"}, "sk": {"S": "E"}, "n": {"N": "7"}, "tags": {"SS": ["a", "b"]},
             "m": {"M": {"x": {"S": "y"}, "l": {"L": [{"N": "1"}, {"BOOL": True}]}}}, "big": {"S": "x" * size}}
    try:
        expected = _build(Item.__init__, attrs).attrs
    except ItemSizeTooLarge:
        with pytest.raises(ItemSizeTooLarge):
            _build(_item_init, attrs)
        return
    assert _build(_item_init, attrs).attrs == expected
