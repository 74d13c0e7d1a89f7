"""The secrecy scanner (保密审查): what it finds, what it leaves, how it masks and redacts."""

from __future__ import annotations

import datetime as dt
import random

from tongban.core.identifiers import make_resident_id

from ..secrecy import digest_of, redact, scan

ID = make_resident_id(random.Random(7), region="420102", born=dt.date(1986, 5, 17))
BAD_ID = ID[:17] + ("0" if ID[17] != "0" else "1")  # the check character wrong


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in scan(text)]


def test_id_number_with_a_valid_check_character_only():
    text = f"经核查，{ID}与{BAD_ID}两个号码。"
    assert kinds(text) == [("id_card", ID)]


def test_mobile_and_landline():
    text = "咨询电话：027-87654321，值班手机13907161234；编号2026031512345678不是电话。"
    assert kinds(text) == [("landline", "027-87654321"), ("mobile", "13907161234")]


def test_names_in_a_personal_context():
    text = "姓名：刘晓燕，申请人张建华于2025年3月提出申请，经黄伟同志核实，当事人赵某某未到场。"
    assert kinds(text) == [("name", "刘晓燕"), ("name", "张建华"), ("name", "黄伟")]


def test_compound_surname_after_a_cue():
    assert kinds("联系人欧阳娜娜负责") == [("name", "欧阳娜娜")]


def test_names_outside_a_personal_context_and_pseudonyms_are_left():
    text = "湖北省人民政府办公厅关于印发武汉城市圈同城化发展实施意见的通知。当事人张某、村民李某某。"
    assert scan(text) == []


def test_excerpt_masks_every_finding_and_never_holds_a_value():
    text = f"姓名：王小红，身份证号码：{ID}，手机：13807161234。"
    findings = scan(text)
    assert [f.kind for f in findings] == ["name", "id_card", "mobile"]
    for f in findings:
        assert ID not in f.masked and "13807161234" not in f.masked and "王小红" not in f.masked
    assert f"{ID[:4]}**********{ID[-4:]}" in findings[1].masked
    assert "王**" in findings[0].masked
    assert "138****1234" in findings[2].masked
    assert findings[1].digest == digest_of("id_card", ID)


def test_redact_masks_every_occurrence_and_rescans_clean():
    text = f"申请人王建国（{ID}），王建国同志电话13807161234。"
    name = scan(text)[0]
    once, n = redact(text, "name", name.digest)
    assert n == 2
    assert once == f"申请人王**（{ID}），王**同志电话13807161234。"
    ided, n = redact(once, "id_card", digest_of("id_card", ID))
    assert (n, f"{ID[:4]}**********{ID[-4:]}" in ided) == (1, True)
    clean, n = redact(ided, "mobile", digest_of("mobile", "13807161234"))
    assert n == 1
    assert scan(clean) == []
    # A digest of no value in the text changes nothing.
    assert redact(clean, "mobile", digest_of("mobile", "13900000000")) == (clean, 0)


def test_empty_text():
    assert scan("") == [] and scan(None) == []
