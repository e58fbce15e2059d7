"""Reminder planning rules, without AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from urllib.parse import unquote

import pytest

from chalicelib.domain import reminders as dr

END = date(2025, 12, 31)
RULES = dr.RuleSet()


def test_default_offsets_remind_a_december_31_period_through_november_and_december():
    assert dr.due_rule(RULES, END, date(2025, 11, 16)).id == "h45"
    assert dr.due_rule(RULES, END, date(2025, 12, 1)).id == "h30"
    assert dr.due_rule(RULES, END, date(2025, 12, 17)).id == "h14"
    assert dr.due_rule(RULES, END, date(2025, 12, 24)).id == "h7"
    assert dr.due_rule(RULES, END, date(2025, 11, 15)) is None


def test_a_missed_day_is_caught_up_but_never_after_the_next_rule_or_the_end():
    assert dr.due_rule(RULES, END, date(2025, 11, 18)).id == "h45"  # catch_up_days = 3
    assert dr.due_rule(RULES, END, date(2025, 11, 19)) is None
    tight = dr.RuleSet(rules=(dr.Rule(8), dr.Rule(7)), catch_up_days=3)
    assert dr.due_rule(tight, END, date(2025, 12, 23)).id == "h8"
    assert dr.due_rule(tight, END, date(2025, 12, 24)).id == "h7"
    assert dr.due_rule(tight, END, date(2025, 12, 27)) is None
    last = dr.RuleSet(rules=(dr.Rule(1),), catch_up_days=5)
    assert dr.due_rule(last, END, date(2025, 12, 31)).id == "h1"
    assert dr.due_rule(last, END, date(2026, 1, 1)) is None


def test_end_dates_to_query_are_exactly_the_due_ones():
    dates = dr.end_dates_to_query(RULES, date(2025, 11, 16))
    assert date(2025, 12, 31) in dates
    for d in dates:
        assert dr.due_rule(RULES, d, date(2025, 11, 16)) is not None
    assert len(dates) == 4 * 3


def test_templates_validate_placeholders_per_kind():
    assert dr.template_problems(dr.DEFAULT_TEMPLATES) == {}
    bad = dr.template_problems({"sms": "Halo {nama}", "email_subject": "{name}", "whatsapp": "Halo {name"})
    assert "{nama}" in bad["templates.sms"]
    assert "templates.email_subject" in bad  # {name} is a worker placeholder, not a digest one
    assert "seimbang" in bad["templates.whatsapp"]
    assert "format" in dr.template_problems({"sms": "{name!r}"})["templates.sms"]
    assert dr.template_problems({"fax": "x"})


def test_rendering_in_bahasa_indonesia_has_no_nik():
    values = dr.worker_values("Siti Aminah", "Program X", END, "Embawang", "Pak Budi 0812", date(2025, 11, 16))
    text = dr.render(dr.DEFAULT_TEMPLATES["sms"], values)
    assert "Siti Aminah" in text and "31 Desember 2025" in text and "Pak Budi 0812" in text
    assert dr.sms_segments(text) == 1
    assert "45 hari lagi" in dr.render(dr.DEFAULT_TEMPLATES["whatsapp"], values)


def test_sms_segments_and_cost():
    assert dr.sms_segments("a" * 160) == 1
    assert dr.sms_segments("a" * 161) == 2
    assert dr.sms_segments("a" * 306) == 2 and dr.sms_segments("a" * 307) == 3
    assert dr.sms_segments("é" * 160) == 1  # é is in GSM-7
    assert dr.sms_segments("ā" * 70) == 1 and dr.sms_segments("ā" * 71) == 2
    assert dr.sms_segments("[" * 80) == 1 and dr.sms_segments("[" * 81) == 2  # escape chars count twice
    # the launched programme: 26,775 workers x 4 rules is over 100,000 SMS a period
    assert 26_775 * RULES.sms_rules() == 107_100
    assert dr.sms_cost_idr(107_100, 500) == 53_550_000


def test_quiet_hours_in_wib_wrap_midnight():
    qh = dr.QuietHours()
    assert not qh.contains(datetime(2025, 11, 16, 1, 0, tzinfo=UTC))  # 08:00 WIB
    assert qh.contains(datetime(2025, 11, 16, 14, 30, tzinfo=UTC))  # 21:30 WIB
    assert qh.contains(datetime(2025, 11, 16, 23, 0, tzinfo=UTC))  # 06:00 WIB
    assert not qh.contains(datetime(2025, 11, 17, 0, 0, tzinfo=UTC))  # 07:00 WIB


def test_whatsapp_click_to_chat_link():
    link = dr.wa_link("+6281234567890", "Halo Siti & Budi, 31 Desember?")
    assert link.startswith("https://wa.me/6281234567890?text=")
    assert unquote(link.split("text=", 1)[1]) == "Halo Siti & Budi, 31 Desember?"
    assert " " not in link and "&" not in link.split("?", 1)[1]


# ---------- segments the way SNS bills them, and names spelt in GSM-7 ----------
def _sms(name: str) -> str:
    values = dr.worker_values(name, "Perlindungan Pekerja Rentan 2025", END, "Tanjung Enim Selatan",
                              "0812-7788-1234", date(2025, 12, 1))
    return dr.sms_text(dr.DEFAULT_TEMPLATES["sms"], values)


def test_a_curly_apostrophe_in_a_name_does_not_turn_the_sms_into_ucs2():
    raw = dr.render(dr.DEFAULT_TEMPLATES["sms"], {**dr.worker_values("Siti Nur’aini", "P", END, "V", "0812",
                                                                      date(2025, 12, 1))})
    assert not dr.is_gsm7(raw) and dr.sms_units(raw)[0] == "ucs2"  # as typed: one ’ makes all of it UCS-2
    sms = _sms("Siti Nur’aini")
    assert "Yth. Siti Nur'aini," in sms and dr.sms_units(sms)[0] == "gsm7" and dr.sms_segments(sms) == 1


def test_names_as_typed_are_spelt_in_gsm7():
    assert dr.gsm7_spelling("Zoë") == "Zoe"
    assert dr.gsm7_spelling("Ma‘ruf “Ucok” Amin") == "Ma'ruf \"Ucok\" Amin"
    assert dr.gsm7_spelling("Nyoman Ayu Wulandarī") == "Nyoman Ayu Wulandari"
    assert dr.gsm7_spelling("Raden Ajeng Kartini\u00a0– Hj.") == "Raden Ajeng Kartini - Hj."
    assert dr.gsm7_spelling("Ağustina İbrahim ç") == "Agustina Ibrahim c"
    # letters of the GSM-7 basic table stay as typed: they cost one septet each
    assert dr.gsm7_spelling("José Muñoz Müller Hélène") == "José Muñoz Müller Hélène"
    assert dr.is_gsm7(dr.gsm7_spelling("Siti Nur’aini Zoë Đặng Thị Hường"))
    # no Latin spelling: kept, and the SMS is priced as UCS-2
    assert dr.gsm7_spelling("Ahmad 🙏") == "Ahmad 🙏" and dr.sms_units("Ahmad 🙏") == ("ucs2", 8)


def test_gsm7_segments_160_single_153_per_part_extension_characters_count_two():
    assert dr.sms_segments("a" * 160) == 1 and dr.sms_segments("a" * 161) == 2
    assert dr.sms_segments("a" * 306) == 2 and dr.sms_segments("a" * 307) == 3
    assert dr.sms_units("{€}") == ("gsm7", 6)
    assert dr.sms_segments("€" * 80) == 1 and dr.sms_segments("€" * 81) == 2
    # a two-septet character is not split across parts: 152 septets + "[" does not fit part one's 153
    assert dr.sms_segments("a" * 152 + "[" + "a" * 151) == 2
    assert dr.sms_segments("a" * 152 + "[" + "a" * 152) == 3


def test_ucs2_segments_70_single_67_per_part():
    assert dr.sms_segments("ā" * 70) == 1 and dr.sms_segments("ā" * 71) == 2
    assert dr.sms_segments("ā" * 134) == 2 and dr.sms_segments("ā" * 135) == 3
    assert dr.sms_units("🙏" * 35) == ("ucs2", 70) and dr.sms_segments("🙏" * 35) == 1
    # 134 units would be two parts of 67, but a surrogate pair is not split: "aa" + 32 pairs, 33, 1
    assert dr.sms_units("aa" + "🙏" * 66) == ("ucs2", 134) and dr.sms_segments("aa" + "🙏" * 66) == 3


def test_a_long_name_with_a_curly_apostrophe_stays_one_segment_once_spelt():
    name = "Raden Roro Siti Nur’aini Kusumawardhani Binti H. Abdul"  # 54 characters, as typed
    assert len(name) > 40
    raw = dr.render(dr.DEFAULT_TEMPLATES["sms"], dr.worker_values(name, "P", END, "V", "0812-7788-1234",
                                                                  date(2025, 12, 1)))
    assert dr.sms_segments(raw) == 3  # UCS-2: what the walk paid for
    sms = _sms(name)
    assert dr.sms_units(sms) == ("gsm7", len(sms)) and dr.sms_segments(sms) == 1


# Name parts as people in Muara Enim write them (with the ’ phones type), combined 1-4 parts, titles, bin/binti.
_PARTS = ["Muhammad", "Ahmad", "Siti", "Sri", "Nur", "Dewi", "Budi", "Agus", "Rahmat", "Yusuf", "Fitri", "Ratna",
          "Saputra", "Wijaya", "Pratama", "Hidayat", "Kurniawan", "Lestari", "Susanti", "Rahman", "Harahap",
          "Kusumawardhani", "Sulistyaningsih", "Prasetyaningrum", "Rachmawati", "Nur’aini", "Ma’ruf", "Syaifuddin",
          "Abdurrahman", "Fatimah", "Zulkarnain", "Wulandari", "Setiawan", "Ramadhani", "Maimunah", "Sukarmi", "Zoë"]


def _programme_names(n: int = 2000) -> list[str]:
    import random

    rng = random.Random(1603)
    out = []
    for _ in range(n):
        name = " ".join(rng.sample(_PARTS, rng.choices([1, 2, 3, 4], weights=[10, 45, 33, 12])[0]))
        r = rng.random()
        if r < 0.05:
            name = "Hj. " + name
        elif r < 0.10:
            name += rng.choice([" Bin ", " Binti "]) + rng.choice(_PARTS)
        out.append(name)
    return out


@pytest.mark.parametrize("kind", ["sms", "sms_after"])
def test_the_default_sms_fits_one_gsm7_segment_for_95_percent_of_names(kind):
    names = _programme_names()
    assert max(len(n) for n in names) >= 50 and sum(len(n) > 40 for n in names) >= 30  # long names are there
    longest_date = date(2025, 9, 30)  # "30 September 2025": the longest end date
    for contact in ("kantor desa / DPMD", "Bu Rina 0812 1111 2222"):
        texts = [dr.sms_text(dr.DEFAULT_TEMPLATES[kind],
                             dr.worker_values(n, "Perlindungan Pekerja Rentan 2025", longest_date,
                                              "Tanjung Enim Selatan", contact, date(2025, 9, 1))) for n in names]
        assert all(dr.is_gsm7(t) for t in texts)
        two = sum(dr.sms_segments(t) > 1 for t in texts)
        assert two / len(names) <= 0.05, (contact, two)


# ---------- when a planned SMS really leaves (quiet hours in plans) ----------
WIB_ = dr.WIB
QUIET = dr.QuietHours()


def test_a_plan_inside_quiet_hours_goes_at_the_next_daily_sweep_outside_them():
    at_0230 = datetime(2025, 11, 16, 2, 30, tzinfo=WIB_)
    assert dr.send_time(at_0230, date(2025, 11, 16), QUIET) == datetime(2025, 11, 16, 8, 0, tzinfo=WIB_)
    at_2200 = datetime(2025, 11, 16, 22, 0, tzinfo=WIB_)  # today's sweep has passed: tomorrow's
    assert dr.send_time(at_2200, date(2025, 11, 16), QUIET) == datetime(2025, 11, 17, 8, 0, tzinfo=WIB_)
    at_1000 = datetime(2025, 11, 16, 10, 0, tzinfo=WIB_)
    assert dr.send_time(at_1000, date(2025, 11, 16), QUIET) == at_1000  # a run now queues at once
    assert dr.send_time(at_2200, date(2025, 11, 16), None) == at_2200  # no quiet hours: now
    assert dr.send_time(at_1000, date(2025, 11, 20), QUIET) == datetime(2025, 11, 20, 8, 0, tzinfo=WIB_)
    late_sweep = dr.QuietHours(time(20, 0), time(9, 0))  # would hold 08:00: the next free sweep hour
    assert dr.send_time(at_0230, date(2025, 11, 16), late_sweep, sweep_at=time(10, 0)) == \
        datetime(2025, 11, 16, 10, 0, tzinfo=WIB_)


def test_quiet_hours_around_the_sweep_hour_are_refused():
    assert dr.quiet_hours_problem(QUIET) is None and dr.quiet_hours_problem(None) is None
    assert "08:00" in dr.quiet_hours_problem(dr.QuietHours(time(21, 0), time(9, 0)))
    assert dr.quiet_hours_problem(dr.QuietHours(time(7, 30), time(8, 30)))


def test_the_daily_schedule_runs_at_the_sweep_hour_the_plans_assume():
    import app

    (cron,) = [e.schedule_expression for e in app.app.event_sources if getattr(e, "name", "") == "daily_reminders"]
    utc = datetime(2025, 11, 16, int(cron.hours), int(cron.minutes), tzinfo=UTC)
    assert utc.astimezone(WIB_).time() == dr.SWEEP_AT_WIB


# ---------- after the end (negative offsets) ----------
def test_rules_after_the_end_are_due_after_it_and_before_the_end_ones_never_are():
    rs = dr.RuleSet(rules=(dr.Rule(7), dr.Rule(-1), dr.Rule(-7)), catch_up_days=3)
    assert [r.id for r in rs.ordered()] == ["h7", "h+1", "h+7"]
    assert dr.due_rule(rs, END, date(2025, 12, 24)).id == "h7" and dr.due_rule(rs, END, date(2025, 12, 31)) is None
    assert dr.due_rule(rs, END, date(2026, 1, 1)).id == "h+1"  # the day after the end
    assert dr.due_rule(rs, END, date(2026, 1, 3)).id == "h+1"  # caught up
    assert dr.due_rule(rs, END, date(2026, 1, 4)) is None
    assert dr.due_rule(rs, END, date(2026, 1, 7)).id == "h+7" and dr.due_rule(rs, END, date(2026, 1, 10)) is None
    assert dr.Rule(-1).sms_template == "sms_after" and dr.Rule(7).sms_template == "sms"
    assert END in dr.end_dates_to_query(rs, date(2026, 1, 7))
    text = dr.sms_text(dr.DEFAULT_TEMPLATES["sms_after"], dr.worker_values("Siti Aminah", "P", END, "V", "c",
                                                                           date(2026, 1, 1)))
    assert "berakhir 31 Desember 2025" in text and "JMO" in text and "PERISAI" in text and "3 bln" in text


def test_rules_after_the_end_use_the_after_texts_and_the_defaults_render():
    assert dr.Rule(-1).template("whatsapp") == "whatsapp_after" and dr.Rule(7).template("whatsapp") == "whatsapp"
    assert dr.Rule(-7).template("email_intro") == "email_intro_after" and dr.Rule(-7).sms_template == "sms_after"
    assert dr.template_problems(dr.DEFAULT_TEMPLATES) == {}
    assert set(dr.DEFAULT_TEMPLATES) == set(dr.TEMPLATE_PLACEHOLDERS)
    intro = dr.render(dr.DEFAULT_TEMPLATES["email_intro_after"],
                      {"programme": "P", "end_date": "31 Desember 2025", "village": "Desa Embawang",
                       "officer_contact": "Bu Rina", "days_left": -7, "days_ago": 7, "count": 3})
    assert "(7 hari lalu) dan belum diperpanjang" in intro and "JMO" in intro and "-7" not in intro
