"""Every user-facing string goes through the zh_CN catalog."""

import re
from pathlib import Path

from bot.i18n import catalog_keys
from flows.diagnosis import DIAGNOSIS
from flows.engine import describe, options
from flows.messages import msg
from tests.helpers import ZH

ROOT = Path(__file__).resolve().parent.parent


def test_every_literal_message_id_in_the_code_is_translated():
    known = catalog_keys("zh_CN")
    used = set()
    for path in list((ROOT / "flows").glob("*.py")) + list((ROOT / "bot").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bmsg\(\s*"([a-z_.]+)"', text))
        used |= set(re.findall(r'\.text\(\s*"([a-z_.]+)"', text))
        used |= set(re.findall(r'_say\(\s*"([a-z_.]+)"', text))
    assert used, "the scan found nothing: the pattern is broken"
    assert not used - known, sorted(used - known)


def test_every_step_renders_prompt_label_section_hint_and_options():
    steps = DIAGNOSIS.expand({"children_count": 2, "parents_count": 2})
    for step in steps:
        assert "{" not in ZH(msg(step.prompt, **step.params))
        ZH(msg(step.label_key, **step.params))
        ZH(msg(step.section))
        if step.hint:
            ZH(msg(step.hint))
        for option in options(step):
            ZH(option.label)
            value = {"yes_no": option.id == "yes", "ranking": [option.id]}.get(step.kind, option.id)
            ZH(describe(step, value))
