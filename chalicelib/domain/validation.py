"""The rules of the inputs a use case checks itself, one item at a time, as pydantic models.

- An enrolment, new (EnrolmentIn) or corrected (EnrolmentPatch): checked as the body of
  POST/PATCH, and again per operation of a sync batch (services/sync.py: one bad operation fails
  alone) and per row of a roster (services/roster_check.py).
- A programme's reminder rules (ReminderRulesIn): checked on save and read back from the stored
  document with the same defaults, which are the domain's (domain/reminders.py RuleSet).

The HTTP edge uses these very classes as its request schemas: chalicelib/api/schemas.py re-exports
them, so the OpenAPI document shows them as before. Executed on first use, like the schemas:
services import this module inside the functions that need it, so pydantic stays out of a cold
start (tests/unit/test_observability.py). Nothing here imports chalicelib outside the domain.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from chalicelib.domain import reminders as dr
from chalicelib.domain.lifecycle import STATUSES

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{2,40}$")]
VillageCode = Annotated[str, StringConstraints(pattern=r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Status = Literal[STATUSES]  # type: ignore[valid-type]
MAX_EXTRA_KEYS = 200


# defer_build: pydantic builds a model's validator and serializer on its first use instead of
# at class creation. With about 60 models that is most of app.py's import time, and one Lambda
# invocation uses two or three of them (schedule and SQS functions none).
class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


# ---------- enrolments ----------
class EnrolmentIn(Strict):
    nik: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(examples=["1603015708900001"])
    name: Name
    birth_date: date
    sex: Literal["L", "P"]
    phone: Annotated[str, StringConstraints(max_length=24)] | None = Field(None, examples=["081234567890"])
    village_code: VillageCode
    category: Code
    occupation: Text | None = None
    kpj_number: Annotated[str, StringConstraints(max_length=20)] | None = None
    status: Literal["draft", "submitted", "active"] = "draft"
    extra: Annotated[dict[str, Any], Field(max_length=MAX_EXTRA_KEYS)] | None = Field(
        None, description="The programme's own fields: validated against the JSON Schema in "
                          "GET /v1/programmes/{pid}/fields (extra_schema)",
        json_schema_extra={"x-schema": "/v1/programmes/{pid}/fields#/extra_schema"})


class EnrolmentPatch(Strict):
    name: Name | None = None
    birth_date: date | None = None
    sex: Literal["L", "P"] | None = None
    phone: Annotated[str, StringConstraints(max_length=24)] | None = None
    village_code: VillageCode | None = None
    category: Code | None = None
    occupation: Text | None = None
    kpj_number: Annotated[str, StringConstraints(max_length=20)] | None = None
    status: Status | None = None
    rejection_reason: Text | None = None
    extra: Annotated[dict[str, Any], Field(max_length=MAX_EXTRA_KEYS)] | None = Field(
        None, description="Only the keys given change; null clears one. Schema: GET /v1/programmes/{pid}/fields",
        json_schema_extra={"x-schema": "/v1/programmes/{pid}/fields#/extra_schema"})

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent, as given (a null clears an optional one)."""
        return self.model_dump(exclude_unset=True)


# ---------- reminder rules ----------
Email = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$",
                                         max_length=254)]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
TemplateText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
_DEFAULT = dr.RuleSet()


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


class ReminderRuleIn(Strict):
    days_before: int = Field(ge=-90, le=366, examples=[45, -1],
                             description="Days before the cover ends (45 = H-45); negative after it (-1 = H+1): "
                                         "to workers whose cover ended and was not renewed (sms_after), and the "
                                         "village/admin digests listing them (email_*_after, whatsapp_after)")
    channels: list[Literal["sms", "email"]] = Field(default_factory=lambda: list(dr.CHANNELS), min_length=1)


class QuietHoursIn(Strict):
    start: ClockTime = Field(_clock(dr.QuietHours.start), description="WIB")
    end: ClockTime = Field(_clock(dr.QuietHours.end), description="WIB")


class VillageContactIn(Strict):
    name: Text | None = None
    emails: list[Email] = Field(default_factory=list, max_length=10)
    phone: Annotated[str, StringConstraints(max_length=24)] | None = None


class ReminderTemplates(Strict):
    """Bahasa Indonesia texts. Worker texts: {name} {programme} {end_date} {village} {officer_contact}
    {days_left}; digest texts: {programme} {end_date} {village} {officer_contact} {days_left} {days_ago} {count}."""

    sms: TemplateText | None = None
    sms_after: TemplateText | None = Field(None, description="SMS of the rules after the end (negative days_before)")
    whatsapp: TemplateText | None = None
    email_subject: TemplateText | None = None
    email_intro: TemplateText | None = None
    whatsapp_after: TemplateText | None = Field(None, description="WhatsApp text of the digests after the end")
    email_subject_after: TemplateText | None = Field(None, description="Digest subject of the rules after the end")
    email_intro_after: TemplateText | None = Field(None, description="Digest opening of the rules after the end; "
                                                   "also {days_ago}")

    def given(self) -> dict[str, str]:
        """The texts set, by name (the others are the defaults)."""
        return self.model_dump(exclude_none=True)


class ReminderRulesIn(Strict):
    rules: list[ReminderRuleIn] = Field(
        default_factory=lambda: [ReminderRuleIn(days_before=r.days_before) for r in _DEFAULT.rules],
        min_length=1, max_length=10)
    audience: list[Literal["worker", "village_officer", "admin"]] = Field(
        default_factory=lambda: list(dr.AUDIENCES), min_length=1)
    quiet_hours: QuietHoursIn | None = Field(default_factory=QuietHoursIn)
    templates: ReminderTemplates = Field(default_factory=ReminderTemplates)
    admin_emails: list[Email] = Field(default_factory=list, max_length=50)
    default_contact: Text = _DEFAULT.default_contact
    village_contacts: dict[VillageCode, VillageContactIn] = Field(default_factory=dict, max_length=1000)
    catch_up_days: int = Field(_DEFAULT.catch_up_days, ge=1, le=14)
    budget_days_before: list[Annotated[int, Field(ge=1, le=366)]] = Field(
        default_factory=lambda: list(_DEFAULT.budget_offsets), max_length=6,
        description="Days before the period ends when admin_emails get the renewal budget email (live members x "
                    "months x rate); empty: none")

    @model_validator(mode="after")
    def _unique_offsets(self) -> ReminderRulesIn:
        offsets = [r.days_before for r in self.rules]
        if len(offsets) != len(set(offsets)):
            raise ValueError("days_before harus unik")
        return self

    def document(self) -> dict[str, Any]:
        """The rules as stored and answered: plain JSON values, every default filled in."""
        return self.model_dump(mode="json")

    def ruleset(self) -> dr.RuleSet:
        """The rules as the sweep and the previews use them."""
        qh = self.quiet_hours
        return dr.RuleSet(
            rules=tuple(dr.Rule(r.days_before, tuple(r.channels)) for r in self.rules),
            audience=frozenset(self.audience),
            quiet_hours=dr.QuietHours(time.fromisoformat(qh.start), time.fromisoformat(qh.end)) if qh else None,
            templates={**dr.DEFAULT_TEMPLATES, **self.templates.given()},
            admin_emails=tuple(self.admin_emails),
            default_contact=self.default_contact,
            village_contacts={code: dr.VillageContact(c.name, tuple(c.emails), c.phone)
                              for code, c in self.village_contacts.items()},
            catch_up_days=self.catch_up_days,
            budget_offsets=tuple(self.budget_days_before),
        )


def ruleset(doc: dict | None) -> dr.RuleSet:
    """The RuleSet of a stored rules document (None: the defaults), read with the rules it was saved under."""
    return ReminderRulesIn.model_validate(doc or {}).ruleset()
