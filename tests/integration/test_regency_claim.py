"""Issue 12.5 over the API: a token for a regency the deployment does not serve creates nothing."""

from __future__ import annotations

import pytest

from tests.integration.helpers import PROGRAMME


@pytest.mark.parametrize("claim", ["16.04", "*", "16.03#P#x"])
def test_a_token_for_a_foreign_or_forged_regency_is_a_403_and_writes_nothing(api, tokens_for, claim):
    token = tokens_for("admin", **{"custom:regency": claim})
    r = api.call("POST", "/v1/programmes", token, {**PROGRAMME, "code": "FOREIGN-REGENCY"})
    assert r.status_code == 403, r.data
    assert r.data["error"]["code"] == "REGENCY_FORBIDDEN"
    assert api.call("GET", "/v1/programmes", token).status_code == 403
    from chalicelib.store.models import ProgrammeModel

    assert not list(ProgrammeModel.query(f"R#{claim}")), "nothing was written under the claimed regency"
