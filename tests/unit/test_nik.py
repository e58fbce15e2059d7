from datetime import date

import pytest

from chalicelib.domain import nik

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("raw", "birth", "sex", "district"),
    [
        ("1603015708900001", date(1990, 8, 17), "P", "16.03.01"),  # woman: day 17 + 40
        ("1603021203850002", date(1985, 3, 12), "L", "16.03.02"),
        ("1603 0241 0101 0003", date(2001, 1, 1), "P", "16.03.02"),  # spaces typed by officers
        ("1603.14.310799.0004", date(1999, 7, 31), "L", "16.03.14"),
        ("1671012902000005", date(2000, 2, 29), "L", "16.71.01"),  # leap day, Palembang
        ("9401016512250006", date(2025, 12, 25), "P", "94.01.01"),  # Papua Tengah (2022), a baby
    ],
)
def test_parses_real_shaped_niks(raw, birth, sex, district):
    parsed = nik.parse(raw, TODAY)
    assert parsed.birth_date == birth
    assert parsed.sex == sex
    assert parsed.district_code == district
    assert len(parsed.value) == 16


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("160301570890001", "NIK_FORMAT"),  # 15 digits
        ("16030157089000012", "NIK_FORMAT"),  # 17 digits
        ("16030157O8900001", "NIK_FORMAT"),  # letter O for zero
        ("", "NIK_FORMAT"),
        ("9903015708900001", "NIK_PROVINCE"),
        ("1600015708900001", "NIK_REGION"),
        ("1603003108900001", "NIK_REGION"),
        ("1603013102900001", "NIK_DATE"),  # 31 February
        ("1603017208900001", "NIK_DATE"),  # day 32 for a woman
        ("1603014013900001", "NIK_DATE"),  # day 40: neither sex
        ("1603011513900001", "NIK_DATE"),  # month 13
        ("1603011512260001", "NIK_DATE"),  # born next month (Dec 2026)
        ("1603015708900000", "NIK_SERIAL"),
    ],
)
def test_rejects_with_reason(raw, code):
    with pytest.raises(nik.NikError) as err:
        nik.parse(raw, TODAY)
    assert err.value.code == code
    assert err.value.message  # a reason in Bahasa Indonesia


def test_two_digit_year_takes_the_latest_past_century():
    assert nik.parse("1603011201260001", TODAY).birth_date == date(2026, 1, 12)
    assert nik.parse("1603011201270001", TODAY).birth_date == date(1927, 1, 12)


def test_consistency_with_stated_sex_and_birth_date():
    parsed = nik.parse("1603015708900001", TODAY)
    assert nik.check_consistency(parsed, date(1990, 8, 17), "P") == {}
    problems = nik.check_consistency(parsed, date(1990, 8, 18), "L")
    assert set(problems) == {"sex", "birth_date"}


def test_masked_hides_the_person():
    assert nik.parse("1603015708900001", TODAY).masked() == "160301**********"
