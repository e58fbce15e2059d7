"""Enrolment repository: the only code that knows how enrolments sit in the table.

Creates, updates and soft deletes are single transactions that also write the uniqueness
marker, the worker's latest details and the audit event, so none of them can exist without the
others. Uniqueness and versions are condition expressions, never read-then-check.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Iterable, Iterator
from dataclasses import fields
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain import feed
from chalicelib.domain.enrolment import Enrolment
from chalicelib.domain.errors import Conflict
from chalicelib.domain.lifecycle import LIVE
from chalicelib.domain.receipt import Receipt
from chalicelib.store import bulk, db, keys, receipts
from chalicelib.store.audit import AuditEntry, audit_model
from chalicelib.store.models import (
    EnrolmentModel,
    EnrolmentUniqueModel,
    KpjMarkerModel,
    MovedOutModel,
    OpReceiptModel,
    WorkerModel,
)

_FIELDS = [f.name for f in fields(Enrolment) if f.name not in ("id", "incomplete")]


def to_model(e: Enrolment) -> EnrolmentModel:
    values = {name: getattr(e, name) for name in _FIELDS}
    values["warnings"] = e.warnings or None
    values["documents"] = e.documents or None
    values["extra"] = e.extra or None
    values["erased"] = True if e.erased else None
    m = EnrolmentModel(keys.enrolment(e.regency, e.id), "E", eid=e.id, name_lc=e.name.lower(), **values)
    m.g_chg = keys.village_changes(e.regency, e.village_code)
    m.g_chg_sk = f"{e.updated_at}#{e.id}"
    if e.erased:
        if not e.deleted:
            m.g_prog = keys.prog(e.regency, e.programme_id)  # still counted by the summary
        return m
    m.g_worker = keys.worker(e.regency, e.nik)  # withdrawn records too: an erasure must find them
    if not e.deleted:
        part = lambda kind, value: keys.prog_part(e.regency, e.programme_id, kind, value)  # noqa: E731
        m.g_prog = keys.prog(e.regency, e.programme_id)
        m.g_village = part("V", e.village_code)
        m.g_district = part("D", e.district_code)
        m.g_category = part("C", e.category)
        m.g_status = part("S", e.status)
        if e.status in LIVE:
            m.g_end = keys.coverage_end(e.regency, e.coverage_end)
    return m


def from_model(m: EnrolmentModel) -> Enrolment:
    values = {name: getattr(m, name) for name in _FIELDS}
    values["warnings"] = list(m.warnings or [])
    values["documents"] = dict(m.documents or {})
    values["extra"] = m.extra.as_dict() if m.extra is not None else {}
    values["erased"] = bool(m.erased)
    return Enrolment(id=m.eid, **values)


def _raw_plan() -> list[tuple[str, str, Any]]:
    """(field, attribute name, the attribute when it is not a plain string) for from_raw."""
    attributes = EnrolmentModel.get_attributes()
    out = []
    for name in ["eid", *_FIELDS]:
        attr = attributes[name]
        out.append((name, attr.attr_name, None if type(attr) is UnicodeAttribute else attr))
    return out


_RAW_PLAN = _raw_plan()


def from_raw(item: dict[str, dict]) -> Enrolment:
    """from_model(EnrolmentModel.from_raw_data(item)) without the model: the same values (and the
    same defaults for absent attributes) read straight from DynamoDB JSON, for reads of whole
    rosters (exports), where PynamoDB's per-attribute descriptors cost more than the Query."""
    values: dict[str, Any] = {}
    for name, attr_name, attr in _RAW_PLAN:
        raw = item.get(attr_name)
        if attr is None:
            values[name] = raw.get("S") if raw else None
        elif raw and "NULL" not in raw:
            values[name] = attr.deserialize(attr.get_value(raw))
        else:
            values[name] = attr.default() if callable(attr.default) else attr.default
    extra = values["extra"]
    values["warnings"] = list(values["warnings"] or [])
    values["documents"] = dict(values["documents"] or {})
    values["extra"] = {} if extra is None else extra.as_dict() if hasattr(extra, "as_dict") else dict(extra)
    values["erased"] = bool(values["erased"])
    return Enrolment(id=values.pop("eid"), **values)


def programme_all(regency: str, pid: str) -> Iterator[Enrolment]:
    """Every live enrolment of a programme (by_programme, erased tombstones left out), read lean
    (bulk.query_raw, from_raw): the export's read of a whole roster."""
    params = {"IndexName": EnrolmentModel.by_programme.Meta.index_name,
              "KeyConditionExpression": "#h = :h", "FilterExpression": "attribute_not_exists(#x)",
              "ExpressionAttributeNames": {"#h": EnrolmentModel.g_prog.attr_name,
                                           "#x": EnrolmentModel.erased.attr_name},
              "ExpressionAttributeValues": {":h": {"S": keys.prog(regency, pid)}}}
    return (from_raw(item) for item in bulk.query_raw(params))


def _worker_model(e: Enrolment) -> WorkerModel:
    return WorkerModel(keys.worker(e.regency, e.nik), "W", regency=e.regency, nik=e.nik, name=e.name,
                       birth_date=e.birth_date, sex=e.sex, phone=e.phone, village_code=e.village_code,
                       updated_at=e.updated_at)


def get(regency: str, eid: str) -> Enrolment | None:
    try:
        return from_model(EnrolmentModel.get(keys.enrolment(regency, eid), "E", consistent_read=True))
    except DoesNotExist:
        return None


def get_many(regency: str, eids: Iterable[str]) -> dict[str, Enrolment]:
    """These enrolments by id, those that exist (consistent BatchGetItem, 100 a call): the reminder
    handler reads a message's 25 enrolments with one call instead of one GetItem each."""
    wanted = list(dict.fromkeys(eids))
    if not wanted:
        return {}
    found = EnrolmentModel.batch_get([(keys.enrolment(regency, eid), "E") for eid in wanted], consistent_read=True)
    return {m.eid: from_model(m) for m in found}


def existing_id(regency: str, pid: str, nik: str) -> str | None:
    try:
        return EnrolmentUniqueModel.get(keys.unique_enrolment(regency, pid, nik), "UNIQ").eid
    except DoesNotExist:
        return None


def _save_receipt(tx: TransactWrite, receipt: Receipt | None) -> None:
    """A sync operation's receipt commits with the change or not at all."""
    if receipt is not None:
        tx.save(receipts.model(receipt), condition=OpReceiptModel.pk.does_not_exist())


KPJ_MARKER_SK = "KPJ"
KPJ_TAKEN_MESSAGE = ("Nomor KPJ ini sudah tercatat untuk peserta lain (NIK berbeda); periksa nomornya atau tanyakan "
                     "ke kantor cabang BPJS")


def _claim_kpj(tx: TransactWrite, e: Enrolment) -> None:
    """The KPJ owner marker (store/kpj.py): one KPJ belongs to one NIK. Claimed in the write's own
    transaction, on condition that it is free or already this NIK's, as the KPJ import does."""
    marker = KpjMarkerModel(keys.kpj(e.regency, e.kpj_number), KPJ_MARKER_SK, nik=e.nik, eid=e.id, at=e.updated_at)
    tx.save(marker, condition=KpjMarkerModel.pk.does_not_exist() | (KpjMarkerModel.nik == e.nik)
            | (KpjMarkerModel.eid == e.id))  # this enrolment's own NIK corrected


def _release_kpj(e: Enrolment, old: str):
    """How a correction lets go of the KPJ number `old` (a function adding it to the transaction),
    or None when the marker is not this record's to let go: someone else's (or free already), or
    last claimed by another of the person's enrolments. When another live enrolment of the person
    still carries that number the marker passes to it (the person keeps their KPJ); otherwise it is
    deleted, on condition that it still names this record, so the number's real owner can be
    enrolled with it."""
    try:
        marker = KpjMarkerModel.get(keys.kpj(e.regency, old), KPJ_MARKER_SK, consistent_read=True)
    except DoesNotExist:
        return None
    if marker.nik != e.nik or marker.eid != e.id:
        return None
    holders = [m.eid for m in EnrolmentModel.by_worker.query(keys.worker(e.regency, e.nik))
               if m.eid != e.id and m.kpj_number == old and not m.deleted and not m.erased]
    mine = KpjMarkerModel.eid == e.id
    if holders:
        kept = KpjMarkerModel(marker.pk, KPJ_MARKER_SK, nik=e.nik, eid=holders[0], at=e.updated_at)
        return lambda tx: tx.save(kept, condition=mine)
    return lambda tx: tx.delete(KpjMarkerModel(marker.pk, KPJ_MARKER_SK), condition=mine)


def _kpj_taken() -> Conflict:
    return Conflict("KPJ_TAKEN", KPJ_TAKEN_MESSAGE, {"kpj_number": "sudah dipakai peserta lain"})


def insert(e: Enrolment, audit: AuditEntry, receipt: Receipt | None = None) -> None:
    """Create the enrolment, or raise ENROLMENT_DUPLICATE naming the existing one (or KPJ_TAKEN
    when its KPJ number is another NIK's).

    With a receipt, raise db.AlreadyRecorded when that receipt exists already (a replay that
    raced the first attempt): the change was applied once, by the other request.
    """
    unique = EnrolmentUniqueModel(keys.unique_enrolment(e.regency, e.programme_id, e.nik), "UNIQ", eid=e.id)

    def add(tx: TransactWrite) -> None:
        tx.save(unique, condition=EnrolmentUniqueModel.pk.does_not_exist())
        tx.save(to_model(e), condition=EnrolmentModel.pk.does_not_exist())
        if e.kpj_number:  # third, so its cancellation reason has a fixed place
            _claim_kpj(tx, e)
        tx.save(_worker_model(e))
        tx.save(audit_model(audit))
        _save_receipt(tx, receipt)

    try:
        db.transact(e.id, add, "enrolment.create")
    except TransactWriteError as exc:
        if db.receipt_failed(exc, receipt is not None):
            raise db.AlreadyRecorded() from None
        codes = db.cancellation_codes(exc)
        if e.kpj_number and codes[2:3] == ["ConditionalCheckFailed"] and codes[:2] != ["ConditionalCheckFailed"]:
            raise _kpj_taken() from None
        if codes[:1] == ["ConditionalCheckFailed"]:
            raise Conflict("ENROLMENT_DUPLICATE", "NIK ini sudah terdaftar di program ini",
                           {"nik": "sudah terdaftar"},
                           existing_id=existing_id(e.regency, e.programme_id, e.nik)) from None
        if codes[1:2] == ["ConditionalCheckFailed"]:
            raise Conflict("ENROLMENT_ID_TAKEN", "ID data ini sudah dipakai; buat ID baru",
                           {"id": "sudah dipakai"}) from None
        raise


def replace(e: Enrolment, expected_version: int, audit: AuditEntry, token: str,
            moved_from: str | None = None, receipt: Receipt | None = None, released_kpj: str | None = None) -> None:
    """Write a new version iff the stored one is still `expected_version` and not deleted.

    `moved_from`: the village the record leaves; a MOVED marker there tells that village's
    devices to drop it (the record's own change entry moves to the new village).
    `released_kpj`: the KPJ number the record held before a correction; its owner marker is let go
    in the same transaction unless the person still holds that number elsewhere (_release_kpj).
    """
    condition = ((EnrolmentModel.version == expected_version) & (EnrolmentModel.deleted == False)  # noqa: E712
                 & EnrolmentModel.erased.does_not_exist())
    release = _release_kpj(e, released_kpj) if released_kpj and released_kpj != e.kpj_number else None

    def add(tx: TransactWrite) -> None:
        tx.save(to_model(e), condition=condition)
        if e.kpj_number and not e.deleted:  # second, so its cancellation reason has a fixed place
            _claim_kpj(tx, e)
        if release is not None:
            release(tx)
        if e.deleted:
            tx.delete(EnrolmentUniqueModel(keys.unique_enrolment(e.regency, e.programme_id, e.nik), "UNIQ"),
                      condition=EnrolmentUniqueModel.eid == e.id)
        else:
            tx.save(_worker_model(e))
        if moved_from and moved_from != e.village_code:
            tx.save(MovedOutModel(keys.enrolment(e.regency, e.id), keys.moved_out(moved_from), eid=e.id,
                                  version=e.version, updated_at=e.updated_at,
                                  g_chg=keys.village_changes(e.regency, moved_from),
                                  g_chg_sk=f"{e.updated_at}#{e.id}"))
        tx.save(audit_model(audit))
        _save_receipt(tx, receipt)

    try:
        db.transact(token, add, "enrolment.delete" if e.deleted else "enrolment.update")
    except TransactWriteError as exc:
        if db.receipt_failed(exc, receipt is not None):
            raise db.AlreadyRecorded() from None
        codes = db.cancellation_codes(exc)
        if e.kpj_number and not e.deleted and codes[1:2] == ["ConditionalCheckFailed"] \
                and codes[:1] != ["ConditionalCheckFailed"]:
            raise _kpj_taken() from None
        if "ConditionalCheckFailed" in codes:
            current = get(e.regency, e.id)
            raise Conflict("VERSION_STALE", "Data sudah diubah orang lain; muat ulang lalu ulangi",
                           {"version": "tidak sama dengan versi terbaru"},
                           current_version=current.version if current else None) from None
        raise


_INDEX_ORDER = (("village_code", "by_village", "V"), ("district_code", "by_district", "D"),
                ("status", "by_status", "S"), ("category", "by_category", "C"))


def _missing(key: str, categories: list[str] | None):
    condition = EnrolmentModel.extra[key].does_not_exist()
    return condition & EnrolmentModel.category.is_in(*categories) if categories else condition


def query_programme(regency: str, pid: str, filters: dict[str, str], q: str | None,
                    start_key: dict | None, page_size: int, extra_equals: tuple[str, Any] | None = None,
                    incomplete: tuple[bool, list[tuple[str, list[str] | None]]] | None = None) -> Iterator:
    """Query the most selective index for the filters; the others become a filter expression.

    extra_equals: (key, value) of an extra field. incomplete: (wanted, [(required key, its
    categories or None)]): records lacking any of them (True) or none of them (False)."""
    index, hash_value, used = EnrolmentModel.by_programme, keys.prog(regency, pid), None
    for field_name, index_name, kind in _INDEX_ORDER:
        if filters.get(field_name):
            index = getattr(EnrolmentModel, index_name)
            hash_value = keys.prog_part(regency, pid, kind, filters[field_name])
            used = field_name
            break
    conditions = [getattr(EnrolmentModel, name) == value
                  for name, value in filters.items() if value and name != used]
    if used is None:
        conditions.append(EnrolmentModel.erased.does_not_exist())  # by_programme keeps erased tombstones
    if q:
        text = EnrolmentModel.name_lc.contains(q.lower())
        conditions.append(text | EnrolmentModel.nik.startswith(q) if q.isdigit() else text)
    if extra_equals is not None:
        conditions.append(EnrolmentModel.extra[extra_equals[0]] == extra_equals[1])
    if incomplete is not None and incomplete[1]:
        lacking = functools.reduce(operator.or_, [_missing(k, cats) for k, cats in incomplete[1]])
        conditions.append(lacking if incomplete[0] else ~lacking)
    condition = functools.reduce(operator.and_, conditions) if conditions else None
    return index.query(hash_value, filter_condition=condition,
                       last_evaluated_key=db.resume_key(index, hash_value, start_key), page_size=page_size)


def filtered_page(regency: str, pid: str, filters: dict[str, str], q: str | None, start_key: dict | None,
                  limit: int, page_size: int, extra_equals: tuple[str, Any] | None = None,
                  incomplete: tuple[bool, list[tuple[str, list[str] | None]]] | None = None,
                  ) -> tuple[list[Enrolment], dict | None]:
    """Up to `limit` enrolments of `query_programme`'s Query from `start_key`, and the key to resume
    after the last one taken (None: the Query is done)."""
    results = query_programme(regency, pid, filters, q, start_key, page_size, extra_equals, incomplete)
    taken = list(itertools.islice(results, limit))
    return [from_model(m) for m in taken], results.last_evaluated_key


def programme_page(regency: str, pid: str, start_key: dict | None, limit: int) -> tuple[list[Enrolment], dict | None]:
    """One page of a programme's live enrolments (by_programme) and where the next one starts."""
    page = EnrolmentModel.by_programme.query(keys.prog(regency, pid), page_size=limit, last_evaluated_key=start_key,
                                             limit=limit)
    items = [from_model(m) for m in page if not m.erased]  # erased tombstones stay in the index for the summary
    return items, page.last_evaluated_key


def categories_in_use(regency: str, pid: str, categories: list[str]) -> list[str]:
    """Which of these categories live enrolments of the programme use (one by_category Query each)."""
    return [c for c in categories
            if next(iter(EnrolmentModel.by_category.query(keys.prog_part(regency, pid, "C", c), limit=1)), None)]


def query_worker(regency: str, nik: str, include_deleted: bool = False) -> list[Enrolment]:
    """The person's enrolments (by_worker); withdrawn ones only when asked (an erasure)."""
    found = [from_model(m) for m in EnrolmentModel.by_worker.query(keys.worker(regency, nik))]
    return found if include_deleted else [e for e in found if not e.deleted]


def get_worker(regency: str, nik: str) -> WorkerModel | None:
    try:
        return WorkerModel.get(keys.worker(regency, nik), "W")
    except DoesNotExist:
        return None


def changes_since(regency: str, village: str, position: str | None, page_size: int) -> Iterator[feed.Entry]:
    """A village's change entries after `position`, oldest first (the sync feed; a Query, read
    as the caller iterates): enrolments (live or tombstones) and the MOVED markers of those that
    left the village (told apart by `sk`: `E` or `MOVED#...`)."""
    condition = EnrolmentModel.g_chg_sk > position if position else None
    for m in EnrolmentModel.by_village_changes.query(keys.village_changes(regency, village),
                                                     range_key_condition=condition, page_size=page_size):
        if m.sk.startswith("MOVED#"):
            yield feed.Entry(m.g_chg_sk, feed.Moved(m.eid, int(m.version), m.updated_at))
        else:
            yield feed.Entry(m.g_chg_sk, from_model(m))


# ---------- what is due: live cover ending on a day (reminders, period end) ----------
def live_ending_on(regency: str, day: str, programme_id: str | None = None) -> Iterator[Enrolment]:
    """Live (submitted/active) enrolments whose cover ends on `day`: one Query of by_coverage_end."""
    condition = EnrolmentModel.programme_id == programme_id if programme_id else None
    return map(from_model, EnrolmentModel.by_coverage_end.query(keys.coverage_end(regency, day),
                                                                filter_condition=condition, page_size=500))


def live_in_village_ending_on(regency: str, pid: str, village: str, day: str) -> Iterator[Enrolment]:
    """A village's live enrolments of a programme ending on `day` (by_village Query, ~100 items)."""
    condition = (EnrolmentModel.coverage_end == day) & EnrolmentModel.status.is_in(*sorted(LIVE))
    return map(from_model, EnrolmentModel.by_village.query(keys.prog_part(regency, pid, "V", village),
                                                           filter_condition=condition))


# ---------- bulk imports: NIK markers claimed by condition, then the rows batch-written ----------
def markers(regency: str, pid: str, niks: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """NIK -> (eid, import_id or None) of the programme's uniqueness markers that exist
    (consistent BatchGetItem)."""
    niks = list(niks)
    found = bulk.get_all([(keys.unique_enrolment(regency, pid, nik), "UNIQ") for nik in niks])
    by_key = {pk: item for (pk, _), item in found.items()}
    return {nik: (item["eid"]["S"], item.get("import_id", {}).get("S"))
            for nik in niks if (item := by_key.get(keys.unique_enrolment(regency, pid, nik)))}


def claim_markers(regency: str, pid: str, import_id: str, eids: dict[str, str]) -> set[str]:
    """Claim the NIK markers `eids` (NIK -> eid) with conditional puts; returns the NIKs found taken."""
    nik_of = {keys.unique_enrolment(regency, pid, nik): nik for nik in eids}
    taken = bulk.put_new(EnrolmentUniqueModel(keys.unique_enrolment(regency, pid, nik), "UNIQ", eid=eid,
                                              import_id=import_id) for nik, eid in eids.items())
    return {nik_of[pk] for pk, _ in taken}


def claim_kpjs(regency: str, claims: dict[str, tuple[str, str]], at: str) -> set[str]:
    """Claim the KPJ owner markers of imported rows (NIK -> (KPJ, eid)), each on condition that it
    is free or already that NIK's, as a create claims it; returns the NIKs whose KPJ another NIK holds."""
    nik_of = {keys.kpj(regency, kpj): nik for nik, (kpj, _) in claims.items()}
    taken = bulk.put_new((KpjMarkerModel(keys.kpj(regency, kpj), KPJ_MARKER_SK, nik=nik, eid=eid, at=at)
                          for nik, (kpj, eid) in claims.items()), or_same="nik")
    return {nik_of[pk] for pk, _ in taken}


def stored_ids(regency: str, eids: Iterable[str]) -> set[str]:
    """Which of these enrolments are in the table (consistent BatchGetItem)."""
    found = bulk.get_all([(keys.enrolment(regency, eid), "E") for eid in eids])
    return {item["eid"]["S"] for item in found.values()}


def put_imported(rows: Iterable[tuple[Enrolment, AuditEntry]]) -> None:
    """Enrolment, worker details and audit event per row, batch-written (their markers are claimed)."""
    def items():
        for e, audit in rows:
            yield to_model(e)
            yield _worker_model(e)
            yield audit_model(audit)

    bulk.put_all(items())


def expired_ending_on(regency: str, pid: str, days: list[str]) -> Iterator[Enrolment]:
    """A programme's expired enrolments (ended, not renewed) whose cover ended on one of `days`: one Query
    of by_status. Only sweeps with a rule after the end ask, on the few days after a period ends."""
    return map(from_model, EnrolmentModel.by_status.query(keys.prog_part(regency, pid, "S", "expired"),
                                                          filter_condition=EnrolmentModel.coverage_end.is_in(*days),
                                                          page_size=500))


def count_live(regency: str, pid: str) -> int:
    """A programme's live (submitted/active) enrolments, counted from the records: two COUNT Queries of
    by_status (Select=COUNT reads the index, returns no items)."""
    return sum(EnrolmentModel.by_status.count(keys.prog_part(regency, pid, "S", status)) for status in sorted(LIVE))
