"""In-memory repositories for service tests without an emulator (cosmicpython's FakeRepository,
Chalice's InMemoryTodoDB).

Each class offers the functions of one repository module in chalicelib/store that the core use
cases call, with the same answers for the same cases: a duplicate NIK or a stale version is the
same Conflict. `Memory.install(monkeypatch)` puts them where the services look for their
repositories (every chalicelib.services module attribute bound to the real module), and makes
any call that would reach AWS fail the test, so a test using it proves the use case needs no
storage service. Queue messages are kept in `queued` (aws.send_messages), to be handled by hand.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from chalicelib import aws
from chalicelib.domain.enrolment import Enrolment
from chalicelib.domain.errors import Conflict
from chalicelib.domain.lifecycle import LIVE
from chalicelib.domain.receipt import Receipt
from chalicelib.store import db
from chalicelib.store import enrolments as real_enrolments
from chalicelib.store import optouts as real_optouts
from chalicelib.store import programmes as real_programmes
from chalicelib.store import receipts as real_receipts
from chalicelib.store import regions as real_regions
from chalicelib.store import reminders as real_reminders
from chalicelib.store import renewals as real_renewals
from chalicelib.store import restrictions as real_restrictions
from chalicelib.store.audit import AuditEntry

STALE = ("VERSION_STALE", "Data sudah diubah orang lain; muat ulang lalu ulangi")


class InMemoryReceipts:
    """store/receipts: one receipt per (regency, user, op_id), written once and never overwritten."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], Receipt] = {}

    def get_many(self, regency: str, sub: str, op_ids: Iterable[str]) -> dict[str, Receipt]:
        return {op_id: copy.deepcopy(self.items[(regency, sub, op_id)]) for op_id in op_ids
                if (regency, sub, op_id) in self.items}

    def get(self, regency: str, sub: str, op_id: str) -> Receipt | None:
        found = self.items.get((regency, sub, op_id))
        return copy.deepcopy(found) if found else None

    def put_if_absent(self, receipt: Receipt) -> bool:
        key = (receipt.regency, receipt.sub, receipt.op_id)
        if key in self.items:
            return False
        self.items[key] = copy.deepcopy(receipt)
        return True

    def claim(self, receipt: Receipt | None) -> None:
        """Inside a change's 'transaction': a receipt that exists already cancels the change."""
        if receipt is not None and (receipt.regency, receipt.sub, receipt.op_id) in self.items:
            raise db.AlreadyRecorded()

    def keep(self, receipt: Receipt | None) -> None:
        if receipt is not None:
            self.put_if_absent(receipt)


class InMemoryEnrolments:
    """store/enrolments: enrolments by (regency, id), the NIK-per-programme marker, the audit trail;
    a sync operation's receipt commits with its change (InMemoryReceipts)."""

    def __init__(self, receipts: InMemoryReceipts | None = None) -> None:
        self.receipts = receipts or InMemoryReceipts()
        self.items: dict[tuple[str, str], Enrolment] = {}
        self.unique: dict[tuple[str, str, str], str] = {}
        self.audit: list[AuditEntry] = []
        self.moved_out: list[tuple[str, str]] = []  # (eid, the village it left)

    def get(self, regency: str, eid: str) -> Enrolment | None:
        found = self.items.get((regency, eid))
        return copy.deepcopy(found) if found else None

    def existing_id(self, regency: str, pid: str, nik: str) -> str | None:
        return self.unique.get((regency, pid, nik))

    def insert(self, e: Enrolment, audit: AuditEntry, receipt: Any = None) -> None:
        self.receipts.claim(receipt)
        marker = (e.regency, e.programme_id, e.nik)
        if marker in self.unique:
            raise Conflict("ENROLMENT_DUPLICATE", "NIK ini sudah terdaftar di program ini", {"nik": "sudah terdaftar"},
                           existing_id=self.unique[marker])
        if (e.regency, e.id) in self.items:
            raise Conflict("ENROLMENT_ID_TAKEN", "ID data ini sudah dipakai; buat ID baru", {"id": "sudah dipakai"})
        self.unique[marker] = e.id
        self.items[(e.regency, e.id)] = copy.deepcopy(e)
        self.audit.append(audit)
        self.receipts.keep(receipt)

    def replace(self, e: Enrolment, expected_version: int, audit: AuditEntry, token: str,
                moved_from: str | None = None, receipt: Any = None, released_kpj: str | None = None) -> None:
        # released_kpj: this fake keeps no KPJ owner markers (tests/integration/test_kpj_owner.py has them)
        self.receipts.claim(receipt)
        stored = self.items.get((e.regency, e.id))
        if stored is None or stored.version != expected_version or stored.deleted:
            raise Conflict(*STALE, {"version": "tidak sama dengan versi terbaru"},
                           current_version=stored.version if stored else None)
        if e.deleted:
            self.unique.pop((e.regency, e.programme_id, e.nik), None)
        if moved_from and moved_from != e.village_code:
            self.moved_out.append((e.id, moved_from))
        self.items[(e.regency, e.id)] = copy.deepcopy(e)
        self.audit.append(audit)
        self.receipts.keep(receipt)

    def query_worker(self, regency: str, nik: str) -> list[Enrolment]:
        return [copy.deepcopy(e) for (r, _), e in self.items.items() if r == regency and e.nik == nik and not e.deleted]

    def live_ending_on(self, regency: str, day: str, programme_id: str | None = None) -> Iterator[Enrolment]:
        return iter([copy.deepcopy(e) for (r, _), e in sorted(self.items.items())
                     if r == regency and not e.deleted and e.status in LIVE and e.coverage_end == day
                     and (programme_id is None or e.programme_id == programme_id)])

    def live_in_village_ending_on(self, regency: str, pid: str, village: str, day: str) -> Iterator[Enrolment]:
        return (e for e in self.live_ending_on(regency, day, pid) if e.village_code == village)

    def expired_ending_on(self, regency: str, pid: str, days: list[str]) -> Iterator[Enrolment]:
        return iter([copy.deepcopy(e) for (r, _), e in sorted(self.items.items())
                     if r == regency and e.programme_id == pid and not e.deleted and e.status == "expired"
                     and e.coverage_end in days])

    def count_live(self, regency: str, pid: str) -> int:
        return sum(1 for (r, _), e in self.items.items()
                   if r == regency and e.programme_id == pid and not e.deleted and e.status in LIVE)

    def programme_page(self, regency: str, pid: str, start_key: dict | None,
                       limit: int) -> tuple[list[Enrolment], dict | None]:
        """Pages in id order; the cursor is the last id (the real one is DynamoDB's key)."""
        rows = sorted((e for (r, _), e in self.items.items() if r == regency and e.programme_id == pid
                       and not e.deleted), key=lambda e: e.id)
        after = (start_key or {}).get("id", "")
        page = [copy.deepcopy(e) for e in rows if e.id > after][:limit]
        more = len([e for e in rows if e.id > after]) > limit
        return page, ({"id": page[-1].id} if more else None)

    def trail(self, eid: str) -> list[AuditEntry]:
        return [a for a in self.audit if a.entity_id == eid]


class InMemoryProgrammes:
    """store/programmes: programmes as the dicts the repository returns, a code unique per regency."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict] = {}
        self.audit: list[AuditEntry] = []

    def add(self, programme: dict) -> dict:
        self.items[(programme["regency"], programme["id"])] = copy.deepcopy(programme)
        return programme

    def get(self, regency: str, pid: str) -> dict | None:
        found = self.items.get((regency, pid))
        return copy.deepcopy(found) if found else None

    def list_page(self, regency: str, start_key: dict | None, limit: int) -> tuple[list[dict], dict | None]:
        return [copy.deepcopy(p) for (r, _), p in sorted(self.items.items()) if r == regency][:limit], None

    def insert(self, p: dict, audit: AuditEntry) -> None:
        if any(r == p["regency"] and q["code"] == p["code"] for (r, _), q in self.items.items()):
            raise Conflict("PROGRAMME_CODE_TAKEN", f"Kode program {p['code']} sudah dipakai", {"code": "sudah dipakai"})
        self.add(p)
        self.audit.append(audit)

    def replace(self, p: dict, expected_version: int, audit: AuditEntry, token: str) -> None:
        stored = self.items.get((p["regency"], p["id"]))
        if stored is None or stored["version"] != expected_version:
            raise Conflict("VERSION_STALE", "Program sudah diubah orang lain; muat ulang lalu ulangi",
                           {"version": "tidak sama dengan versi terbaru"})
        self.add(p)
        self.audit.append(audit)


class InMemoryRegions:
    """store/regions' reads: the villages a test names, each with its name."""

    def __init__(self, villages: dict[str, str]) -> None:
        self.villages = dict(villages)

    def village_exists(self, village_code: str) -> bool:
        return village_code in self.villages

    def village_name(self, village_code: str) -> str:
        return self.villages.get(village_code, village_code)

    def villages_of(self, regency: str) -> tuple[dict, ...]:
        return tuple({"code": c, "name": n, "district_code": c.rsplit(".", 1)[0]}
                     for c, n in sorted(self.villages.items()) if c.startswith(regency + "."))


@dataclass
class _Rules:
    doc: dict
    version: int = 1
    updated_at: str | None = None


@dataclass
class InMemoryReminders:
    """store/reminders: stored rule documents, the reminders already settled, and runs."""

    rules: dict[tuple[str, str], _Rules] = field(default_factory=dict)
    settled_keys: set = field(default_factory=set)
    runs: dict[tuple[str, str], dict] = field(default_factory=dict)

    enrolment_key = staticmethod(real_reminders.enrolment_key)
    digest_key = staticmethod(real_reminders.digest_key)

    def get_rules(self, regency: str, pid: str) -> _Rules | None:
        return self.rules.get((regency, pid))

    def all_rules(self, regency: str) -> dict[str, _Rules]:
        return {pid: m for (r, pid), m in self.rules.items() if r == regency}

    def settled(self, keys_: Iterable, now: str, max_attempts: int) -> set:
        return {k for k in keys_ if k in self.settled_keys}

    def create_run(self, regency: str, run_id: str, as_of: str, started_at: str, trigger: str, summary: dict) -> None:
        self.runs[(regency, run_id)] = {"as_of": as_of, "trigger": trigger, **summary}

    def set_run_summary(self, regency: str, run_id: str, summary: dict) -> None:
        run = self.runs[(regency, run_id)]
        run.pop("planning", None)
        run.update(summary)

    def add_to_run(self, regency: str, run_id: str, **counts: int) -> None:
        run = self.runs[(regency, run_id)]
        for name, n in counts.items():
            run[name] = run.get(name, 0) + n


class InMemoryRenewals:
    """store/renewals: one renewal per (programme, new period start); starting one writes the new
    programme (and the copied rules) with it, as the real transaction does."""

    AlreadyRenewed = real_renewals.AlreadyRenewed

    def __init__(self, programmes: InMemoryProgrammes, reminders: InMemoryReminders) -> None:
        self.items: dict[tuple[str, str, str], dict] = {}
        self.programmes, self.reminders = programmes, reminders

    def get(self, regency: str, pid: str, start: str) -> dict | None:
        found = self.items.get((regency, pid, start))
        return copy.deepcopy(found) if found else None

    def of_programme(self, regency: str, pid: str) -> list[dict]:
        return [copy.deepcopy(r) for (g, p, _), r in sorted(self.items.items()) if (g, p) == (regency, pid)]

    def start(self, regency: str, pid: str, start_day: str, programme: dict, rules: dict | None,
              audit: AuditEntry, now: str, by: str) -> dict:
        if (regency, pid, start_day) in self.items:
            raise real_renewals.AlreadyRenewed()
        self.programmes.insert(programme, audit)
        if rules is not None:
            self.reminders.rules[(regency, programme["id"])] = _Rules(copy.deepcopy(rules), 1, now)
        self.items[(regency, pid, start_day)] = {
            "from_programme_id": pid, "programme_id": programme["id"], "status": "carrying", "carried": 0,
            "already": 0, "excluded": 0, "pages": 0, "created_at": now, "updated_at": now}
        return self.get(regency, pid, start_day)

    def add_progress(self, regency: str, pid: str, start_day: str, counts: dict[str, int], now: str,
                     done: bool) -> None:
        r = self.items[(regency, pid, start_day)]
        for k in ("carried", "already", "excluded"):
            r[k] += counts.get(k, 0)
        r.update(pages=r["pages"] + 1, updated_at=now, **({"status": "done"} if done else {}))


class InMemoryRestrictions:
    def __init__(self) -> None:
        self.niks: dict[str, set[str]] = {}

    def restricted(self, regency: str) -> set[str]:
        return set(self.niks.get(regency, set()))


class InMemoryOptOuts:
    def __init__(self) -> None:
        self.niks: dict[tuple[str, str], set[str]] = {}

    def opted_out(self, regency: str, niks: Iterable[str], channel: str = "sms") -> set[str]:
        return set(niks) & self.niks.get((regency, channel), set())


class Memory:
    """One in-memory store: a repository object per store module the core use cases use."""

    def __init__(self, villages: dict[str, str]) -> None:
        self.receipts = InMemoryReceipts()
        self.enrolments = InMemoryEnrolments(self.receipts)
        self.programmes = InMemoryProgrammes()
        self.regions = InMemoryRegions(villages)
        self.reminders = InMemoryReminders()
        self.restrictions = InMemoryRestrictions()
        self.optouts = InMemoryOptOuts()
        self.renewals = InMemoryRenewals(self.programmes, self.reminders)
        self.queued: list[tuple[str, dict]] = []  # (queue, message) sent through aws.send_messages

    def install(self, monkeypatch) -> Memory:
        swaps: dict[int, object] = {
            id(real_enrolments): self.enrolments, id(real_programmes): self.programmes,
            id(real_reminders): self.reminders, id(real_restrictions): self.restrictions,
            id(real_optouts): self.optouts, id(real_renewals): self.renewals, id(real_receipts): self.receipts,
        }
        for name, module in list(sys.modules.items()):
            if isinstance(module, ModuleType) and name.startswith("chalicelib.services."):
                for attr, value in list(vars(module).items()):
                    if id(value) in swaps:
                        monkeypatch.setattr(module, attr, swaps[id(value)])
        for name in ("village_exists", "village_name", "villages_of"):  # require_village stays the real one
            monkeypatch.setattr(real_regions, name, getattr(self.regions, name))
        def send_messages(kind: str, bodies, delay_seconds: int = 0) -> int:
            sent = [(kind, copy.deepcopy(body)) for body in bodies]
            self.queued += sent
            return len(sent)

        monkeypatch.setattr(aws, "send_messages", send_messages)
        import botocore.client

        def no_aws(client, operation, params):
            raise AssertionError(f"a use case on in-memory repositories called AWS: {operation}")

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", no_aws)
        return self
