"""Property-based fuzzing of every route in /v1/openapi.json, over real HTTP to the local stack.

schemathesis generates valid and invalid requests from the contract itself (so a route added
by any branch is fuzzed without touching this file). Each response must not be a 5xx, and
every 4xx must be in the contract's error shape {"error": {"code", "message", "fields"}}, and
every 2xx body must conform to the response schema and content type the document declares
(schemathesis' response_schema_conformance and content_type_conformance checks). The generated
cases take turns among the callers: admin, officer of the real enrolment's village, officer of
another village, viewer and anonymous (the raw-bytes test below stays admin, to reach the parsers).
Half the cases with {pid}/{eid}/{nik}/{import_id}/{run_id}/{kind}/{sub} in their path get a real
programme, enrolment, worker, import, reminder run, document kind or officer, so generated
bodies reach the validation and storage code behind the 404.
FUZZ_EXAMPLES (per operation and mode, default 50) sets the depth; the test fails under 1,000 cases.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from devtools import tokens
from tests.figures import record
from tests.integration.helpers import PROGRAMME, VILLAGE_A, VILLAGE_B, new_person

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
MIN_CASES = 1000
RESULTS: Counter = Counter()
NOTHING_INVALID: list[str] = []
CALLERS: Counter = Counter()
CONFORMING = [0]  # 2xx bodies checked against their schema
ROLE_NAMES = ("admin", "officer_a", "officer_b", "viewer", "anonymous")


def _caller_name(caller: dict, callers: list[dict]) -> str:
    return ROLE_NAMES[callers.index(caller)]
_turn = itertools.count()


@pytest.fixture(scope="module")
def fuzz_target(http_stack):
    base, _ = http_stack
    admin = {"Authorization": f"Bearer {tokens.mint('admin')}"}
    # a code of its own: a second fuzz run on the same stack (or a test that made FUZZ-TARGET) would
    # get 409 PROGRAMME_CODE_TAKEN and fuzz against an error body's missing ids
    created = requests.post(f"{base}/v1/programmes", headers=admin, timeout=10,
                            json={**PROGRAMME, "code": f"FUZZ-{uuid.uuid4().hex[:8].upper()}"})
    assert created.status_code == 201, created.text
    programme = created.json()
    person = new_person()
    enrolled = requests.post(f"{base}/v1/programmes/{programme['id']}/enrolments", headers=admin,
                             timeout=10, json=person)
    assert enrolled.status_code == 201, enrolled.text
    enrolment = enrolled.json()
    roster = ("nik,name,birth_date,sex,phone,village_code,category\n"
              + ",".join(new_person()[k] for k in ("nik", "name", "birth_date", "sex", "phone", "village_code",
                                                    "category")) + "\n").encode()
    started = requests.post(f"{base}/v1/programmes/{programme['id']}/imports", data=roster, timeout=30,
                            headers={**admin, "Content-Type": "text/csv"}).json()
    run = requests.post(f"{base}/v1/reminders/run", headers=admin, timeout=30,
                        json={"programme_id": programme["id"], "as_of": "2025-11-16"}).json()
    submission = requests.post(f"{base}/v1/programmes/{programme['id']}/submissions", headers=admin, timeout=30,
                               json={}).json()
    real = {"pid": programme["id"], "eid": enrolment["id"], "nik": person["nik"], "kind": "ktp",
            "import_id": started["import_id"], "run_id": run["run_id"], "sub": "local-officer-fuzz",
            "submission_id": submission.get("submission_id", "none")}
    callers = [admin,
               {"Authorization": f"Bearer {tokens.mint('officer', [VILLAGE_A])}"},  # the real enrolment's village
               {"Authorization": f"Bearer {tokens.mint('officer', [VILLAGE_B])}"},
               {"Authorization": f"Bearer {tokens.mint('viewer')}"},
               {}]  # anonymous
    return base, admin, real, callers


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_target):
    base = fuzz_target[0]
    return schemathesis.openapi.from_url(f"{base}/v1/openapi.json")


def _error_shape(response) -> None:
    """Every 4xx is {"error": {"code": str, "message": str, "fields": {str: str}}}."""
    if 400 <= response.status_code < 500:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        assert isinstance(error, dict), f"4xx without an error object: {body!r}"
        assert isinstance(error.get("code"), str) and error["code"], f"4xx without a code: {body!r}"
        assert isinstance(error.get("message"), str) and error["message"], f"4xx without a message: {body!r}"
        fields = error.get("fields")
        assert isinstance(fields, dict) and all(isinstance(v, str) for v in fields.values()), body


def _operations() -> list[tuple[str, str]]:
    from app import api

    return [(op.path, op.method) for op in api.operations]


def _cases() -> list[tuple[str, str, GenerationMode]]:
    """Every operation in positive mode; in negative mode those that take anything that can be made
    invalid (a path parameter, a query or a body): the others have no invalid request to send."""
    from app import api

    return [(op.path, op.method, mode) for op in api.operations
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            if mode == GenerationMode.POSITIVE or "{" in op.path or op.query or op.body]


# schemathesis' own pytest plugin does not run under pytest 9, so hypothesis drives its
# strategies directly: one test per operation and generation mode.
@pytest.mark.parametrize(("path", "method", "mode"), _cases(),
                         ids=lambda v: v.value if isinstance(v, GenerationMode) else v)
def test_no_server_error_and_every_4xx_in_the_error_shape(path, method, mode, fuzz_schema, fuzz_target):
    base, _, real, callers = fuzz_target
    operation = fuzz_schema[path][method.upper()]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    def fuzz(case):
        turn = next(_turn)
        if turn % 2 == 0:
            for name in set(case.path_parameters or {}) & set(real):
                case.path_parameters[name] = real[name]
        caller = callers[(turn // 2) % len(callers)]  # each role and anonymous, with and without real ids
        response = case.call(base_url=base, headers=caller, timeout=15)
        RESULTS[response.status_code // 100] += 1
        CALLERS[_caller_name(caller, callers)] += 1
        assert response.status_code < 500, f"{response.status_code} {response.text[:300]}\n{case.as_curl_command()}"
        _error_shape(response)
        if 200 <= response.status_code < 300:  # the body is what the document says it is
            case.validate_response(response, checks=[response_schema_conformance, content_type_conformance])
            CONFORMING[0] += 1

    try:
        fuzz()
    except Unsatisfiable:
        # negative mode and no constraint to break (e.g. a free-text path parameter): every request
        # is valid, which positive mode sends. Counted, not skipped (a skip fails CI=true).
        assert mode == GenerationMode.NEGATIVE
        NOTHING_INVALID.append(f"{method} {path}")


METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
CONTENT_TYPES = st.one_of(
    st.sampled_from(["text/plain", "application/xml", "multipart/form-data; boundary=x", "text/csv",
                     "application/json; charset=latin-1", "application/x-www-form-urlencoded"]),
    st.from_regex(r"\A[a-z]{1,12}/[a-z0-9.+-]{1,20}\Z"))


def _paths() -> list[str]:
    return sorted({path for path, _ in _operations()})


@pytest.mark.parametrize("path", _paths())
def test_any_method_content_type_and_bytes_get_a_contract_reply(path, fuzz_target):
    """What the contract does not describe: other methods, other content types, raw bytes."""
    base, admin, real, _ = fuzz_target
    concrete = path
    for name, value in real.items():
        concrete = concrete.replace("{" + name + "}", value)

    @given(method=st.sampled_from(METHODS), content_type=CONTENT_TYPES, body=st.binary(max_size=300))
    @settings(max_examples=max(10, EXAMPLES // 2), deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True, database=None)
    def fuzz(method, content_type, body):
        response = requests.request(method, base + concrete, data=body, timeout=15,
                                    headers={**admin, "Content-Type": content_type, "If-Match": "1"})
        RESULTS[response.status_code // 100] += 1
        assert response.status_code < 500, f"{method} {concrete} {content_type}: {response.text[:300]}"
        _error_shape(response)

    fuzz()


def test_fuzzing_ran_enough_cases():
    """Runs after the parametrized tests above (same module, file order)."""
    total = sum(RESULTS.values())
    if total:
        record("fuzz_cases", total)
        record("fuzz_status_classes", {f"{k}xx": v for k, v in sorted(RESULTS.items())})
        record("fuzz_nothing_to_make_invalid", NOTHING_INVALID)
        record("fuzz_cases_by_caller", dict(sorted(CALLERS.items())))
        record("fuzz_2xx_bodies_checked_against_their_schema", CONFORMING[0])
    if total == 0:
        pytest.skip("the fuzz tests did not run (deselected)")
    assert total >= MIN_CASES, f"only {total} generated cases; raise FUZZ_EXAMPLES"
    assert set(CALLERS) == set(ROLE_NAMES), CALLERS
    assert CONFORMING[0] > 0
