"""A tester's defects in the engine, each fixed as a class: a compound answer
read in part is remembered (amounts, a count of children); a repeat's answers
follow their item, and its wording names it; an answer given together with
others is confirmed when they change; ages read with 岁; 保持 with the default
offered too."""

from flows import engine
from flows.diagnosis import DIAGNOSIS
from flows.engine import Answer, Back, Deepen, Edit, Resume, Skip, State
from flows.messages import msg
from tests.helpers import CTX, DEEPEN, SKIP, ZH, interview, step_of

# consent, birth date, marital, children, income, living expenses, mortgage → at resources
AT_RESOURCES = ["是", "1990-05-01", "未婚", "没有", "20万", "10万", "0"]
AT_CHILDREN = ["是", "1990-05-01", "未婚"]


def go(state, *events):
    reply = None
    for event in events:
        state, reply = engine.handle(DIAGNOSIS, state, event, CTX)
    return state, reply


def notes(reply) -> list[str]:
    return [ZH(n) for n in reply.notes]


def resources(savings, life, ci) -> dict[str, int]:
    return {"savings": savings, "life_cover": life, "ci_cover": ci}


# --- 1. a partial compound answer is remembered ------------------------------------


def test_the_amounts_read_are_remembered_and_the_next_reply_gives_the_rest():
    # Found: 存款60万 was refused with 还差:寿险保额、重疾险保额, then "0" was
    # read as all three 0: the 60万 was lost.
    state, reply, _, _ = interview(AT_RESOURCES)
    assert step_of(reply) == "resources"
    asked, reply = go(state, Answer("存款60万"))
    assert reply.rejected and [n.key for n in reply.notes] == ["note.amounts_taken", "error.amounts_missing"]
    assert notes(reply) == ["已记下:存款60万。", "还差:寿险保额、重疾险保额(没有请写 0)。补上即可,例如:寿险50万、重疾20万。"]
    assert asked.partial == {"resources": {"savings": 600_000}}
    for rest, value in (("0", resources(600_000, 0, 0)), ("没有", resources(600_000, 0, 0)),
                        ("寿险50万、重疾20万", resources(600_000, 500_000, 200_000)),
                        ("50万 20万", resources(600_000, 500_000, 200_000)),
                        # All three again: a whole answer, which replaces what was read.
                        ("存款80万,寿险0,重疾0", resources(800_000, 0, 0)),
                        ("60万 50万 20万", resources(600_000, 500_000, 200_000)),
                        ("存款100万,其他都没有", resources(1_000_000, 0, 0))):
        new, reply = go(asked, Answer(rest))
        assert not reply.rejected and new.answers["resources"] == value, rest
        assert new.partial == {} and step_of(reply) == "budget"
    new, reply = go(asked, Answer("0"))
    assert notes(reply) == ["已记下:存款60万、寿险0、重疾0。"]


def test_amounts_given_over_several_replies_add_up():
    state, _, _, _ = interview(AT_RESOURCES)
    # The tester's second case: 寿险50万, then 存款60万、重疾20万 was refused again.
    state, reply = go(state, Answer("寿险50万"), Answer("存款60万、重疾20万"))
    assert state.answers["resources"] == resources(600_000, 500_000, 200_000)
    state, _, _, _ = interview(AT_RESOURCES)
    state, reply = go(state, Answer("存款60万"), Answer("寿险50万"))
    assert reply.rejected and notes(reply)[0] == "已记下:存款60万、寿险50万。"
    assert reply.notes[1].params["missing"] == [msg("part.ci_cover")]
    assert state.partial == {"resources": {"savings": 600_000, "life_cover": 500_000}}
    # A part said again replaces it; a refused reply forgets nothing.
    state, reply = go(state, Answer("存款70万"), Answer("什么意思"), Answer("没有"))
    assert state.answers["resources"] == resources(700_000, 500_000, 0)


def test_what_was_read_in_part_goes_with_the_next_event_that_acts_and_survives_a_restart():
    state, _, _, _ = interview(AT_RESOURCES)
    asked, _ = go(state, Answer("存款60万"))
    stored = State.model_validate_json(asked.model_dump_json())
    assert stored.partial == {"resources": {"savings": 600_000}}
    resumed, _ = go(stored, Resume())  # a re-send keeps it
    new, _ = go(resumed, Answer("0"))
    assert new.answers["resources"] == resources(600_000, 0, 0)
    moved, _ = go(stored, Back())  # another event: forgotten
    assert moved.partial == {}
    # 跳过 takes the default for the rest only: what was said is kept.
    skipped, _ = go(stored, Skip())
    assert skipped.partial == {} and skipped.answers["resources"] == resources(600_000, 0, 0)


def test_a_refused_skip_forgets_nothing_remembered():
    # The children's ages have no default: 跳过 is refused, and the count said stays.
    state, _, _, _ = interview(AT_CHILDREN)
    asked, _ = go(state, Answer("两个孩子"))
    assert asked.partial
    refused, reply = go(asked, Skip())
    assert [n.key for n in reply.notes] == ["error.no_default"] and refused.partial == asked.partial


def test_a_refused_skip_keeps_the_amount_asked_back():
    state, reply, _, _ = interview(["是", "1990-05-01", "未婚", "没有", "30万"])
    assert reply.question.step == "living_expenses"
    asked, _ = go(state, Answer("1.5万"))
    assert asked.period_unclear == {"living_expenses": 15_000}
    refused, reply = go(asked, Skip())
    assert [n.key for n in reply.notes] == ["error.no_default"] and refused.period_unclear == asked.period_unclear
    taken, _ = go(refused, Answer("每月"))
    assert taken.answers["living_expenses"] == 180_000


def test_an_edit_of_the_amounts_remembers_a_part_too():
    state, _, _, _ = interview(AT_RESOURCES + ["存款30万、寿险10万、重疾0", "5万"])
    state, reply = go(state, Edit("resources"), Answer("存款60万"))
    assert reply.rejected and reply.question.keeps_previous  # 保持 still offered
    state, reply = go(state, Answer("0"))
    assert state.answers["resources"] == resources(600_000, 0, 0) and step_of(reply) == "contact_ok"


def test_a_count_of_children_said_first_must_be_matched_by_the_ages_that_follow():
    # Found: 两个孩子 (asked for the ages), then 5岁 was taken as one child.
    state, reply, _, _ = interview(AT_CHILDREN)
    assert step_of(reply) == "children"
    asked, reply = go(state, Answer("两个孩子"))
    assert reply.rejected and reply.notes[0] == msg("error.ages_needed", n=2) and asked.partial == {"children": 2}
    new, reply = go(asked, Answer("5岁"))
    # The error "两个孩子,5岁" in one message gets; the count is still remembered.
    assert reply.rejected and reply.notes[0] == msg("error.ages_count_mismatch", count=2, ages=1)
    assert new.partial == {"children": 2}
    new, reply = go(new, Answer("5岁和3岁"))
    assert new.answers["children"] == [5, 3] and new.partial == {}
    for reply_text, ages in (("5岁、3岁", [5, 3]), ("都5岁", [5, 5]), ("双胞胎4岁", [4, 4]),
                             # a reply that says a count itself replaces it
                             ("一个孩子,5岁", [5]), ("三个孩子,1岁、2岁、3岁", [1, 2, 3])):
        new, reply = go(asked, Answer(reply_text))
        assert not reply.rejected and new.answers["children"] == ages, reply_text
    for contradiction in ("没有", "0"):  # right after 两个孩子: asked again, never taken as none
        new, reply = go(asked, Answer(contradiction))
        assert reply.rejected and "children" not in new.answers and new.partial == {"children": 2}
    again, reply = go(asked, Answer("三个孩子"))
    assert reply.notes[0] == msg("error.ages_needed", n=3) and again.partial == {"children": 3}
    _, reply = go(again, Answer("5岁、3岁"))
    assert reply.notes[0] == msg("error.ages_count_mismatch", count=3, ages=2)
    # Another event: the count is forgotten.
    moved, _ = go(asked, Back(), Answer("未婚"))
    new, reply = go(moved, Answer("5岁"))
    assert new.answers["children"] == [5]


def test_an_edit_of_the_children_remembers_a_count_too():
    state, _, _, _ = interview(AT_CHILDREN + ["5岁", "20万", "10万", "0", "没有", "5万"])
    state, reply = go(state, Edit("children"), Answer("两个孩子"), Answer("8岁"))
    assert reply.rejected and reply.notes[0].key == "error.ages_count_mismatch"
    state, reply = go(state, Answer("8岁、5岁"))
    assert state.answers["children"] == [8, 5]


# --- 3. a repeat's answers follow their item -----------------------------------------

# Full depth, married, children 3 and 5 with education funds 80万 and 30万.
FULL_TWO_CHILDREN = ["是", DEEPEN, "王", "1985-01-01", "男", "已婚", "40", "15万", "3岁、5岁", SKIP, "0", "40万",
                     "55万", "20万", "0", "0", "0", "80万", "30万", SKIP, SKIP, SKIP, "0", "没有", "0", "否", "否", "0",
                     SKIP, "10万"]


def test_the_education_funds_follow_their_child_when_the_children_change():
    # Found: children [3, 5] with funds 80万 and 30万, edited to 5岁, kept 80万
    # (the removed 3-year-old's fund) for the 5-year-old.
    state, reply, _, _ = interview(FULL_TWO_CHILDREN)
    assert step_of(reply) == "contact_ok"
    assert (state.answers["child.1.education"], state.answers["child.2.education"]) == (800_000, 300_000)
    state, reply = go(state, Edit("children"), Answer("5岁"))
    assert state.answers["child.1.education"] == 300_000 and "child.2.education" not in state.answers
    assert step_of(reply) == "contact_ok"  # nothing to ask: the 5-year-old's fund is known
    assert [(c.age, c.education) for c in reply.outcome.profile.children] == [(5, 300_000)]
    # Growing [5] to 3岁和5岁: the 5-year-old keeps 30万, the new 3-year-old is asked.
    state, reply = go(state, Edit("children"), Answer("3岁和5岁"))
    assert state.answers["child.2.education"] == 300_000 and "child.1.education" not in state.answers
    assert step_of(reply) == "child.1.education" and ZH(reply.question.text).startswith("3岁的孩子")
    state, reply = go(state, Answer("60万"))
    assert [(c.age, c.education) for c in reply.outcome.profile.children] == [(3, 600_000), (5, 300_000)]
    # The same ages in another order: each fund moves with its child.
    state, reply = go(state, Edit("children"), Answer("5岁、3岁"))
    assert (state.answers["child.1.education"], state.answers["child.2.education"]) == (300_000, 600_000)
    assert step_of(reply) == "contact_ok"


def test_a_skipped_fund_follows_its_child_and_a_changed_age_is_asked_again():
    answers = list(FULL_TWO_CHILDREN)
    answers[17] = SKIP  # the 3-year-old's fund: the default
    state, _, _, _ = interview(answers)
    assert "child.1.education" in state.skipped
    state, reply = go(state, Edit("children"), Answer("5岁、3岁"))
    assert "child.2.education" in state.skipped and state.answers["child.1.education"] == 300_000
    # An age that changed is another child as far as the answers tell: asked again.
    state, reply = go(state, Edit("children"), Answer("6岁、3岁"))
    assert step_of(reply) == "child.1.education" and "child.2.education" in state.skipped
    assert engine.invariant_violations(DIAGNOSIS, state, CTX) == []


def test_a_repeats_wording_and_labels_name_the_item():
    state, reply, _, _ = interview(FULL_TWO_CHILDREN[:17])
    assert ZH(reply.question.text) == "3岁的孩子今后还需要多少教育金(学费、培训等合计)?"
    state, reply = go(state, Answer("80万"))
    assert ZH(reply.question.text).startswith("5岁的孩子")
    _, menu = go(state, Edit())
    labels = {i.key: ZH(i.question) for i in menu.edit_menu}
    assert labels["child.1.education"] == "3岁孩子的教育金"
    # Twins of one age are told apart; one child is just 孩子.
    twins = DIAGNOSIS.expand({"children": [4, 4, 9]})
    texts = [ZH(msg(s.prompt, **s.params)) for s in twins if s.key.startswith("child.")]
    assert texts[0].startswith("第1个4岁的孩子") and texts[1].startswith("第2个4岁的孩子")
    assert texts[2].startswith("9岁的孩子")
    [one] = [s for s in DIAGNOSIS.expand({"children": [7]}) if s.key.startswith("child.")]
    assert ZH(msg(one.label_key, **one.params)) == "孩子的教育金"
    # The expansion is cached by the items where the params name them.
    assert [s.params for s in DIAGNOSIS.expand({"children": [3, 5]}) if s.key.startswith("child.")] == [
        {"n": 1, "age": 3}, {"n": 2, "age": 5}]
    assert [s.params for s in DIAGNOSIS.expand({"children": [5, 3]}) if s.key.startswith("child.")] == [
        {"n": 1, "age": 5}, {"n": 2, "age": 3}]


# --- 4. an answer given together with others is confirmed when they change ----------------

FULL_MARRIED_DONE = ["是", DEEPEN, "王", "1985-01-01", "男", "已婚", "40", "15万", "8", SKIP, "0", "40万", "55万",
                     "20万", "0", "0", "0", "0", SKIP, SKIP, SKIP, "0", "没有", "0", "否", "否", "0", SKIP, "10万"]


def test_a_new_marital_status_asks_the_family_income_again_with_keep_and_the_default():
    # Found: family income 55万 (own 40万 + spouse 15万) stayed after 离异.
    state, reply, _, _ = interview(FULL_MARRIED_DONE)
    assert step_of(reply) == "contact_ok" and state.answers["family_income"] == 550_000
    state, reply = go(state, Edit("marital"), Answer("离异"))
    assert "spouse_income" not in state.answers and "family_income" not in state.answers
    assert notes(reply) == ["您改了婚姻状况,请确认家庭税后年收入。"]
    q = reply.question
    assert q.step == "family_income" and q.keeps_previous and ZH(q.default) == "55万/年"
    assert ZH(q.also_default) == "40万/年"  # own income alone: the default now
    kept, reply = go(state, Skip())  # 保持
    assert kept.answers["family_income"] == 550_000 and step_of(reply) == "contact_ok"
    skipped, reply = go(state, Skip(keep=False))  # 跳过: the default
    assert "family_income" in skipped.skipped and reply.outcome.profile.family_income == 400_000
    typed, reply = go(state, Answer("45万"))
    assert typed.answers["family_income"] == 450_000 and step_of(reply) == "contact_ok"


def test_the_family_income_is_confirmed_after_either_income_changes_unless_nothing_changed():
    state, _, _, _ = interview(FULL_MARRIED_DONE)
    lower, reply = go(state, Edit("spouse_income"), Answer("5万"))  # 55万 still passes, but may now be too much
    assert step_of(reply) == "family_income" and reply.question.keeps_previous
    assert [n.key for n in reply.notes] == ["recheck.confirm"]
    assert reply.notes[0].params["changed"] == msg("label.spouse_income")
    _, reply = go(state, Edit("income"), Answer("45万"))
    assert step_of(reply) == "family_income" and reply.notes[0].params["changed"] == msg("label.income")
    # The same answer again (or 保持): nothing changed, nothing asked.
    for events in ([Edit("marital"), Answer("已婚")], [Edit("income"), Answer("40万")], [Edit("income"), Skip()]):
        same, reply = go(state, *events)
        assert same.answers == state.answers and step_of(reply) == "contact_ok", events
    # An amount that now breaks its rule is the re-check's: its reason said, no 保持.
    _, reply = go(state, Edit("spouse_income"), Answer("50万"))
    assert [n.key for n in reply.notes] == ["recheck.changed"] and not reply.question.keeps_previous


def test_at_quick_depth_a_confirmed_answer_gives_way_to_its_default():
    state, _, _, _ = interview(FULL_MARRIED_DONE)
    state, reply = go(state, Edit("depth"), Answer("quick"))
    assert state.answers["family_income"] == 550_000
    state, reply = go(state, Edit("marital"), Answer("离异"))
    assert not [n for n in reply.notes if n.key == "recheck.confirm"]  # not asked at quick depth
    assert state.stash["family_income"] == 550_000 and reply.outcome.profile.family_income == 400_000
    state, reply = go(state, Deepen())
    while step_of(reply) != "family_income":
        state, reply = go(state, Skip())
    assert reply.question.keeps_previous and ZH(reply.question.default) == "55万/年"


# --- 5. ages read with 岁 ----------------------------------------------------------------


def test_a_whole_number_that_is_an_age_reads_with_sui():
    state, _, _, _ = interview(FULL_MARRIED_DONE)
    _, menu = go(state, Edit())
    values = {i.key: ZH(i.value) for i in menu.edit_menu}
    assert values["spouse_age"] == "40岁" and values["children"] == "8岁"
    assert values["parents_count"] == "0" and values["support_years"].startswith("14")  # counts, not ages
    state, reply = go(state, Edit("spouse_age"))
    assert ZH(reply.question.default) == "40岁"  # 保持:40岁


# --- 6. 保持 and the default both, when they differ --------------------------------------


def test_a_kept_answer_and_a_passing_default_are_both_offered():
    # Found: spouse's income edited to 50万 (family 55万 taken back), back,
    # spouse's income 10万: family income was asked with 保持 55万 only, though
    # its default (own + spouse = 50万) passes.
    state, _, _, _ = interview(FULL_MARRIED_DONE)
    state, reply = go(state, Edit("spouse_income"), Answer("50万"))
    assert step_of(reply) == "family_income" and not reply.question.keeps_previous
    assert ZH(reply.question.default) == "90万/年" and reply.question.also_default is None
    state, reply = go(state, Back())
    assert step_of(reply) == "spouse_income"
    state, reply = go(state, Answer("10万"))
    q = reply.question
    assert q.step == "family_income" and q.keeps_previous and ZH(q.default) == "55万/年"
    assert ZH(q.also_default) == "50万/年"
    state, reply = go(state, Skip(keep=False))
    assert "family_income" in state.skipped
    assert engine.resolved_answers(DIAGNOSIS, state, CTX)[0]["family_income"] == 500_000
    # No second button when the default is the kept answer.
    state, reply = go(state, Edit("family_income"))
    assert not reply.question.keeps_previous and reply.question.also_default is None


def test_the_depth_skipped_to_its_default_then_deepened_is_answered_not_skipped():
    # Found by the walks once 跳过 could be pressed beside 保持: the depth being
    # changed, 跳过 (quick, its default), then /deepen left it answered and skipped.
    state, _, _, _ = interview(FULL_MARRIED_DONE)
    state, reply = go(state, Edit("depth"))
    assert reply.question.keeps_previous and reply.question.also_default is not None
    state, reply = go(state, Skip(keep=False))
    assert "depth" in state.skipped
    state, reply = go(state, Deepen())
    assert state.answers["depth"] == "full" and "depth" not in state.skipped
    assert engine.invariant_violations(DIAGNOSIS, state, CTX) == []


def test_support_years_typed_for_a_family_are_asked_again_when_the_children_change():
    # Found: 19 years typed at full depth (youngest child 3) stayed after the
    # children were edited to none: the card still said 19 years.
    from flows.engine import Deepen
    state, _, _, _ = interview(["是", "1990-05-01", "已婚", "0", "3岁", "20万", "10万", "0", "没有", "1万"])
    state, reply = go(state, Deepen())
    while reply.question.step != "support_years":
        state, reply = go(state, Skip())
    state, reply = go(state, Answer("19"))
    state, reply = go(state, Edit("children"), Answer("没有"))
    keys = [n.key for n in reply.notes]
    assert "support_years" not in state.answers and "recheck.confirm" in keys
    assert reply.question.step == "support_years" and reply.question.keeps_previous
