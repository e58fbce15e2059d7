"""The core use cases (enrol, correct, withdraw, sync, reminder planning, renewal) on in-memory repositories
(tests/unit/memory.py): no emulator, no AWS call (one would fail the test). The same behaviour is
tested again over HTTP against the emulator in tests/integration."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib import notify
from chalicelib.api import schemas
from chalicelib.auth import User
from chalicelib.domain.errors import Conflict, Forbidden, Invalid
from chalicelib.domain.inputs import Renewal, SyncBatch, SyncOperation
from chalicelib.notify.fake import FakeNotifier
from chalicelib.services import enrolments, lifecycle, reminders, sync
from chalicelib.services.deps import Deps
from tests.unit.memory import Memory

REGENCY = "16.03"
TANJUNG_AGUNG, LAWANG_KIDUL = "16.03.01.2001", "16.03.02.2003"
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 09:00 WIB
ADMIN = User("admin-1", "admin", REGENCY)
OFFICER = User("officer-7", "officer", REGENCY, frozenset({TANJUNG_AGUNG}))


def ids():
    n = iter(range(1, 10_000))
    return lambda: f"01JD{next(n):022d}"


@pytest.fixture()
def memory(monkeypatch) -> Memory:
    store = Memory({TANJUNG_AGUNG: "Tanjung Agung", LAWANG_KIDUL: "Lawang Kidul"}).install(monkeypatch)
    store.programmes.add({
        "id": "P1", "regency": REGENCY, "code": "bpu-rentan-2026", "name": "BPU Pekerja Rentan 2026",
        "funder": "APBD Kabupaten Muara Enim", "legal_basis": "Perbup 12/2025",
        "coverage_start": "2026-01-01", "coverage_end": "2026-12-31", "benefits": ["JKK", "JKM"],
        "monthly_contribution_idr": 16800, "categories": [{"code": "petani", "name": "Petani"},
                                                          {"code": "nelayan", "name": "Nelayan"}],
        "targets": {"petani": 500}, "eligibility": None, "fields": [], "version": 1,
        "created_at": "2025-12-01T00:00:00Z", "updated_at": "2025-12-01T00:00:00Z",
        "created_by": "admin-1", "updated_by": "admin-1"})
    return store


@pytest.fixture()
def deps() -> Deps:
    return Deps(clock=lambda: NOW, new_id=ids())


def siti(**changes) -> schemas.EnrolmentIn:
    """As an officer types her in: spaces around the name, a phone with dashes."""
    return schemas.EnrolmentIn.model_validate({
        "nik": "1603015708900001", "name": "  Siti Aminah ", "birth_date": "1990-08-17", "sex": "P",
        "phone": "0812-7788-9900", "village_code": TANJUNG_AGUNG, "category": "petani", "status": "submitted",
        **changes})


def test_enrol_stores_the_record_with_its_audit_and_a_second_time_is_a_duplicate(memory, deps):
    e = enrolments.enrol(deps, OFFICER, "P1", siti())
    assert (e.version, e.name, e.phone, e.district_code) == (1, "Siti Aminah", "+6281277889900", "16.03.01")
    assert memory.enrolments.get(REGENCY, e.id) == e
    (entry,) = memory.enrolments.trail(e.id)
    assert (entry.action, entry.actor, entry.changes["nik"]) == ("create", "officer-7", [None, "1603015708900001"])
    with pytest.raises(Conflict) as exc:
        enrolments.enrol(deps, ADMIN, "P1", siti(name="Siti Aminah binti Ahmad"))
    assert (exc.value.code, exc.value.extra["existing_id"]) == ("ENROLMENT_DUPLICATE", e.id)


def test_an_officer_enrols_only_in_their_villages_and_only_known_villages(memory, deps):
    with pytest.raises(Forbidden):
        enrolments.enrol(deps, OFFICER, "P1", siti(village_code=LAWANG_KIDUL))
    with pytest.raises(Invalid) as exc:
        enrolments.enrol(deps, ADMIN, "P1", siti(village_code="16.03.01.2999"))
    assert exc.value.code == "VILLAGE_UNKNOWN"
    assert memory.enrolments.items == {}


def test_a_correction_needs_the_current_version_and_audits_only_what_changed(memory, deps):
    e = enrolments.enrol(deps, OFFICER, "P1", siti())
    patch = schemas.EnrolmentPatch.model_validate({"phone": "0813 1111 2222", "category": "petani"})
    with pytest.raises(Conflict) as exc:
        enrolments.patch(deps, OFFICER, e.id, patch, if_match=7)
    assert (exc.value.code, exc.value.extra["current_version"]) == ("VERSION_STALE", 1)
    updated = enrolments.patch(deps, OFFICER, e.id, patch, if_match=1)
    assert (updated.version, updated.phone) == (2, "+6281311112222")
    assert memory.enrolments.trail(e.id)[-1].changes == {"phone": ["+6281277889900", "+6281311112222"]}
    with pytest.raises(Conflict):  # the version it was read at is gone now
        enrolments.patch(deps, OFFICER, e.id, patch, if_match=1)


def test_moving_to_another_village_leaves_a_marker_for_the_old_one(memory, deps):
    e = enrolments.enrol(deps, ADMIN, "P1", siti())
    enrolments.patch(deps, ADMIN, e.id, schemas.EnrolmentPatch(village_code=LAWANG_KIDUL), if_match=1)
    assert memory.enrolments.moved_out == [(e.id, TANJUNG_AGUNG)]
    assert memory.enrolments.get(REGENCY, e.id).district_code == "16.03.02"


def test_a_withdrawn_nik_can_be_enrolled_again(memory, deps):
    first = enrolments.enrol(deps, OFFICER, "P1", siti())
    gone = enrolments.delete(deps, OFFICER, first.id, if_match=None)
    assert (gone.deleted, gone.version) == (True, 2)
    again = enrolments.enrol(deps, OFFICER, "P1", siti())
    assert again.id != first.id and memory.enrolments.existing_id(REGENCY, "P1", "1603015708900001") == again.id


def _ending(memory: Memory, deps: Deps, days: int, **changes) -> None:
    """A live enrolment whose cover ends `days` after today (WIB)."""
    e = enrolments.enrol(deps, ADMIN, "P1", siti(**changes))
    end = (date(2026, 11, 2) + timedelta(days=days)).isoformat()
    stored = memory.enrolments.items[(REGENCY, e.id)]
    stored.coverage_end = end


def test_a_reminder_plan_counts_who_gets_an_sms_and_who_cannot(memory, deps):
    _ending(memory, deps, 30)  # due: the default rules remind 45/30/14/7 days before the end
    _ending(memory, deps, 30, nik="1603011203850002", name="Bambang Sutrisno", birth_date="1985-03-12", sex="L",
            phone=None)
    _ending(memory, deps, 60, nik="1603010101800003", name="Darmawan", birth_date="1980-01-01", sex="L")  # not yet due
    sent = {"sms": FakeNotifier("sms"), "email": FakeNotifier("email")}
    with notify.override(sent):
        plan = reminders.run(deps, REGENCY, date(2026, 11, 2), dry_run=True)
    assert (plan["considered"], plan["would_send"]["sms"], plan["skipped"]) == (2, 1, 1)
    assert plan["status"] == "planned" and sent["sms"].sent == []  # a plan sends nothing


def test_a_restricted_worker_is_not_reminded(memory, deps):
    _ending(memory, deps, 14)
    memory.restrictions.niks[REGENCY] = {"1603015708900001"}
    with notify.override({"sms": FakeNotifier("sms"), "email": FakeNotifier("email")}):
        plan = reminders.run(deps, REGENCY, date(2026, 11, 2), dry_run=True)
    assert (plan["considered"], plan["restricted"], plan["would_send"]["sms"]) == (1, 1, 0)


def test_a_renewal_makes_the_next_programme_once_and_carries_live_members_over(memory, deps, monkeypatch):
    monkeypatch.setattr(lifecycle, "RENEW_PAGE", 2)  # three members: two pages
    ended, active, draft = [enrolments.enrol(deps, ADMIN, "P1", siti(**person)) for person in (
        {}, {"nik": "1603011203850002", "name": "Bambang Sutrisno", "birth_date": "1985-03-12", "sex": "L",
             "kpj_number": "24123456789", "status": "active"},
        {"nik": "1603010101800003", "name": "Darmawan", "birth_date": "1980-01-01", "sex": "L", "status": "draft"})]
    memory.enrolments.items[(REGENCY, ended.id)].status = "expired"  # the period end ran for her
    body = Renewal(coverage_start=date(2027, 1, 1), coverage_end=date(2027, 12, 31))
    renewal, created = lifecycle.renew(deps, ADMIN, "P1", body)
    again, created_again = lifecycle.renew(deps, ADMIN, "P1", body)
    assert (created, created_again) == (True, False)
    new_pid = renewal["programme"]["id"]
    assert again["programme"]["id"] == new_pid and renewal["programme"]["code"] == "bpu-rentan-2026-R202701"
    while memory.queued:  # the carry-over, page by page, as the lifecycle queue would deliver it
        _, message = memory.queued.pop(0)
        lifecycle.handle(deps, message)
    carried = {e.nik: e for (_, _), e in memory.enrolments.items.items() if e.programme_id == new_pid}
    assert {nik: e.status for nik, e in carried.items()} == {"1603015708900001": "submitted",
                                                              "1603011203850002": "active"}
    assert all(e.coverage_end == "2027-12-31" for e in carried.values())
    assert [memory.enrolments.get(REGENCY, e.id).status for e in (ended, active, draft)] == [
        "renewed", "renewed", "draft"]
    (done,) = memory.renewals.of_programme(REGENCY, "P1")
    assert (done["status"], done["carried"], done["excluded"], done["pages"]) == ("done", 2, 1, 2)


def _siti_typed(**changes) -> dict:
    """An enrolment as the field app queues it: the form's values, typed on the phone."""
    return {"nik": "1603015708900001", "name": " Siti Aminah", "birth_date": "1990-08-17", "sex": "P",
            "phone": "0812 7788 9900", "village_code": TANJUNG_AGUNG, "category": "petani", **changes}


def test_a_phone_s_batch_applies_each_operation_once_and_a_replay_changes_nothing(memory, deps):
    eid = "01JDPHONE000000000000000001"
    batch = SyncBatch([
        SyncOperation("op-1", "create", "enrolment", "P1", id=eid, data=_siti_typed()),
        SyncOperation("op-2", "update", "enrolment", "P1", id=eid, version=1, data={"phone": "0813-1111-2222"}),
        SyncOperation("op-3", "create", "enrolment", "P1", data=_siti_typed(name="Siti A.")),  # the same NIK again
        SyncOperation("op-4", "create", "enrolment", "P1", data=_siti_typed(nik="1603015708900002",
                                                                            village_code=LAWANG_KIDUL)),
        SyncOperation("op-5", "update", "enrolment", "P1", id=eid, version=1, data={"name": "Siti"}),  # stale
    ])
    first = sync.push(deps, OFFICER, batch)["results"]
    assert [(r["op_id"], r["status"]) for r in first] == [
        ("op-1", "applied"), ("op-2", "applied"), ("op-3", "duplicate"), ("op-4", "rejected"), ("op-5", "conflict")]
    assert (first[1]["version"], first[2]["id"], first[4]["version"]) == (2, eid, 2)
    assert first[3]["error"]["code"] == "VILLAGE_FORBIDDEN"  # the officer's own villages only
    stored = memory.enrolments.get(REGENCY, eid)
    assert (stored.version, stored.phone, stored.name) == (2, "+6281311112222", "Siti Aminah")
    assert len(memory.receipts.items) == 5  # every final outcome is recorded, the applied ones with their change
    trail = len(memory.enrolments.audit)
    again = sync.push(deps, OFFICER, batch)["results"]  # the phone lost the answer and sends it all again
    assert again == first
    assert len(memory.enrolments.audit) == trail and memory.enrolments.get(REGENCY, eid) == stored


def test_a_reused_op_id_is_refused_and_a_batch_out_of_time_records_nothing(memory, deps):
    eid = "01JDPHONE000000000000000002"
    create = SyncOperation("op-9", "create", "enrolment", "P1", id=eid, data=_siti_typed())
    assert sync.push(deps, OFFICER, SyncBatch([create]))["results"][0]["status"] == "applied"
    other = SyncOperation("op-9", "create", "enrolment", "P1", data=_siti_typed(nik="1603015708900003"))
    (reused,) = sync.push(deps, OFFICER, SyncBatch([other]))["results"]
    assert (reused["status"], reused["error"]["code"]) == ("rejected", "OP_ID_REUSED")
    assert memory.enrolments.existing_id(REGENCY, "P1", "1603015708900003") is None
    late = SyncOperation("op-10", "delete", "enrolment", "P1", id=eid, version=1)
    (failed,) = sync.push(deps, OFFICER, SyncBatch([late]), time_left_ms=lambda: 1000)["results"]
    assert (failed["status"], failed["error"]["code"]) == ("failed", "TIME_BUDGET")
    assert memory.receipts.get(REGENCY, OFFICER.sub, "op-10") is None  # send the same op again later
    (deleted,) = sync.push(deps, OFFICER, SyncBatch([late]))["results"]
    assert (deleted["status"], deleted["version"]) == ("applied", 2)
    assert memory.enrolments.get(REGENCY, eid).deleted
