"""Reminder planning without storage or AWS: which rule is due on a day, templates, quiet hours, cost.

A rule is "N days before coverage ends". On day D the rule with offset k is due for enrolments
whose cover ends on D + k. A sweep that did not run, or a send that failed, must not be lost, so
a rule stays due for `catch_up_days` after its day, but never once the next, more urgent rule is
due (nobody needs the 45-day text on day 30) and, for a rule before the end, never after the cover
has ended. A negative offset is a rule after the end (-1 = H+1): it tells a worker whose cover
ended and was not renewed that it has ended and how to go on paying on their own (`sms_after`), and
its email digests list those workers for the village and the admins (`email_*_after`, `whatsapp_after`).
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import quote

from chalicelib.domain.clock import WIB

CHANNELS = ("sms", "email")
AUDIENCES = ("worker", "village_officer", "admin")
DEFAULT_OFFSETS = (45, 30, 14, 7)
DEFAULT_BUDGET_OFFSETS = (90, 60, 30)  # the renewal budget email to admins (domain/budget.py)
# The daily sweep's hour in WIB: app.py's `daily_reminders` schedule, Cron(0, 1) UTC = 08:00 WIB
# (tests/unit/test_reminders_domain.py checks the two agree). An SMS held by quiet hours goes then.
SWEEP_AT_WIB = time(8, 0)

# Placeholders a template may use. Worker texts never get a NIK: there is no placeholder for it.
WORKER_PLACEHOLDERS = frozenset({"name", "programme", "end_date", "village", "officer_contact", "days_left"})
DIGEST_PLACEHOLDERS = frozenset({"programme", "end_date", "village", "officer_contact", "days_left", "days_ago",
                                 "count"})
TEMPLATE_PLACEHOLDERS = {
    "sms": WORKER_PLACEHOLDERS,
    "sms_after": WORKER_PLACEHOLDERS,
    "whatsapp": WORKER_PLACEHOLDERS,
    "whatsapp_after": WORKER_PLACEHOLDERS,
    "email_subject": DIGEST_PLACEHOLDERS,
    "email_intro": DIGEST_PLACEHOLDERS,
    "email_subject_after": DIGEST_PLACEHOLDERS,
    "email_intro_after": DIGEST_PLACEHOLDERS,
}

DEFAULT_TEMPLATES = {
    # 74 GSM-7 characters around the name, the date (up to 17) and the contact: one segment (160) for a
    # name of up to 47 characters with a 22-character contact (tests/unit/test_reminders_domain.py measures it)
    "sms": ("Yth. {name}, BPJS Ketenagakerjaan (JKK & JKM) Anda dari Pemkab berakhir {end_date}. "
            "Info: {officer_contact}"),
    # After the end (negative offsets): it has ended, how to go on alone, and that three unpaid months
    # end the membership. 107 GSM-7 characters around the name and the date: one segment for names of up to
    # 36 characters (tests/unit/test_reminders_domain.py measures 95 %)
    "sms_after": ("{name}: BPJS TK dari Pemkab berakhir {end_date}. Lanjutkan mandiri: JMO, agen PERISAI, "
                  "kantor pos. Tak bayar 3 bln = hangus"),
    "whatsapp": ("Assalamualaikum/Salam sejahtera {name} (Desa {village}). Perlindungan BPJS Ketenagakerjaan "
                 "(JKK & JKM) Anda dalam program {programme} berakhir {end_date}, {days_left} hari lagi. "
                 "Untuk perpanjangan hubungi {officer_contact}."),
    "email_subject": "Pengingat: {count} peserta {programme} berakhir {end_date} ({village})",
    "email_intro": ("Berikut peserta program {programme} di {village} yang perlindungannya berakhir "
                    "{end_date} ({days_left} hari lagi). Tautan WhatsApp dapat diteruskan dari HP Anda "
                    "tanpa biaya. Kontak: {officer_contact}."),
    # After the end (negative offsets): the digests list who ended and was not renewed, for a visit or a
    # forwarded WhatsApp on how to go on alone
    "whatsapp_after": ("Assalamualaikum/Salam sejahtera {name} (Desa {village}). Perlindungan BPJS "
                       "Ketenagakerjaan (JKK & JKM) Anda dari program {programme} sudah berakhir {end_date} dan "
                       "belum diperpanjang. Anda dapat melanjutkan sebagai peserta mandiri lewat aplikasi JMO, "
                       "agen PERISAI atau kantor pos; bila iuran tidak dibayar 3 bulan, kepesertaan hangus. "
                       "Info: {officer_contact}."),
    "email_subject_after": ("Sudah berakhir: {count} peserta {programme} belum diperpanjang sejak {end_date} "
                            "({village})"),
    "email_intro_after": ("Berikut peserta program {programme} di {village} yang perlindungannya berakhir "
                          "{end_date} ({days_ago} hari lalu) dan belum diperpanjang. Mereka dapat melanjutkan "
                          "sebagai peserta mandiri lewat aplikasi JMO, agen PERISAI atau kantor pos; kepesertaan "
                          "hangus bila iuran tidak dibayar 3 bulan. Tautan WhatsApp dapat diteruskan dari HP Anda "
                          "tanpa biaya. Kontak: {officer_contact}."),
}

_MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
              "Oktober", "November", "Desember")

# GSM 03.38 basic set: texts using only these fit 160 characters per SMS, others only 70.
_GSM7 = frozenset("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ!\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM7_EXT = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Rule:
    days_before: int
    channels: tuple[str, ...] = CHANNELS

    @property
    def id(self) -> str:
        """H-45 in Indonesian usage (h45), H+7 after the end (h+7); stable, so a reminder is keyed by
        (enrolment, rule)."""
        return f"h{self.days_before}" if self.days_before >= 0 else f"h+{-self.days_before}"

    @property
    def after_end(self) -> bool:
        return self.days_before < 0

    @property
    def sms_template(self) -> str:
        return "sms_after" if self.after_end else "sms"

    def template(self, kind: str) -> str:
        """The template of this rule for `kind` (whatsapp, email_subject, email_intro): the _after one
        for a rule after the end."""
        return f"{kind}_after" if self.after_end else kind


@dataclass(frozen=True)
class QuietHours:
    start: time = time(21, 0)
    end: time = time(7, 0)

    def contains(self, moment: datetime) -> bool:
        """Is `moment` (any zone) inside the quiet window in WIB? Windows may wrap midnight."""
        t = moment.astimezone(WIB).time()
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


def send_time(now: datetime, as_of: date, quiet: QuietHours | None, sweep_at: time = SWEEP_AT_WIB) -> datetime:
    """When an SMS a sweep plans for `as_of` really leaves: now, when the plan is for today and the clock
    is outside quiet hours (a run now queues it at once); otherwise at the first daily sweep from `as_of`
    on that is outside quiet hours (rules stay due for `catch_up_days`, so that sweep still has it).
    Quiet hours that hold the sweep hour are refused on save (`quiet_hours_problem`)."""
    if as_of <= now.astimezone(WIB).date() and (quiet is None or not quiet.contains(now)):
        return now
    day = max(as_of, now.astimezone(WIB).date())
    while True:
        at = datetime.combine(day, sweep_at, WIB)
        if at >= now and (quiet is None or not quiet.contains(at)):
            return at
        day += timedelta(days=1)


def quiet_hours_problem(quiet: QuietHours | None, sweep_at: time = SWEEP_AT_WIB) -> str | None:
    """Quiet hours around the daily sweep's hour would hold every SMS for ever: say so (Bahasa Indonesia)."""
    if quiet is not None and quiet.contains(datetime.combine(date(2025, 1, 1), sweep_at, WIB)):
        return (f"jam tenang mencakup pukul {sweep_at:%H:%M} WIB, saat pengingat harian dikirim; "
                "SMS tidak akan pernah terkirim")
    return None


@dataclass(frozen=True)
class VillageContact:
    name: str | None = None
    emails: tuple[str, ...] = ()
    phone: str | None = None


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...] = tuple(Rule(d) for d in DEFAULT_OFFSETS)
    audience: frozenset[str] = frozenset(AUDIENCES)
    quiet_hours: QuietHours | None = field(default_factory=QuietHours)
    templates: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TEMPLATES))
    admin_emails: tuple[str, ...] = ()
    default_contact: str = "kantor desa / DPMD"
    village_contacts: dict[str, VillageContact] = field(default_factory=dict)
    catch_up_days: int = 3
    budget_offsets: tuple[int, ...] = DEFAULT_BUDGET_OFFSETS

    def budget_rules(self) -> RuleSet:
        """The budget reminder's days before the period ends, as rules due like the others (b90 ...)."""
        return RuleSet(rules=tuple(Rule(d, ("email",)) for d in self.budget_offsets), catch_up_days=self.catch_up_days)

    def ordered(self) -> list[Rule]:
        return sorted(self.rules, key=lambda r: -r.days_before)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def contact_for(self, village_code: str) -> str:
        found = self.village_contacts.get(village_code)
        if found and (found.phone or found.name):
            return " ".join(p for p in (found.name, found.phone) if p)
        return self.default_contact

    def sms_rules(self) -> int:
        return sum(1 for r in self.rules if "sms" in r.channels) if "worker" in self.audience else 0


# ---------- when ----------
def due_rule(rules: RuleSet, coverage_end: date, as_of: date) -> Rule | None:
    """The one rule due on `as_of` for cover ending `coverage_end`, or None."""
    ordered = rules.ordered()
    for i, rule in enumerate(ordered):
        start = coverage_end - timedelta(days=rule.days_before)
        window_end = start + timedelta(days=max(rules.catch_up_days, 1))
        if i + 1 < len(ordered):  # never once the next rule is due
            window_end = min(window_end, coverage_end - timedelta(days=ordered[i + 1].days_before))
        if not rule.after_end:  # a "before the end" text never goes after the end
            window_end = min(window_end, coverage_end + timedelta(days=1))
        if start <= as_of < window_end:
            return rule
    return None


def end_dates_to_query(rules: RuleSet, as_of: date) -> set[date]:
    """Coverage-end dates whose enrolments may have a rule due on `as_of` (one index Query each)."""
    dates = set()
    for rule in rules.rules:
        for back in range(max(rules.catch_up_days, 1)):
            end = as_of + timedelta(days=rule.days_before - back)
            if due_rule(rules, end, as_of) == rule:
                dates.add(end)
    return dates


# ---------- what ----------
def template_problems(templates: dict[str, str]) -> dict[str, str]:
    """field -> reason (Bahasa Indonesia) for templates that would not render; empty when fine."""
    problems: dict[str, str] = {}
    for kind, text in templates.items():
        allowed = TEMPLATE_PLACEHOLDERS.get(kind)
        if allowed is None:
            problems[f"templates.{kind}"] = f"jenis template tidak dikenal: {kind}"
            continue
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError:
            problems[f"templates.{kind}"] = "kurung kurawal { } tidak seimbang"
            continue
        for _, name, spec, conversion in parsed:
            if name is None:
                continue
            if name not in allowed:
                problems[f"templates.{kind}"] = (f"placeholder tidak dikenal: {{{name}}}; yang boleh: "
                                                 + ", ".join("{" + p + "}" for p in sorted(allowed)))
                break
            if spec or conversion:
                problems[f"templates.{kind}"] = f"placeholder {{{name}}} tidak boleh memakai format"
                break
    return problems


def format_date_id(d: date) -> str:
    return f"{d.day} {_MONTHS_ID[d.month - 1]} {d.year}"


def render(template: str, values: dict[str, object]) -> str:
    """Templates were validated on save, so only known placeholders are present."""
    return template.format_map({k: "" if v is None else v for k, v in values.items()}).strip()


def worker_values(name: str, programme: str, coverage_end: date, village: str, contact: str,
                  as_of: date) -> dict[str, object]:
    return {"name": name, "programme": programme, "end_date": format_date_id(coverage_end), "village": village,
            "officer_contact": contact, "days_left": (coverage_end - as_of).days}


# Characters people type in names (phones autocorrect ' to ’) that GSM-7 lacks, and what SNS should get.
_GSM7_SPELLING = {
    "\u2019": "'", "\u2018": "'", "\u201a": "'", "\u02bc": "'", "\u02bb": "'", "\u0060": "'", "\u00b4": "'",
    "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200b": "", "\u200c": "",
    "\u200d": "", "\ufeff": "", "\u00ad": "", "\t": " ",
    "ı": "i", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "œ": "oe",
    "Œ": "OE", "ŋ": "ng", "ĸ": "k", "ſ": "s", "ç": "c", "ª": "a", "º": "o", "·": ".", "•": "-",
}


def is_gsm7(text: str) -> bool:
    return all(c in _GSM7 or c in _GSM7_EXT for c in text)


def gsm7_spelling(text: str) -> str:
    """The text with every character GSM-7 lacks spelt in GSM-7 where a spelling exists: ’ -> ', “ -> ",
    ë -> e, ā -> a, ı -> i. Letters of the GSM-7 basic table (é è ñ ü Ä ...) stay as typed. A character with
    no Latin spelling (an emoji, Arabic or Chinese script) is kept: the SMS then goes, and is priced, as UCS-2."""
    out: list[str] = []
    for c in text:
        if c in _GSM7 or c in _GSM7_EXT:
            out.append(c)
        elif c in _GSM7_SPELLING:
            out.append(_GSM7_SPELLING[c])
        else:
            base = "".join(b for b in unicodedata.normalize("NFKD", c) if not unicodedata.combining(b))
            out.append(base if base and is_gsm7(base) else c)
    return "".join(out)


def sms_text(template: str, values: dict[str, object]) -> str:
    """What goes out as the SMS: the rendered template, spelt in GSM-7 (see gsm7_spelling)."""
    return gsm7_spelling(render(template, values))


def sms_units(text: str) -> tuple[str, int]:
    """("gsm7" | "ucs2", length in the encoding's units): septets (the extension table's ^{}\\[~]|€ take
    two), or UTF-16 code units (an emoji outside the BMP takes two)."""
    if is_gsm7(text):
        return "gsm7", sum(2 if c in _GSM7_EXT else 1 for c in text)
    return "ucs2", len(text.encode("utf-16-le")) // 2


def sms_segments(text: str) -> int:
    """How many SMS SNS bills for a text: one up to 160 GSM-7 septets (70 UCS-2 units); longer texts go
    as a concatenated message of 153 septets (67 units) per part, the rest of each part carrying the
    header that joins them. A two-septet extension character or a surrogate pair is never split
    across parts, so it may push a part over to the next one."""
    encoding, length = sms_units(text)
    single, part = (160, 153) if encoding == "gsm7" else (70, 67)
    if length <= single:
        return 1
    parts, used = 1, 0
    for c in text:
        width = (2 if c in _GSM7_EXT else 1) if encoding == "gsm7" else len(c.encode("utf-16-le")) // 2
        if used + width > part:
            parts, used = parts + 1, 0
        used += width
    return parts


def wa_link(phone: str, text: str) -> str:
    """Click-to-chat: https://wa.me/<digits without +>?text=<urlencoded text>."""
    digits = "".join(c for c in phone if c.isdigit())
    return f"https://wa.me/{digits}?text={quote(text, safe='')}"


def sms_cost_idr(segments: int, price_per_sms_idr: int) -> int:
    return segments * price_per_sms_idr


# ---------- what is stored (store/reminders.py takes and returns these) ----------
@dataclass(frozen=True)
class StoredRules:
    """A programme's saved rules document (domain/validation.py ReminderRulesIn) and its version."""

    doc: dict
    version: int
    updated_at: str | None = None


@dataclass(frozen=True)
class Reminder:
    """One reminder of an enrolment: claimed, sent, failed or skipped, and what SNS said of it."""

    rule_id: str
    channel: str
    coverage_end: str
    status: str
    attempts: int = 0
    recipient: str | None = None
    claimed_at: str | None = None
    sent_at: str | None = None
    last_error: str | None = None
    run_id: str | None = None
    delivery: str | None = None  # delivered | failed (SNS's delivery-status log)
    delivery_reason: str | None = None
    delivered_at: str | None = None


@dataclass(frozen=True)
class Run:
    """A sweep: what it planned (`summary`) and what the queue handlers have counted since."""

    as_of: str
    summary: dict
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    deferred: int = 0
    opted_out: int = 0
    delivered: int = 0
    delivery_failed: int = 0
