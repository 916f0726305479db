"""The state machine: conditions, repetition, back / skip / edit / restart,
quick vs full depth, stale buttons, consent."""

from flows import engine
from flows.diagnosis import DIAGNOSIS
from flows.engine import Answer, Back, Deepen, Edit, Restart, Resume, Skip
from flows.flow import Flow, Step
from flows.messages import msg
from tests.helpers import CTX, SKIP, interview, step_of

QUICK_SINGLE = ["是", "quick", "1990-05-01", "未婚", "0", "20万", "10万", "0", "10万", "0", "0", "3万"]


def go(state, *events):
    reply = None
    for event in events:
        state, reply = engine.handle(DIAGNOSIS, state, event, CTX)
    return state, reply


def test_quick_depth_asks_about_ten_questions_and_lists_the_rest_as_assumptions():
    state, reply, outcome, asked = interview(QUICK_SINGLE)
    assert asked == ["consent", "depth", "birth_date", "marital", "children_count", "income", "living_expenses",
                     "mortgage", "savings", "life_cover", "ci_cover", "budget"]
    assert step_of(reply) == "contact_ok" and outcome is not None
    assumed = [key for key, _, _ in outcome.assumed]
    assert "retirement_age" in assumed and "retirement_spending" in assumed and "parents_count" in assumed
    assert "spouse_income" not in assumed  # not married: the step does not apply at all


def test_spouse_questions_only_when_married():
    _, reply, _, _ = interview(["是", "full", "王", "1990-05-01", "男", "已婚"])
    assert step_of(reply) == "spouse_age"
    _, reply, _, _ = interview(["是", "full", "王", "1990-05-01", "男", "未婚"])
    assert step_of(reply) == "children_count"


def test_one_group_of_questions_per_child_and_per_parent():
    answers = ["是", "full", "王", "1985-01-01", "男", "未婚", "3", "10", "8", "2", SKIP, "2", "70", "1万", "66", "2万"]
    state, reply, _, asked = interview(answers)
    assert asked[6:] == ["children_count", "child.1.age", "child.2.age", "child.3.age", "support_end_age",
                         "parents_count", "parent.1.age", "parent.1.support", "parent.2.age", "parent.2.support"]
    assert step_of(reply) == "income"
    assert state.answers["child.3.age"] == 2 and state.answers["parent.2.support"] == 20_000


def test_progress_counts_the_applicable_questions():
    state, reply = engine.start(DIAGNOSIS, CTX)
    assert reply.question.progress == (1, 14)  # quick-depth count until depth is chosen
    _, reply, _, _ = interview(QUICK_SINGLE[:4])
    n, total = reply.question.progress
    assert n == 5 and total == 14


def test_bad_answer_repeats_the_same_question_with_a_hint():
    state, reply, _, _ = interview(QUICK_SINGLE[:5])
    assert step_of(reply) == "income"
    for bad, key in [("abc", "error.not_money"), ("-3万", "error.negative"), ("200亿", "error.too_large"),
                     ("x" * 5000, "error.too_long"), ("😀", "error.not_money"), ("", "error.empty")]:
        new_state, reply = go(state, Answer(bad))
        # Nothing changes but the copy of the question (a re-sent copy has a new turn).
        assert new_state.model_copy(update={"turn": state.turn}) == state and new_state.turn == state.turn + 1
        assert [n.key for n in reply.notes] == [key] and reply.question.hint.key == "hint.money_year"
        assert step_of(reply) == "income"


def test_a_bare_small_number_for_an_amount_asks_for_its_unit():
    state, _, _, _ = interview(QUICK_SINGLE[:7])  # at mortgage (a total)
    _, reply = go(state, Answer("60"))
    assert reply.notes[0].key == "error.tiny_amount" and reply.notes[0].params["n"] == 60
    for explicit, value in (("60万", 600_000), ("60元", 60), ("¥60", 60), ("600000", 600_000)):
        new_state, reply = go(state, Answer(explicit))
        assert new_state.answers["mortgage"] == value, explicit


def test_a_bare_small_yearly_amount_asks_whether_it_is_monthly():
    state, _, _, _ = interview(QUICK_SINGLE[:6])  # at living_expenses (yearly)
    _, reply = go(state, Answer("3000"))
    assert reply.notes[0].key == "error.tiny_yearly"
    new_state, _ = go(state, Answer("3000/月"))
    assert new_state.answers["living_expenses"] == 36_000
    new_state, _ = go(state, Answer("3000元"))
    assert new_state.answers["living_expenses"] == 3_000


def test_a_rate_for_a_total_is_refused_not_taken_as_the_total():
    state, _, _, _ = interview(QUICK_SINGLE[:7])  # at mortgage (a balance)
    for rate in ("1.5万/月", "每年3万"):
        new_state, reply = go(state, Answer(rate))
        assert reply.notes[0].key == "error.not_periodic" and new_state.answers == state.answers


def test_zero_where_invalid_and_absurd_ages():
    state, reply, _, _ = interview(QUICK_SINGLE[:6])
    assert step_of(reply) == "living_expenses"
    _, reply = go(state, Answer("0"))
    assert reply.notes[0].key == "error.too_small"
    state, _, _, _ = interview(QUICK_SINGLE[:2])
    for bad, key in [("2030-01-01", "error.birth_future"), ("2015-01-01", "error.client_age"),
                     ("1900-01-01", "error.client_age"), ("1990-02-30", "error.no_such_date")]:
        _, reply = go(state, Answer(bad))
        assert reply.notes[0].key == key, bad


def test_monthly_answer_to_a_yearly_question_is_converted_and_said():
    state, _, _, _ = interview(QUICK_SINGLE[:6])
    state, reply = go(state, Answer("8000/月"))
    assert state.answers["living_expenses"] == 96_000
    assert reply.notes[0].key == "note.month_to_year" and step_of(reply) == "mortgage"


def test_back_offers_the_previous_answer_and_keep_restores_it():
    state, reply, _, _ = interview(QUICK_SINGLE[:7])
    assert step_of(reply) == "mortgage"
    state, reply = go(state, Back())
    assert step_of(reply) == "living_expenses" and reply.question.keeps_previous
    assert "living_expenses" not in state.answers
    state, reply = go(state, Back(), Back())
    assert step_of(reply) == "children_count"
    state, reply = go(state, Skip(), Skip())  # keep, keep
    assert step_of(reply) == "living_expenses" and state.answers["income"] == 200_000
    state, reply = go(state, Answer("12万"))
    assert state.answers["living_expenses"] == 120_000 and step_of(reply) == "mortgage"


def test_back_at_the_first_question_says_so():
    state, reply = engine.start(DIAGNOSIS, CTX)
    state, reply = go(state, Back())
    assert reply.notes[0].key == "back.at_start" and step_of(reply) == "consent"


def test_skip_takes_the_default_and_required_questions_cannot_be_skipped():
    state, reply, _, _ = interview(QUICK_SINGLE[:2])
    _, reply = go(state, Skip())
    assert reply.notes[0].key == "error.no_default" and step_of(reply) == "birth_date"
    state, _, _, _ = interview(QUICK_SINGLE[:7])
    state, reply = go(state, Skip())  # mortgage: default 0
    assert "mortgage" in state.skipped and step_of(reply) == "savings"


def test_a_second_tap_on_a_button_does_nothing():
    state, reply, _, _ = interview(QUICK_SINGLE[:3])
    assert step_of(reply) == "marital"
    state2, reply = go(state, Answer("single", step="marital"))
    state3, reply = go(state2, Answer("married", step="marital"))  # the same message's other button
    assert reply.ignored and state3 == state2
    _, reply = go(state2, Back(step="marital"))  # a stale back button
    assert reply.ignored
    _, reply = go(state2, Skip(step="marital"))
    assert reply.ignored


def test_edit_from_the_summary_asks_only_what_the_change_requires():
    answers = ["是", "quick", "1990-05-01", "已婚", "0", "1", "4", "30万", "20万", "0", "10万", "0", "0", "5万"]
    state, reply, first, _ = interview(answers)
    assert step_of(reply) == "contact_ok"
    _, menu = go(state, Edit())
    assert [i.key for i in menu.edit_menu][:4] == ["depth", "birth_date", "marital", "spouse_income"]
    state, reply = go(state, Edit("children_count"))
    assert step_of(reply) == "children_count" and reply.question.keeps_previous
    state, reply = go(state, Answer("3"))
    assert step_of(reply) == "child.2.age"
    state, reply = go(state, Answer("2"))
    state, reply = go(state, Answer("0"))
    # Back to where the client was, with an updated summary.
    assert step_of(reply) == "contact_ok" and reply.outcome is not None
    assert reply.outcome.diagnosis.support_years == 22  # youngest now 0
    assert first.diagnosis.support_years == 18


def test_fewer_children_prunes_their_answers():
    answers = ["是", "quick", "1990-05-01", "未婚", "2", "3", "6", "30万", "20万", "0", "10万", "0", "0", "5万"]
    state, _, _, _ = interview(answers)
    state, reply = go(state, Edit("children_count"), Answer("1"))
    assert "child.2.age" not in state.answers and state.answers["child.1.age"] == 3
    assert step_of(reply) == "contact_ok"


def test_married_to_single_drops_spouse_answers():
    answers = ["是", "quick", "1990-05-01", "已婚", "10万", "0", "30万", "20万", "0", "10万", "0", "0", "5万"]
    state, _, outcome, _ = interview(answers)
    assert outcome.profile.family_income == 400_000
    state, reply = go(state, Edit("marital"), Answer("未婚"))
    assert "spouse_income" not in state.answers
    assert reply.outcome.profile.family_income == 300_000


def test_skipped_default_follows_later_edits():
    # family income skipped = own + spouse's; editing the spouse's income moves it.
    answers = ["是", "full", SKIP, "1990-05-01", SKIP, "已婚", SKIP, "10万", "0", "0", "30万", SKIP]
    state, reply, _, _ = interview(answers)
    assert "family_income" in state.skipped and step_of(reply) == "living_expenses"
    values, assumed = engine.resolved_answers(DIAGNOSIS, state, CTX)
    assert values["family_income"] == 400_000 and "family_income" in assumed
    state, _ = go(state, Edit("spouse_income"), Answer("20万"))
    values, _ = engine.resolved_answers(DIAGNOSIS, state, CTX)
    assert values["family_income"] == 500_000


def test_family_income_below_own_income_is_questioned():
    answers = ["是", "full", SKIP, "1990-05-01", SKIP, "未婚", "0", "0", "30万"]
    state, reply, _, _ = interview(answers)
    _, reply = go(state, Answer("20万"))
    assert reply.notes[0].key == "error.family_below_own" and step_of(reply) == "family_income"


def test_restart_clears_everything():
    state, _, _, _ = interview(QUICK_SINGLE)
    state, reply = go(state, Restart())
    assert state.answers == {} and step_of(reply) == "consent"


def test_declining_consent_keeps_nothing():
    state, reply = engine.start(DIAGNOSIS, CTX)
    state, reply = go(state, Answer("不同意"))
    assert state.status == "declined" and state.answers == {}
    assert reply.notes[0].key == "consent.declined" and reply.question is None
    state, reply = go(state, Answer("30万"))
    assert reply.notes[0].key == "consent.declined_again"
    state, reply = go(state, Restart())
    assert step_of(reply) == "consent"


def test_quick_result_deepens_without_reasking():
    state, _, quick, _ = interview(QUICK_SINGLE + ["否", "否"])
    assert state.status == "done" and quick.quick
    state, reply = go(state, Deepen())
    assert reply.notes[0].key == "deepen.started"
    answered_before = set(state.answers) | set(state.skipped)
    asked = []
    while reply.outcome is None:
        asked.append(step_of(reply))
        state, reply = go(state, Skip())
    assert asked == ["name", "gender", "parents_count", "family_income", "other_debts",
                     "debt_payment", "support_years", "retirement_age", "retirement_spending", "pension",
                     "other_assets", "social_medical", "million_medical", "retirement_savings", "priorities"]
    assert not set(asked) & answered_before
    assert not reply.outcome.quick and state.status == "done"
    assert state.answers["income"] == 200_000


def test_done_interview_answers_text_with_a_hint_and_resume_repeats_the_question():
    state, _, _, _ = interview(QUICK_SINGLE + ["否", "否"])
    _, reply = go(state, Answer("hello"))
    assert reply.notes[0].key == "done.hint"
    state, reply, _, _ = interview(QUICK_SINGLE[:5])
    state2, reply2 = go(state, Resume())
    assert state2.answers == state.answers and state2.turn == state.turn + 1 and step_of(reply2) == step_of(reply)


def test_engine_does_not_mutate_its_input():
    state, _, _, _ = interview(QUICK_SINGLE[:6])
    before = state.model_dump()
    go(state, Answer("10万"))
    go(state, Back())
    assert state.model_dump() == before


def test_every_step_a_quick_interview_skips_has_a_default():
    answers = {"marital": "married", "children_count": 2, "parents_count": 2}
    asked = {s.key for s in engine.applicable(DIAGNOSIS, {**answers, "depth": "quick"})}
    for step in engine.applicable(DIAGNOSIS, answers, all_depths=True):
        assert step.key in asked or step.has_default, step.key
    assert {"parent.1.age", "parent.2.age"} <= asked  # no default: asked at quick depth too


def test_a_button_acts_only_on_the_newest_copy_of_its_question():
    # At marital (a choice): a bad typed answer re-sends the question, so the
    # first copy's buttons are stale even though they name the same step.
    state, reply, _, _ = interview(QUICK_SINGLE[:3])
    assert step_of(reply) == "marital"
    first_copy = reply.question.turn
    state, resent = go(state, Answer("???"))
    assert step_of(resent) == "marital" and resent.question.turn == first_copy + 1
    same, ignored = go(state, Answer("single", step="marital", turn=first_copy))
    assert ignored.ignored and same.answers == state.answers
    state, moved = go(state, Answer("single", step="marital", turn=resent.question.turn))
    assert state.answers["marital"] == "single" and step_of(moved) == "children_count"
    # Back and skip buttons of an earlier copy are stale too; a restart keeps counting.
    for event in (Back(step="children_count", turn=first_copy), Skip(step="children_count", turn=first_copy)):
        _, reply = go(state, event)
        assert reply.ignored
    restarted, reply = go(state, Restart())
    assert reply.question.turn > moved.question.turn


# --- issue 8: every result has its values at every depth; edits keep every rule


FULL_TO_PARENTS = ["是", "full", SKIP, "1985-01-01", SKIP, "未婚", "0", "1"]


def test_switching_to_quick_after_counting_a_parent_still_asks_the_parents_age():
    # Found: a parent counted in the full interview, then /edit depth → quick,
    # then answering to the budget raised TypeError (the parent's age, asked
    # only at full depth, had no default) on every retry.
    state, reply, _, _ = interview(FULL_TO_PARENTS)
    assert step_of(reply) == "parent.1.age"
    state, reply = go(state, Edit("depth"))
    assert step_of(reply) == "depth"
    state, reply = go(state, Answer("quick"))
    # A step without a default is asked at every depth when it applies.
    assert step_of(reply) == "parent.1.age"
    asked = []
    for text in ("70", "30万", "10万", "0", "0", "0", "0", "3万"):
        asked.append(step_of(reply))
        state, reply = go(state, Answer(text))
        assert not [n for n in reply.notes if n.key.startswith("error.")], asked[-1]
    assert asked[-1] == "budget" and step_of(reply) == "contact_ok"
    assert reply.outcome is not None and reply.outcome.quick
    assert [p.age for p in reply.outcome.profile.parents] == [70]
    assert engine.conclusion(DIAGNOSIS, state, CTX) is not None


def test_a_default_that_cannot_be_worked_out_is_not_taken():
    # A default computed from other answers may have nothing to work from
    # (the spouse's age defaults to the client's): skipping is then refused
    # instead of storing None for the calculation.
    state, reply = engine.handle(TINY, engine.start(TINY, CTX)[0], Answer("full"), CTX)
    assert step_of(reply) == "income" and reply.question.default is None  # no skip button
    state, reply = engine.handle(TINY, state, Skip(), CTX)
    assert reply.notes[0].key == "error.no_default" and step_of(reply) == "income" and not state.skipped


# A flow whose income default cannot be worked out, asked only at full depth.
TINY = Flow("tiny", depth_key="depth", conclude=lambda values, assumed, ctx: values["income"] + 1, items=(
    Step("depth", "ask.depth", "choice", choices=("quick", "full"), quick=True),
    Step("income", "ask.income", "money", period="year", default=lambda answers, ctx: None),
    Step("budget", "ask.budget", "money", period="year", quick=True, default=0),
))


def test_a_missing_value_is_a_message_not_a_crash():
    # Unreachable in the diagnosis (tests/test_engine_properties.py proves its
    # defaults total), but a flow whose default cannot be worked out gets a
    # message naming the missing answer, never an exception.
    flow = TINY
    state, reply = engine.start(flow, CTX)
    state, reply = engine.handle(flow, state, Answer("quick"), CTX)
    state, reply = engine.handle(flow, state, Answer("3万"), CTX)
    assert reply.outcome is None and engine.conclusion(flow, state, CTX) is None
    assert [n.key for n in reply.notes][0] == "error.missing_value"
    assert reply.notes[0].params["question"].key == "label.income"


def test_editing_own_income_above_family_income_asks_family_income_again():
    # Found: own income edited to 200万 after family income 50万 left 50万
    # in place and the result was computed with family < own.
    answers = ["是", "full", SKIP, "1985-01-01", SKIP, "未婚", "0", "0", "30万", "50万"]
    state, reply, _, _ = interview(answers)
    assert step_of(reply) == "living_expenses"
    state, reply = go(state, Edit("income"), Answer("200万"))
    assert "family_income" not in state.answers and step_of(reply) == "family_income"
    note = reply.notes[0]
    assert note.key == "recheck.changed" and note.params["changed"].key == "label.income"
    assert note.params["question"].key == "label.family_income"
    assert note.params["reason"].key == "error.family_below_own"
    assert not reply.question.keeps_previous  # 50万 is not offered as "keep"
    _, again = go(state, Answer("50万"))
    assert again.notes[0].key == "error.family_below_own"
    state, reply = go(state, Answer("250万"))
    assert state.answers["family_income"] == 2_500_000 and step_of(reply) == "living_expenses"


def test_a_kept_answer_is_checked_again_after_going_back():
    answers = ["是", "full", SKIP, "1985-01-01", SKIP, "未婚", "0", "0", "30万", "50万"]
    state, _, _, _ = interview(answers)
    state, reply = go(state, Back(), Back())
    assert step_of(reply) == "income" and state.stash["family_income"] == 500_000
    state, reply = go(state, Answer("80万"))
    assert step_of(reply) == "family_income" and not reply.question.keeps_previous
    state, reply = go(state, Skip())  # the default (own + spouse), not the stale 50万
    assert "family_income" in state.skipped and step_of(reply) == "living_expenses"
    assert engine.resolved_answers(DIAGNOSIS, state, CTX)[0]["family_income"] == 800_000


def test_children_and_parents_ages_must_fit_the_clients_age():
    state, reply, _, _ = interview(["是", "full", SKIP, "1996-01-01", SKIP, "未婚", "1"])  # 30
    assert step_of(reply) == "child.1.age"
    _, reply = go(state, Answer("17"))
    assert reply.notes[0].key == "error.child_age" and reply.notes[0].params == {"age": 30, "max": 16}
    state, reply = go(state, Answer("16"), Skip(), Answer("1"))
    assert step_of(reply) == "parent.1.age"
    _, reply = go(state, Answer("43"))
    assert reply.notes[0].key == "error.parent_age" and reply.notes[0].params == {"age": 30, "min": 44}


def test_editing_the_date_of_birth_asks_again_the_ages_it_contradicts():
    answers = ["是", "full", SKIP, "1976-01-01", SKIP, "未婚", "2", "20", "8", SKIP, "1", "66", "1万", "30万"]
    state, reply, _, _ = interview(answers)  # 50 years old, children 20 and 8, a parent of 66
    assert step_of(reply) == "family_income"
    state, reply = go(state, Edit("birth_date"), Answer("1996-01-01"))  # now 30: a child of 20 cannot be
    assert "child.1.age" not in state.answers and state.answers["child.2.age"] == 8
    assert state.answers["parent.1.age"] == 66
    [note] = reply.notes
    assert note.key == "recheck.changed" and note.params["changed"].key == "label.birth_date"
    assert note.params["question"] == msg("label.child.age", n=1) and note.params["reason"].key == "error.child_age"
    assert step_of(reply) == "child.1.age"
    state, reply = go(state, Answer("6"))
    assert step_of(reply) == "family_income"
    state, reply = go(state, Edit("birth_date"), Answer("1966-01-01"))  # now 60: a parent of 66 cannot be
    assert [n.params["reason"].key for n in reply.notes] == ["error.parent_age"]
    assert "parent.1.age" not in state.answers and step_of(reply) == "parent.1.age"
    state, reply = go(state, Answer("86"))
    assert step_of(reply) == "family_income"


# --- family income ≥ own + spouse's income (issue 8, hostile tester) ----------------

MARRIED_FULL = ["是", "full", SKIP, "1985-01-01", SKIP, "已婚", SKIP, "15万", "0", "0", "40万"]


def test_family_income_below_own_plus_spouses_income_is_questioned():
    answers = list(MARRIED_FULL)
    answers[7] = "50万"  # spouse 50万, own 40万
    state, reply, _, _ = interview(answers)
    assert step_of(reply) == "family_income"
    _, reply = go(state, Answer("40万"))
    assert reply.rejected and step_of(reply) == "family_income"
    assert reply.notes[0].key == "error.family_below_both"
    assert reply.notes[0].params["min"].yuan == 900_000
    state, reply = go(state, Answer("90万"))
    assert state.answers["family_income"] == 900_000 and step_of(reply) == "living_expenses"


def test_editing_the_spouses_income_above_what_family_income_allows_asks_family_income_again():
    state, reply, _, _ = interview(MARRIED_FULL + ["55万"])  # the worked example's incomes
    assert step_of(reply) == "living_expenses"
    state, reply = go(state, Edit("spouse_income"), Answer("50万"))
    assert "family_income" not in state.answers and step_of(reply) == "family_income"
    [note] = reply.notes
    assert note.key == "recheck.changed" and note.params["changed"].key == "label.spouse_income"
    assert note.params["question"].key == "label.family_income"
    assert note.params["reason"].key == "error.family_below_both"
    assert not reply.question.keeps_previous  # 55万 no longer passes
    state, reply = go(state, Answer("95万"))
    assert step_of(reply) == "living_expenses" and state.answers["family_income"] == 950_000
    # Editing own income is checked against the sum too.
    state, reply = go(state, Edit("income"), Answer("50万"))
    assert step_of(reply) == "family_income" and reply.notes[0].params["changed"].key == "label.income"


# --- back while an edit is being answered (issue 8, hostile tester) -----------------

FULL_MARRIED_DONE = ["是", "full", "王", "1985-01-01", "男", "已婚", "40", "15万", "1", "8", SKIP, "0", "40万", "55万",
                     "20万", "0", "0", "0", "0", SKIP, SKIP, SKIP, "0", "0", "0", "0", "0", "否", "否", "0", SKIP, "10万"]


def test_back_during_an_edit_keeps_the_earlier_answer_and_never_pops_later_ones():
    state, reply, _, _ = interview(FULL_MARRIED_DONE)
    assert step_of(reply) == "contact_ok"
    answered = dict(state.answers)
    state, reply = go(state, Edit("income"))
    assert step_of(reply) == "income" and reply.question.keeps_previous
    # Back here means "keep 40万": the edit is abandoned, nothing else changes.
    state, reply = go(state, Back())
    assert state.answers == answered and step_of(reply) == "contact_ok"
    # The tester's walk: edit → income → back → back → 40万. Every back keeps
    # or re-asks the income; budget and priorities are never taken back.
    state, reply = go(state, Edit("income"), Back(), Back())
    assert step_of(reply) == "income" and reply.question.keeps_previous
    assert {k: v for k, v in state.answers.items()} == {k: v for k, v in answered.items() if k != "income"}
    state, reply = go(state, Answer("40万"))
    assert state.answers == answered and step_of(reply) == "contact_ok"


def test_back_during_an_edit_without_an_earlier_answer_goes_to_the_previous_step_not_the_newest_answer():
    state, _, _, _ = interview(FULL_MARRIED_DONE)
    state, reply = go(state, Edit("children_count"), Answer("2"))
    assert step_of(reply) == "child.2.age" and not reply.question.keeps_previous
    later = {k for k in state.answers if k not in ("children_count", "child.1.age")}
    state, reply = go(state, Back())
    # The newest answer was children_count: it is asked again (with 保持), and
    # no answer after it in the flow (budget, priorities…) was taken back.
    assert step_of(reply) == "children_count" and reply.question.keeps_previous
    assert later <= set(state.answers) | set(state.skipped)
    state, reply = go(state, Back())  # back again = keep 2
    assert step_of(reply) == "child.2.age" and state.answers["children_count"] == 2
    state, reply = go(state, Answer("3"))
    assert step_of(reply) == "child.2.education"  # full depth: the new child's education too
    state, reply = go(state, Skip())
    assert step_of(reply) == "contact_ok" and reply.outcome is not None


# --- an answer taken back by its rule is offered again when it fits again --------------


def test_an_answer_taken_back_by_a_recheck_is_kept_when_the_change_is_reverted():
    state, _, _, _ = interview(FULL_MARRIED_DONE)
    assert state.answers["child.1.age"] == 8
    state, reply = go(state, Edit("birth_date"), Answer("2005-01-01"))  # 21: a child of 8 cannot be
    assert step_of(reply) == "child.1.age" and not reply.question.keeps_previous
    state, reply = go(state, Back())  # to the date of birth, the change just made
    assert step_of(reply) == "birth_date"
    state, reply = go(state, Answer("1985-01-01"))
    assert step_of(reply) == "child.1.age" and reply.question.keeps_previous
    assert reply.question.default.params["text"] == "8"
    state, reply = go(state, Skip())  # 保持
    assert state.answers["child.1.age"] == 8 and step_of(reply) == "contact_ok"
