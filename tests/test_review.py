"""The annual review (定期检视, issue 11 step 7), the pure core
(flows/greetings/review.py): the anniversary and its catch-up days, 29 Feb,
the opt-in, one message a day, one reminder a week, an unfinished life event
(marriage, a child) reminded the next day, and the advisor's digest line."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from flows.greetings.plan import GreetingClient
from flows.greetings.review import (
    REVIEW_WINDOW_DAYS,
    FamilyChange,
    anniversary,
    anniversary_due,
    family_change,
    lead_review_due,
    lead_review_line,
    plan_reviews,
    review_due,
)
from flows.messages import msg
from tests.helpers import ZH

LAST = date(2026, 11, 25)
CLIENT = GreetingClient(client_id=7, chat_id=7, born=date(1990, 3, 3), lunar=False, opted_in=True, name="李女士",
                        advisor_name="王芳")


def text(review) -> str:
    return "\n".join(ZH(m) for m in review.message)


@pytest.mark.parametrize("day, due", [
    (date(2027, 11, 24), None),  # the day before
    (date(2027, 11, 25), date(2027, 11, 25)),  # the anniversary
    (date(2027, 12, 1), date(2027, 11, 25)),  # the 7th day: still caught up
    (date(2027, 12, 2), None),  # past the window
    (date(2026, 11, 25), None),  # the diagnosis itself
    (date(2026, 11, 26), None),
    (date(2028, 11, 25), date(2028, 11, 25)),  # every year while no new result
])
def test_the_anniversary_and_its_catch_up_days(day, due):
    assert anniversary_due(LAST, day) == due
    found = review_due(CLIENT, day, LAST)
    assert (found is not None) == (due is not None)
    if found is not None:
        assert (found.occasion, found.occurrence, found.reason) == ("review", str(due.year), "anniversary")


def test_the_window_across_a_year_end_keeps_the_anniversary_s_year():
    last = date(2026, 12, 30)
    found = review_due(CLIENT, date(2028, 1, 2), last)
    assert found is not None and found.occurrence == "2027"


def test_a_leap_day_diagnosis_is_reminded_on_28_february_in_a_common_year():
    leap = date(2024, 2, 29)
    assert anniversary(leap, 1) == date(2025, 2, 28)
    assert anniversary(leap, 4) == date(2028, 2, 29)
    assert anniversary_due(leap, date(2025, 2, 27)) is None
    assert anniversary_due(leap, date(2025, 2, 28)) == date(2025, 2, 28)
    assert anniversary_due(leap, date(2025, 3, 6)) == date(2025, 2, 28)  # the 7th day
    assert anniversary_due(leap, date(2025, 3, 7)) is None
    assert anniversary_due(leap, date(2028, 2, 28)) is None  # a leap year: the 29th
    assert anniversary_due(leap, date(2028, 2, 29)) == date(2028, 2, 29)


def test_the_message_says_how_long_invites_a_review_is_signed_and_says_how_to_stop():
    one = text(review_due(CLIENT, date(2027, 11, 25), LAST))
    assert one.startswith("李女士,您好!\n距离您上次做保险需求诊断已经一年了。")
    assert "重新检视" in one and "—— 您的顾问 王芳" in one and "/greetings" in one
    two = text(review_due(GreetingClient(8, 8, None, False, True), date(2028, 11, 25), LAST))
    assert two.startswith("您好!\n距离您上次做保险需求诊断已经 2 年了。") and "顾问" not in two


def test_no_reminder_to_a_client_who_declined_or_stopped_greetings_or_blocked_the_bot():
    day = date(2027, 11, 25)
    declined = GreetingClient(8, 8, None, False, opted_in=False)
    blocked = GreetingClient(9, 9, None, False, opted_in=True, reachable=False)
    assert review_due(declined, day, LAST) is None and review_due(blocked, day, LAST) is None
    assert plan_reviews([CLIENT, declined, blocked], day, {7: LAST, 8: LAST, 9: LAST}) == [
        review_due(CLIENT, day, LAST)]


def test_one_message_a_day_and_one_reminder_a_week():
    day = date(2027, 11, 25)
    clients = [CLIENT, GreetingClient(8, 8, None, False, True), GreetingClient(9, 9, None, False, True)]
    last = {7: LAST, 8: LAST, 9: LAST}
    found = plan_reviews(clients, day, last, greeted={8}, reminded={9})
    assert [r.client_id for r in found] == [7]
    # The one greeted today is reminded tomorrow (a catch-up day).
    assert [r.client_id for r in plan_reviews(clients, day + timedelta(days=1), last, reminded={7, 9})] == [8]
    # No result, no reminder.
    assert plan_reviews(clients, day, {}) == []


FIGURES_SINGLE = {"profile": {"married": False, "children": []}, "diagnosis": {}}
CHANGED_ON = date(2027, 3, 4)


def test_a_life_event_is_a_family_answer_no_result_holds_yet():
    married = family_change(FIGURES_SINGLE, {"marital": "married", "children": []}, {"marital": CHANGED_ON})
    assert married == FamilyChange(CHANGED_ON, ("married",))
    both = family_change(FIGURES_SINGLE, {"marital": "married", "children": [0]},
                         {"marital": CHANGED_ON - timedelta(days=2), "children": CHANGED_ON})
    assert both == FamilyChange(CHANGED_ON, ("married", "child"))
    # The result already holds it (the change was finished): nothing to remind.
    finished = {"profile": {"married": True, "children": [{"age": 0}]}}
    assert family_change(finished, {"marital": "married", "children": [0]}, {"marital": CHANGED_ON}) is None
    # A divorce, fewer children, no result: no life event of this kind.
    assert family_change(finished, {"marital": "divorced", "children": []}, {"marital": CHANGED_ON}) is None
    assert family_change(None, {"marital": "married"}, {"marital": CHANGED_ON}) is None


def test_an_unfinished_life_event_is_reminded_from_the_next_day_once_per_change():
    change = FamilyChange(CHANGED_ON, ("child",))
    assert review_due(CLIENT, CHANGED_ON, LAST, change) is None  # the same day: the client may still finish
    found = review_due(CLIENT, CHANGED_ON + timedelta(days=1), LAST, change)
    assert (found.reason, found.occurrence) == ("family", "family-2027-03-04")
    words = text(found)
    assert "添了孩子" in words and "/start" in words and "—— 您的顾问 王芳" in words
    assert review_due(CLIENT, CHANGED_ON + timedelta(days=REVIEW_WINDOW_DAYS), LAST, change) is not None
    assert review_due(CLIENT, CHANGED_ON + timedelta(days=REVIEW_WINDOW_DAYS + 1), LAST, change) is None
    both = review_due(CLIENT, CHANGED_ON + timedelta(days=1), LAST, FamilyChange(CHANGED_ON, ("married", "child")))
    assert "(结婚、添了孩子)" in text(both)


def test_on_a_day_both_are_due_the_life_event_s_reminder_goes():
    day = date(2027, 11, 26)
    found = review_due(CLIENT, day, LAST, FamilyChange(date(2027, 11, 25), ("married",)))
    assert found.reason == "family" and "结婚" in text(found)


def test_the_advisor_s_digest_line_until_the_advisor_gets_in_touch():
    day = date(2027, 11, 27)
    assert lead_review_due(LAST, day) == date(2027, 11, 25)
    assert lead_review_due(LAST, day, last_contact=date(2027, 11, 20)) == date(2027, 11, 25)
    assert lead_review_due(LAST, day, last_contact=date(2027, 11, 25)) is None  # contacted since
    assert lead_review_due(LAST, day, stage="lost") is None
    assert lead_review_due(LAST, date(2027, 11, 24)) is None
    assert ZH(lead_review_line(12, msg("lead.name", name="王先生"), 1)) == "🔁 #12 王先生:诊断满一年,建议约一次检视"
    assert ZH(lead_review_line(12, msg("lead.name.client"), 3)) == "🔁 #12 客户:诊断满 3 年,建议约一次检视"
