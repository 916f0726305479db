"""The contact cadence of seed 002 (flows/leads/cadence.py) on a fixed clock:
contact due at 15 days and not at 14, birthday reminders three days ahead
(across a year end, by the lunar calendar when the client chose it), visits
after six months without a meeting, nothing below 20万 or for a lost lead."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.leads import TIERS, CadenceSettings, LeadTouch, Reminder, due_ids, reminder_line, reminders
from flows.leads.cadence import add_months, lead_reminders
from flows.messages import msg
from tests.helpers import ZH

TODAY = date(2026, 11, 23)


def touch(tier="20w_100w", *, consent=TODAY - timedelta(days=1), stage="new", **kw) -> LeadTouch:
    return LeadTouch(lead_id=kw.pop("lead_id", 1), tier=tier, consent_on=consent, stage=stage, **kw)


def birthdays(leads: list[LeadTouch], today: date) -> list[Reminder]:
    return [r for r in reminders(leads, today) if r.kind == "birthday"]


def kinds(lead: LeadTouch, today: date = TODAY) -> list[str]:
    return [r.kind for r in reminders([lead], today)]


# --- contact: at least twice a month ----------------------------------------------------


def test_contact_is_due_at_15_days_not_at_14():
    assert kinds(touch(last_contact=TODAY - timedelta(days=14))) == []
    assert reminders([touch(last_contact=TODAY - timedelta(days=15))], TODAY) == [
        Reminder("contact", 1, TODAY, 15)]
    # Still due (and since the same day) until someone calls.
    assert reminders([touch(last_contact=TODAY - timedelta(days=40))], TODAY) == [
        Reminder("contact", 1, TODAY - timedelta(days=25), 40)]


def test_a_lead_never_contacted_counts_from_its_consent():
    assert kinds(touch(consent=TODAY - timedelta(days=14))) == []
    assert kinds(touch(consent=TODAY - timedelta(days=15))) == ["contact"]


def test_the_interval_is_a_setting():
    lead = touch(last_contact=TODAY - timedelta(days=10))
    assert reminders([lead], TODAY) == []
    assert [r.kind for r in reminders([lead], TODAY, CadenceSettings(contact_every_days=10))] == ["contact"]


def test_below_20w_gets_no_reminder_at_all():
    lead = touch("below_20w", consent=TODAY - timedelta(days=400), born=TODAY.replace(year=1980))
    assert reminders([lead], TODAY) == []


# --- birthdays: 100万+ ---------------------------------------------------------------------


def test_a_birthday_three_days_ahead_across_the_year_end():
    lead = touch("100w_500w", born=date(1980, 1, 2), last_contact=date(2026, 12, 28))
    assert reminders([lead], date(2026, 12, 29)) == []  # 4 days ahead: not yet
    assert reminders([lead], date(2026, 12, 30)) == [Reminder("birthday", 1, date(2027, 1, 2), 3)]
    assert reminders([lead], date(2027, 1, 2)) == [Reminder("birthday", 1, date(2027, 1, 2), 0)]  # the day itself
    assert reminders([lead], date(2027, 1, 3)) == []  # past: next year's is 364 days away


def test_a_lunar_birthday_when_the_client_chose_one():
    # Born 1985-09-29 = 八月十五 (domain notes): in 2027 the lunar birthday is 2027-09-15.
    born = date(1985, 9, 29)
    lunar = touch("100w_500w", born=born, lunar_birthday=True, last_contact=date(2027, 9, 10))
    solar = touch("100w_500w", born=born, last_contact=date(2027, 9, 10), lead_id=2)
    assert birthdays([lunar, solar], date(2027, 9, 12)) == [
        Reminder("birthday", 1, date(2027, 9, 15), 3, lunar=True)]
    assert birthdays([lunar, solar], date(2027, 9, 26)) == [Reminder("birthday", 2, date(2027, 9, 29), 3)]
    # A lunar birthday moves with the lunar year: 2026's 八月十五 is 2026-09-25.
    assert birthdays([lunar], date(2026, 9, 22)) == [Reminder("birthday", 1, date(2026, 9, 25), 3, lunar=True)]


def test_no_birthday_reminder_below_100w_or_without_a_birth_date():
    assert kinds(touch("20w_100w", born=date(1980, 11, 24), last_contact=TODAY)) == []
    assert kinds(touch("100w_500w", born=None, last_contact=TODAY)) == []
    assert kinds(touch("100w_500w", born=date(1980, 11, 24), last_contact=TODAY)) == ["birthday"]


# --- visits: 500万+ ----------------------------------------------------------------------


def test_a_visit_after_six_months_without_a_meeting():
    recent_call = TODAY - timedelta(days=2)  # a call is not a visit
    due = touch("500w_plus", last_contact=recent_call, last_meeting=date(2026, 5, 23))
    assert reminders([due], TODAY) == [Reminder("visit", 1, TODAY, 184)]
    assert kinds(touch("500w_plus", last_contact=recent_call, last_meeting=date(2026, 5, 24))) == []
    # Never met: six months since consent.
    assert kinds(touch("500w_plus", consent=date(2026, 5, 23), last_contact=recent_call)) == ["visit"]
    assert kinds(touch("500w_plus", consent=date(2026, 5, 24), last_contact=recent_call)) == []


def test_no_visit_below_500w():
    assert kinds(touch("100w_500w", consent=date(2020, 1, 1), last_contact=TODAY)) == []


def test_six_months_from_a_month_end():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 23), 6) == date(2027, 5, 23)


# --- stages, order, lines ----------------------------------------------------------------


def test_a_lost_lead_gets_nothing_and_a_won_client_is_still_kept_in_touch():
    old = dict(consent=date(2020, 1, 1), born=date(1980, 11, 25))
    assert reminders([touch("500w_plus", stage="lost", **old)], TODAY) == []
    assert kinds(touch("500w_plus", stage="won", **old)) == ["contact", "birthday", "visit"]


def test_reminders_are_listed_by_kind_then_oldest_first():
    leads = [touch("500w_plus", lead_id=5, consent=date(2026, 1, 1)),
             touch("20w_100w", lead_id=3, last_contact=TODAY - timedelta(days=30)),
             touch("100w_500w", lead_id=4, born=date(1970, 11, 24), last_contact=TODAY)]
    found = reminders(leads, TODAY)
    assert [(r.kind, r.lead_id) for r in found] == [("contact", 5), ("contact", 3), ("birthday", 4), ("visit", 5)]
    assert due_ids(found) == {3, 4, 5}
    assert lead_reminders(leads[2], TODAY) == [Reminder("birthday", 4, date(2026, 11, 24), 1)]


def test_reminder_lines():
    name = msg("lead.name", name="李女士")
    assert ZH(reminder_line(Reminder("contact", 7, TODAY, 16), name)) == "📞 #7 李女士:上次联系已 16 天,该联系了"
    assert ZH(reminder_line(Reminder("birthday", 7, date(2027, 1, 2), 3), name)) == \
        "🎂 #7 李女士:3 天后生日(1月2日),送花或蛋糕"
    assert ZH(reminder_line(Reminder("birthday", 7, date(2027, 9, 15), 0, lunar=True), msg("lead.name.client"))) == \
        "🎂 #7 客户:今天过农历生日(农历八月十五,今年是9月15日),送花或蛋糕"
    assert ZH(reminder_line(Reminder("visit", 7, TODAY, 200), name)) == "🤝 #7 李女士:已 200 天没有面谈,安排拜访"


@given(st.sampled_from(TIERS), st.sampled_from(("new", "contacted", "proposal", "won", "lost")),
       st.integers(0, 60), st.dates(date(2026, 1, 1), date(2027, 12, 31)))
def test_contact_is_due_exactly_from_15_days_for_20w_and_up(tier, stage, days, today):
    lead = touch(tier, stage=stage, consent=today - timedelta(days=100), last_contact=today - timedelta(days=days))
    due = "contact" in kinds(lead, today)
    assert due == (days >= 15 and tier != "below_20w" and stage != "lost")


@pytest.mark.parametrize("lunar", [False, True])
@given(born=st.dates(date(1930, 1, 1), date(2008, 12, 31)), today=st.dates(date(2026, 1, 1), date(2030, 12, 31)))
def test_a_100w_client_hears_of_each_birthday_on_four_days(lunar, born, today):
    lead = touch("100w_500w", born=born, lunar_birthday=lunar, last_contact=today)
    found = [r for r in reminders([lead], today) if r.kind == "birthday"]
    assert len(found) <= 1
    for r in found:
        assert 0 <= r.days <= 3 and r.on == today + timedelta(days=r.days) and r.lunar == lunar


def test_lunar_names_agree_with_an_independent_calendar_for_two_years():
    """The digest names a lunar birthday as people write it (二月初八); the
    day's name matches cnlunar's for every day of 2026–2027."""
    import datetime as _dt

    import cnlunar

    from flows.leads.cadence import LUNAR_MONTHS, lunar_name

    day = date(2026, 1, 1)
    while day.year < 2028:
        other = cnlunar.Lunar(_dt.datetime(day.year, day.month, day.day), godType="8char")
        name = lunar_name(day)
        assert name.endswith(other.lunarDayCn), (day, name, other.lunarDayCn)
        month = name.removeprefix("闰").split("月")[0]
        assert LUNAR_MONTHS.index(month) + 1 == other.lunarMonth, (day, name)
        assert name.startswith("闰") == bool(other.isLunarLeapMonth), (day, name)
        day += timedelta(days=1)


def test_a_lunar_birthday_reminder_names_the_lunar_date_and_this_years_solar_day():
    from bot.i18n import Renderer
    from flows.leads.cadence import Reminder, reminder_line
    from flows.messages import msg

    line = Renderer("zh_CN", strict=True)(reminder_line(Reminder("birthday", 2, date(2027, 3, 15), 3, lunar=True),
                                                       msg("lead.name.client")))
    assert "农历二月初八" in line and "3月15日" in line and "3 天后" in line
