"""Every route of the OpenAPI document × caller × regency: the expected status, and no foreign
data in any body.

Callers: admin, officer of village A, officer of village B, viewer (each once in the own regency
16.03 and once in another regency the deployment serves, 16.71), no token, a bad token (signed
by a key nobody trusts). The target records (`World`) are 16.03's and live in village A, so
"officer_b" and every 16.71 caller are outsiders. Foreign data: an outsider's response body
(JSON, CSV or XLSX bytes) must not contain the target enrolment's id, NIK or phone, nor
village A's contact phone (officer B), nor any 16.03 record (other regency, no token, bad
token), except what the caller itself sent in the request.

Officer scope is checked this way on every route, among them GET /v1/imports/{import_id},
upload-url, GET /v1/reminders/runs/{run_id}, GET /renewals, GET /reminder-rules (an officer
sees only their villages' contacts) and the reminder preview by enrolment.

The routes come from the OpenAPI document the API serves, so a route added anywhere is in the
matrix at once, and fails it until it has an entry in EXPECT. Adding one is a line:

    "GET /v1/programmes/{pid}/fields": Expect(200, 200, 200, 200),

Expect(admin, officer_a, officer_b, viewer, other=404, anon=401, call=None): the status for each
own-regency caller, for a 16.71 caller whose role may call the route (`other`; None = the same
as in the own regency; a role the route refuses is 403 there too), and for no token / a bad
token (`anon`). `call(ctx)` returns a Req(params, body, query, headers, raw) for the route:
path parameters default to the world's ({pid}, {eid}, {nik}, {kind}, {sub}, {import_id},
{run_id}); a write gets fresh records from `ctx` (ctx.enrolment(), ctx.programme(), ...) so
each case has its own and the world stays as it was.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import requests

from tests.integration.helpers import PROGRAMME, VILLAGE_A, VILLAGE_B, eventually, new_person

OTHER_REGENCY = "16.71"  # Kota Palembang: a second regency of the same deployment
CONTACT_A = "081311110001"  # village A's contact in the reminder rules: officer B's business it is not
CONTACT_B = "081311110002"
JPEG = b"\xff\xd8\xff\xe0" + b"KTP-matrix" * 50 + b"\xff\xd9"


@dataclass
class Req:
    params: dict[str, str] = field(default_factory=dict)
    body: object = None
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


@dataclass(frozen=True)
class Expect:
    admin: int
    officer_a: int
    officer_b: int
    viewer: int
    other: int | dict[str, int] | None = 404
    anon: int = 401
    call: Callable[[Ctx], Req] | None = None


def public(status: int = 200, call=None) -> Expect:
    return Expect(status, status, status, status, other=None, anon=status, call=call)


def admins(status: int, call=None, other: int | None = 404) -> Expect:
    return Expect(status, 403, 403, 403, other=other, call=call)


def writers_in_a(status: int, call=None) -> Expect:
    """Admins and the officer of village A; the officer of B and viewers are refused."""
    return Expect(status, status, 403, 403, call=call)


def readers_in_a(status: int = 200, call=None) -> Expect:
    """Everyone of the regency except the officer of another village."""
    return Expect(status, status, 403, status, call=call)


def everyone(status: int = 200, call=None, other: int | None = 404) -> Expect:
    return Expect(status, status, status, status, other=other, call=call)


class Ctx:
    """Fresh records for one case (made by the own regency's admin), registered as village A's."""

    def __init__(self, api, admin: str, world: World):
        self.api, self.admin, self.world = api, admin, world

    def programme(self) -> dict:
        code = f"MX-{uuid.uuid4().hex[:8].upper()}"
        r = self.api.call("POST", "/v1/programmes", self.admin, {**PROGRAMME, "code": code})
        assert r.status_code == 201, r.data
        self.world.markers_own.add(r.data["id"])
        return r.data

    def enrolment(self, village: str = VILLAGE_A) -> dict:
        r = self.api.call("POST", f"/v1/programmes/{self.world.pid}/enrolments", self.admin,
                          new_person(village=village))
        assert r.status_code == 201, r.data
        self.world.remember(r.data, village)
        return r.data

    def uploaded(self) -> tuple[dict, str]:
        """A fresh enrolment in village A with a KTP uploaded to S3, not yet attached."""
        e = self.enrolment()
        slot = self.api.call("POST", f"/v1/enrolments/{e['id']}/documents", self.admin,
                             {"kind": "ktp", "content_type": "image/jpeg", "size": len(JPEG)}).data
        sent = requests.post(slot["url"], data=slot["fields"], files={"file": ("ktp.jpg", JPEG, "image/jpeg")},
                             timeout=10)
        assert sent.status_code in (200, 201, 204), sent.text
        return e, slot["document_id"]


def _csv(*people: dict) -> bytes:
    cols = ("nik", "name", "birth_date", "sex", "phone", "village_code", "category")
    return (",".join(cols) + "\n" + "".join(",".join(p[c] for c in cols) + "\n" for p in people)).encode()


def _fresh_enrolment(ctx: Ctx) -> Req:
    e = ctx.enrolment()
    return Req({"eid": e["id"]}, headers={"If-Match": str(e["version"])})


def _sync_create(ctx: Ctx) -> Req:
    person = new_person(village=VILLAGE_A)
    ctx.world.markers_a |= {person["nik"], person["phone"]}
    return Req(body={"operations": [{"op_id": uuid.uuid4().hex, "op": "create", "type": "enrolment",
                                     "programme_id": ctx.world.pid, "data": person}]})


def _import(ctx: Ctx) -> Req:
    person = new_person(village=VILLAGE_A)
    ctx.world.markers_a |= {person["nik"], person["phone"]}
    return Req(raw=_csv(person), headers={"Content-Type": "text/csv"}, query="?filename=matrix.csv")


def _put_fields(ctx: Ctx) -> Req:
    p = ctx.programme()
    return Req({"pid": p["id"]}, headers={"If-Match": str(p["version"])}, body={"fields": [
        {"key": "kelompok_tani", "label": {"id": "Kelompok tani"}, "type": "text"}]})


def _confirm(ctx: Ctx) -> Req:
    e, document_id = ctx.uploaded()
    return Req({"eid": e["id"]}, body={"document_id": document_id})


_OPT_OUT = {"asked_on": "2025-11-20", "asked_via": "langsung", "note": "minta tidak dikirimi SMS"}


def _opted_out(ctx: Ctx) -> Req:
    e = ctx.enrolment()
    assert ctx.api.call("PUT", f"/v1/workers/{e['nik']}/opt-out", ctx.admin, _OPT_OUT).status_code == 200
    return Req({"nik": e["nik"]})


_DISPUTE = {"reason": "Menyangkal pernah didaftarkan; minta data diperiksa", "opened_on": "2025-11-21"}


def _erasable(ctx: Ctx) -> Req:
    """A fresh person whose record the by_worker index already shows: an erasure finds records
    there and answers 409 VERSION_STALE ("ulangi sebentar lagi") while the index lags a write."""
    e = ctx.enrolment()
    eventually(lambda: ctx.api.call("GET", f"/v1/workers/{e['nik']}", ctx.admin).data,
               lambda w: any(x["id"] == e["id"] for x in w.get("enrolments", [])))
    return Req({"nik": e["nik"]}, body={"reason": "subject_request"})


def _restricted(ctx: Ctx) -> Req:
    e = ctx.enrolment()
    assert ctx.api.call("PUT", f"/v1/workers/{e['nik']}/restriction", ctx.admin, _DISPUTE).status_code == 200
    return Req({"nik": e["nik"]})


EXPECT: dict[str, Expect] = {
    "GET /v1/health": public(),
    "GET /v1/openapi.json": public(),
    "POST /v1/local/login": public(call=lambda ctx: Req(body={"role": "viewer"})),
    "GET /v1/regions": everyone(other=None, call=lambda ctx: Req(query="?parent=16.03.01")),
    "GET /v1/me": everyone(other=None),
    "POST /v1/programmes": admins(201, other=201, call=lambda ctx: Req(
        body={**PROGRAMME, "code": f"MX-{uuid.uuid4().hex[:8].upper()}"})),
    "GET /v1/programmes": everyone(other=None, call=lambda ctx: Req(query="?limit=500")),
    "GET /v1/programmes/{pid}": everyone(),
    "PATCH /v1/programmes/{pid}": admins(200, call=lambda ctx: Req({"pid": ctx.programme()["id"]},
                                                                  body={"name": "Program uji matriks"})),
    "GET /v1/programmes/{pid}/fields": everyone(),
    "PUT /v1/programmes/{pid}/fields": admins(200, call=_put_fields),
    "POST /v1/programmes/{pid}/enrolments": writers_in_a(201, call=lambda ctx: Req(body=new_person(village=VILLAGE_A))),
    "GET /v1/programmes/{pid}/enrolments": everyone(call=lambda ctx: Req(query="?limit=500")),
    "GET /v1/enrolments/{eid}": readers_in_a(),
    "PATCH /v1/enrolments/{eid}": writers_in_a(200, call=lambda ctx: Req(
        **{**_fresh_enrolment(ctx).__dict__, "body": {"occupation": "Linmas desa"}})),
    "DELETE /v1/enrolments/{eid}": writers_in_a(204, call=_fresh_enrolment),
    "GET /v1/enrolments/{eid}/audit": readers_in_a(),
    # an officer of another village learns nothing, not even that the NIK is enrolled elsewhere
    "GET /v1/workers/{nik}": Expect(200, 200, 404, 200),
    "POST /v1/enrolments/{eid}/documents": writers_in_a(201, call=lambda ctx: Req(
        body={"kind": "ktp", "content_type": "image/jpeg", "size": len(JPEG)})),
    "PUT /v1/enrolments/{eid}/documents/{kind}": writers_in_a(200, call=_confirm),
    "GET /v1/enrolments/{eid}/documents/{kind}": writers_in_a(200),
    "GET /v1/officers/{sub}/villages": admins(200, other=200),
    "PUT /v1/officers/{sub}/villages": admins(200, other=422, call=lambda ctx: Req(body={"villages": [VILLAGE_A]})),
    "POST /v1/sync": Expect(200, 200, 200, 403, other=200, call=_sync_create),
    # another regency: what its officer may ask for is decided by the village codes alone, and
    # its feed of 16.03's village A is empty (no leak checked below)
    "GET /v1/sync": Expect(200, 200, 403, 200, other={"admin": 200, "officer_a": 200, "viewer": 200},
                           call=lambda ctx: Req(query=f"?villages={VILLAGE_A}")),
    "GET /v1/programmes/{pid}/reminder-rules": everyone(),
    "PUT /v1/programmes/{pid}/reminder-rules": admins(200, call=lambda ctx: Req(
        {"pid": ctx.programme()["id"]}, body={"rules": [{"days_before": 30}]})),
    "POST /v1/programmes/{pid}/reminder-rules/preview": readers_in_a(call=lambda ctx: Req(
        body={"enrolment_id": ctx.world.eid})),
    "POST /v1/reminders/run": admins(200, other=404, call=lambda ctx: Req(
        body={"dry_run": True, "programme_id": ctx.world.pid, "as_of": "2025-11-16"})),
    "GET /v1/reminders/runs/{run_id}": admins(200),
    "GET /v1/enrolments/{eid}/reminders": readers_in_a(),
    "POST /v1/programmes/{pid}/renew": admins(202, call=lambda ctx: Req(
        {"pid": ctx.programme()["id"]}, body={"coverage_start": "2026-01-01", "coverage_end": "2026-12-31"})),
    "GET /v1/programmes/{pid}/renewals": everyone(),
    "GET /v1/programmes/{pid}/renewal-budget": Expect(200, 403, 403, 200),
    "POST /v1/programmes/{pid}/imports": admins(202, call=_import),
    "POST /v1/programmes/{pid}/imports/upload-url": admins(200, call=lambda ctx: Req(body={"filename": "roster.xlsx"})),
    "GET /v1/imports/{import_id}": admins(200),
    "GET /v1/programmes/{pid}/export": Expect(200, 403, 403, 200, call=lambda ctx: Req(query="?format=csv")),
    "GET /v1/programmes/{pid}/summary": Expect(200, 403, 403, 200),
    "POST /v1/programmes/{pid}/submissions": admins(202, call=lambda ctx: Req({"pid": ctx.programme()["id"]}, body={})),
    "GET /v1/submissions/{submission_id}": admins(200),
    "GET /v1/workers/{nik}/access-log": admins(200),
    "GET /v1/workers/{nik}/report": admins(200),
    "GET /v1/access-log": admins(200, other=None, call=lambda ctx: Req(query="?user=admin-matrix")),
    # officers get the template with their own villages in its lists; viewers enrol nobody
    "GET /v1/programmes/{pid}/import-template": Expect(200, 200, 200, 403, call=lambda ctx: Req(headers={
        "Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})),
    "PUT /v1/workers/{nik}/opt-out": Expect(200, 200, 404, 403, call=lambda ctx: Req(body=_OPT_OUT)),
    "DELETE /v1/workers/{nik}/opt-out": Expect(204, 204, 404, 403, call=_opted_out),
    "PUT /v1/workers/{nik}/restriction": admins(200, call=lambda ctx: Req({"nik": ctx.enrolment()["nik"]},
                                                                         body=_DISPUTE)),
    "DELETE /v1/workers/{nik}/restriction": admins(204, call=_restricted),
    "POST /v1/workers/{nik}/erasure": admins(201, call=lambda ctx: _erasable(ctx)),
    "POST /v1/retention/run": admins(200, other=200, call=lambda ctx: Req(body={"as_of": "2025-11-16"})),
}


@dataclass
class World:
    pid: str = ""
    eid: str = ""
    nik: str = ""
    import_id: str = ""
    run_id: str = ""
    sub: str = ""
    submission_id: str = ""
    markers_a: set[str] = field(default_factory=set)  # village A's records: foreign to officer B
    markers_b: set[str] = field(default_factory=set)  # village B's records: foreign to officer A
    markers_own: set[str] = field(default_factory=set)  # 16.03's other records (programmes, imports, runs)

    def remember(self, enrolment: dict, village: str) -> None:
        marks = {enrolment["id"], enrolment["nik"], *([enrolment["phone"]] if enrolment.get("phone") else [])}
        (self.markers_a if village == VILLAGE_A else self.markers_b).update(marks)

    def params(self) -> dict[str, str]:
        return {"pid": self.pid, "eid": self.eid, "nik": self.nik, "kind": "ktp", "sub": self.sub,
                "import_id": self.import_id, "run_id": self.run_id, "submission_id": self.submission_id}


def _operations() -> list[tuple[str, str]]:
    """(METHOD, path) of the OpenAPI document (the function GET /v1/openapi.json serves)."""
    from app import VERSION, api
    from chalicelib.api.openapi import document

    doc = document(api.operations, VERSION)
    return [(method.upper(), path) for path, ops in doc["paths"].items() for method in ops]


@pytest.fixture(scope="module")
def matrix(chalice_app, tokens_for):
    from chalice.test import Client

    from tests.integration.conftest import Api
    from tests.integration.test_roles import _foreign_token

    with pytest.MonkeyPatch.context() as mp, Client(chalice_app, stage_name="local") as c:
        mp.setenv("LINDUNG_REGENCIES", f"16.03,{OTHER_REGENCY}")
        mp.setenv("LINDUNG_SYNC_SETTLE_SECONDS", "0")
        api = Api(c)
        admin = tokens_for("admin")
        world = World(sub=f"matrix-officer-{uuid.uuid4().hex[:6]}")
        ctx = Ctx(api, admin, world)
        world.pid = ctx.programme()["id"]
        a = ctx.enrolment(VILLAGE_A)
        ctx.enrolment(VILLAGE_B)
        world.eid, world.nik = a["id"], a["nik"]
        e, document_id = ctx.uploaded()
        world.eid, world.nik = e["id"], e["nik"]  # the target has a KTP attached
        assert api.call("PUT", f"/v1/enrolments/{e['id']}/documents/ktp", admin,
                        {"document_id": document_id}).status_code == 200
        rules = {"village_contacts": {VILLAGE_A: {"name": "Kades Embawang", "phone": CONTACT_A},
                                      VILLAGE_B: {"name": "Kades Pagar Dewa", "phone": CONTACT_B}}}
        assert api.call("PUT", f"/v1/programmes/{world.pid}/reminder-rules", admin, rules).status_code == 200
        world.markers_a.add(CONTACT_A)
        world.markers_b.add(CONTACT_B)
        imported = api.call("POST", f"/v1/programmes/{world.pid}/imports", admin, raw=_csv(new_person()),
                            headers={"Content-Type": "text/csv"})
        world.import_id = imported.data["import_id"]
        run = api.call("POST", "/v1/reminders/run", admin, {"programme_id": world.pid, "as_of": "2025-11-16"})
        assert run.status_code == 200, run.data
        world.run_id = run.data["run_id"]
        renewed = api.call("POST", f"/v1/programmes/{world.pid}/renew", admin,
                           {"coverage_start": "2026-01-01", "coverage_end": "2026-12-31"})
        assert renewed.status_code == 202, renewed.data
        submitted = api.call("POST", f"/v1/programmes/{ctx.programme()['id']}/submissions", admin, {})
        assert submitted.status_code == 202, submitted.data
        world.submission_id = submitted.data["submission_id"]
        world.markers_own |= {world.pid, world.import_id, world.run_id, world.submission_id}
        callers = {"anon": None, "bad": _foreign_token()}
        for regency, suffix in (("16.03", ""), (OTHER_REGENCY, "@other")):
            callers |= {
                f"admin{suffix}": tokens_for("admin", regency=regency),
                f"officer_a{suffix}": tokens_for("officer", [VILLAGE_A], regency=regency),
                f"officer_b{suffix}": tokens_for("officer", [VILLAGE_B], regency=regency),
                f"viewer{suffix}": tokens_for("viewer", regency=regency),
            }
        yield api, ctx, world, callers
        # what the cases queued (imports, reminder sends, renewals) is worked off here, by this
        # module, rather than left on the shared queues for another test's drain
        import app as app_module
        from devtools.dispatcher import Dispatcher

        Dispatcher(app_module).drain()


def _roles(method: str, path: str) -> frozenset[str] | None:
    from app import api

    return next(op.roles for op in api.operations if op.method == method and op.path == path)


def _expected(spec: Expect, caller: str, roles: frozenset[str] | None) -> int:
    if caller in {"anon", "bad"}:
        return spec.anon
    role, _, other = caller.partition("@")
    own = getattr(spec, role)
    if not other or spec.other is None:
        return own
    base = role.split("_")[0]
    if roles is not None and base not in roles:
        return 403
    return spec.other.get(role, own) if isinstance(spec.other, dict) else spec.other


def _foreign(world: World, caller: str) -> set[str]:
    if caller in {"anon", "bad"} or caller.endswith("@other"):
        return world.markers_a | world.markers_b | world.markers_own
    return {"officer_a": world.markers_b, "officer_b": world.markers_a}.get(caller, set())


def _call(api, method: str, url: str, token: str | None, req: Req):
    """Like conftest's Api.call, for any body (CSV and XLSX exports too)."""
    import json

    headers = {"Content-Type": "application/json", **req.headers}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = req.raw if req.raw is not None else (json.dumps(req.body) if req.body is not None else None)
    return getattr(api.client.http, method.lower())(url, headers=headers, body=body)


def _body_text(response) -> str:
    body = response.body if isinstance(response.body, bytes) else (response.body or "").encode()
    if body[:2] == b"PK":  # XLSX: the strings live in the zip's xml
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return body.decode("utf-8", "replace")


@pytest.mark.parametrize(("method", "path"), _operations(), ids=lambda v: v)
def test_route_answers_each_caller_as_expected_and_leaks_nothing(matrix, method, path):
    api, ctx, world, callers = matrix
    key = f"{method} {path}"
    spec = EXPECT.get(key)
    assert spec is not None, (f"{key} is in the OpenAPI document but not in this matrix: add a line to EXPECT in "
                              f"{__file__}, e.g.\n    \"{key}\": Expect(200, 200, 403, 200),")
    roles = _roles(method, path)
    problems = []
    for caller, token in callers.items():
        req = spec.call(ctx) if spec.call else Req()
        params = {**world.params(), **req.params}
        url = re.sub(r"{(\w+)}", lambda m, p=params: p[m.group(1)], path) + req.query
        r = _call(api, method, url, token, req)
        want = _expected(spec, caller, roles)
        if r.status_code != want:
            problems.append(f"{caller}: {r.status_code} (expected {want}) {str(r.body)[:200]}")
            continue
        sent = url + repr(req.body) + repr(req.raw)
        leaked = sorted(m for m in _foreign(world, caller) if m and m in _body_text(r) and m not in sent)
        if leaked:
            problems.append(f"{caller}: {r.status_code} with foreign data {leaked}: {_body_text(r)[:300]}")
    assert not problems, f"{key}:\n" + "\n".join(problems)


def test_the_matrix_covers_exactly_the_served_document(matrix):
    """The document the API serves is the one the matrix iterates, and no entry is stale."""
    api, _, _, _ = matrix
    served = api.call("GET", "/v1/openapi.json")
    assert served.status_code == 200
    routes = {(m.upper(), p) for p, ops in served.data["paths"].items() for m in ops}
    assert routes == set(_operations())
    stale = set(EXPECT) - {f"{m} {p}" for m, p in routes}
    assert not stale, f"EXPECT has entries for routes the API no longer serves: {sorted(stale)}"
