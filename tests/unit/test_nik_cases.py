"""The NIK table the field app's validator is tested against too (tests/js/nik.test.mjs): one
list of good and bad NIKs, so the phone and the server cannot drift apart."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from chalicelib.domain import nik

CASES = json.loads((Path(__file__).resolve().parents[1] / "data" / "nik_cases.json").read_text(encoding="utf-8"))
TODAY = date.fromisoformat(CASES["today"])


@pytest.mark.parametrize("case", CASES["parse"], ids=lambda c: repr(c["nik"]))
def test_parse_agrees_with_the_shared_table(case):
    if case["ok"]:
        n = nik.parse(case["nik"], TODAY)
        assert (n.value, n.sex, n.birth_date.isoformat(), n.regency_code, n.district_code) == (
            case["value"], case["sex"], case["birth_date"], case["regency_code"], case["district_code"])
    else:
        with pytest.raises(nik.NikError) as caught:
            nik.parse(case["nik"], TODAY)
        assert (caught.value.code, caught.value.message) == (case["code"], case["message"])


@pytest.mark.parametrize("case", CASES["consistency"], ids=lambda c: f"{c['nik']}-{c['birth_date']}-{c['sex']}")
def test_consistency_agrees_with_the_shared_table(case):
    parsed = nik.parse(case["nik"], TODAY)
    birth = date.fromisoformat(case["birth_date"]) if case["birth_date"] else None
    assert nik.check_consistency(parsed, birth, case["sex"]) == case["problems"]


def test_the_table_covers_every_reason():
    codes = {c["code"] for c in CASES["parse"] if not c["ok"]}
    assert codes == {"NIK_FORMAT", "NIK_PROVINCE", "NIK_REGION", "NIK_DATE", "NIK_SERIAL"}
