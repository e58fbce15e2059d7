import pytest

from chalicelib.domain import ids, lifecycle, phone
from chalicelib.domain.programme import months_in_period


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("081234567890", "+6281234567890"), ("+62 812-3456-7890", "+6281234567890"),
     ("6281234567890", "+6281234567890"), ("(0812) 3456 789", "+628123456789"),
     ("81234567890", "+6281234567890")],
)
def test_phone_normalised_to_e164(raw, expected):
    assert phone.normalise(raw) == expected


@pytest.mark.parametrize("raw", ["0711-123456", "12345", "+6591234567", "08123", "0812345678901234"])
def test_phone_rejects_non_mobile(raw):
    with pytest.raises(phone.PhoneError):
        phone.normalise(raw)


def test_lifecycle_rules():
    assert lifecycle.transition_problems("draft", "submitted", None, None) == {}
    assert "status" in lifecycle.transition_problems("draft", "expired", None, None)
    assert "kpj_number" in lifecycle.transition_problems("submitted", "active", None, None)
    assert lifecycle.transition_problems("submitted", "active", "12345678901", None) == {}
    assert "rejection_reason" in lifecycle.transition_problems("submitted", "rejected", None, None)
    assert lifecycle.kpj_problem("123") is not None
    assert lifecycle.kpj_problem("12345678901") is None


def test_ulids_sort_by_time_and_are_unique():
    a = ids.ulid(1_700_000_000_000)
    b = ids.ulid(1_700_000_000_001)
    assert len(a) == 26 and a < b
    assert len({ids.ulid() for _ in range(1000)}) == 1000


def test_months_in_period():
    from datetime import date
    assert months_in_period(date(2025, 10, 1), date(2025, 12, 31)) == 3
    assert months_in_period(date(2025, 1, 1), date(2025, 12, 31)) == 12
