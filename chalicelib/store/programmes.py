"""Programme repository: the one code path that writes programme items (create, change, and the
new period's programme of a renewal, through `add_new`), so every programme carries the
change-feed keys field devices sync from. A programme code is unique within a regency (marker
item, conditional).
"""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.domain import feed
from chalicelib.domain.errors import Conflict
from chalicelib.store import db, keys
from chalicelib.store.audit import AuditEntry, audit_model
from chalicelib.store.models import ProgrammeCodeModel, ProgrammeModel

FIELDS = ("code", "name", "funder", "legal_basis", "coverage_start", "coverage_end", "benefits",
          "monthly_contribution_idr", "categories", "targets", "eligibility", "retention_years", "fields", "version",
          "created_at",
          "updated_at",
          "created_by", "updated_by")


def to_dict(m: ProgrammeModel) -> dict:
    out = {name: getattr(m, name) for name in FIELDS}
    out.update(id=m.pid, regency=m.regency, monthly_contribution_idr=int(m.monthly_contribution_idr),
               version=int(m.version), fields=list(m.fields or []),
               retention_years=int(m.retention_years) if m.retention_years is not None else None)
    return out


def _model(p: dict) -> ProgrammeModel:
    pk, prefix = keys.programme(p["regency"])
    return ProgrammeModel(pk, prefix + p["id"], pid=p["id"], regency=p["regency"],
                          g_chg=keys.changes_regency(p["regency"]), g_chg_sk=f"{p['updated_at']}#{p['id']}",
                          **{name: p.get(name) for name in FIELDS if name != "fields"}, fields=p.get("fields") or None)


def get(regency: str, pid: str) -> dict | None:
    pk, prefix = keys.programme(regency)
    try:
        return to_dict(ProgrammeModel.get(pk, prefix + pid, consistent_read=True))
    except DoesNotExist:
        return None


def list_page(regency: str, start_key: dict | None, limit: int) -> tuple[list[dict], dict | None]:
    """Up to `limit` of the regency's programmes from `start_key`, and the key to resume after them
    (None: no more)."""
    pk, prefix = keys.programme(regency)
    results = ProgrammeModel.query(pk, ProgrammeModel.sk.startswith(prefix),
                                   last_evaluated_key=db.resume_key(ProgrammeModel, pk, start_key), limit=limit)
    return [to_dict(m) for m in results], results.last_evaluated_key


def add_new(tx: TransactWrite, p: dict) -> None:
    """Add a new programme to a transaction: its code marker, then the programme item (both
    conditional: a taken code or id cancels the transaction with ConditionalCheckFailed there)."""
    marker = ProgrammeCodeModel(keys.programme_code(p["regency"], p["code"]), "UNIQ", pid=p["id"])
    tx.save(marker, condition=ProgrammeCodeModel.pk.does_not_exist())
    tx.save(_model(p), condition=ProgrammeModel.pk.does_not_exist())


def code_taken(p: dict) -> Conflict:
    existing = ProgrammeCodeModel.get(keys.programme_code(p["regency"], p["code"]), "UNIQ").pid
    return Conflict("PROGRAMME_CODE_TAKEN", f"Kode program {p['code']} sudah dipakai",
                    {"code": "sudah dipakai"}, existing_id=existing)


def insert(p: dict, audit: AuditEntry) -> None:
    def add(tx: TransactWrite) -> None:
        add_new(tx, p)
        tx.save(audit_model(audit))

    try:
        db.transact(p["id"], add, "programme.create")
    except TransactWriteError as exc:
        if db.cancellation_codes(exc)[:1] == ["ConditionalCheckFailed"]:
            raise code_taken(p) from None
        raise


def replace(p: dict, expected_version: int, audit: AuditEntry, token: str) -> None:
    def add(tx: TransactWrite) -> None:
        tx.save(_model(p), condition=ProgrammeModel.version == expected_version)
        tx.save(audit_model(audit))

    try:
        db.transact(token, add, "programme.update")
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            raise Conflict("VERSION_STALE", "Program sudah diubah orang lain; muat ulang lalu ulangi",
                           {"version": "tidak sama dengan versi terbaru"}) from None
        raise


def changes_since(regency: str, position: str | None, page_size: int) -> Iterator[feed.Entry]:
    """The regency's change entries after `position`, in the order they last changed (the sync
    feed; a Query, read as the caller iterates): programmes, and items of other kinds that join
    the partition (their entry holds None)."""
    condition = ProgrammeModel.g_chg_sk > position if position else None
    for m in ProgrammeModel.changes.query(keys.changes_regency(regency), range_key_condition=condition,
                                          page_size=page_size):
        yield feed.Entry(m.g_chg_sk, to_dict(m) if m.sk.startswith("PROG#") else None)
