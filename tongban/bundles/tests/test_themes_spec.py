"""The theme spec: parsing with field paths, dependency order and cycles, the questionnaire,
the combined form and the material plan (pure functions, no database)."""

from __future__ import annotations

import copy

import pytest

from tongban.bundles import spec as specs
from tongban.core.errors import InvalidInput

LICENCE = "11100000000013338W001"

NEWBORN = {
    "promised_days": 5,
    "questions": [
        {
            "key": "parents_local",
            "text": "父母双方是否均为本地户籍？",
            "choices": [{"value": "yes", "label": "是"}, {"value": "no", "label": "否"}],
        },
        {
            "key": "insure",
            "text": "是否为新生儿办理医保参保？",
            "choices": [{"value": "yes", "label": "是"}, {"value": "no", "label": "否"}],
        },
    ],
    "shared_fields": [
        {"key": "baby_name", "label": "新生儿姓名", "type": "text", "required": True},
        {"key": "guardian_phone", "label": "监护人电话", "type": "mobile", "required": True},
    ],
    "shared_materials": [{"key": "birth_cert", "name": "出生医学证明", "licence_type": "BIRTHCERT001"}],
    "members": [
        {"key": "birth", "item_code": "A1", "fields": {"child_name": "baby_name"}},
        {
            "key": "hukou",
            "item_code": "A2",
            "requires": [{"member": "birth", "result": "BIRTHCERT001"}],
            "fields": {"child_name": "baby_name", "phone": "guardian_phone"},
            "materials": {"出生医学证明": "birth_cert"},
        },
        {
            "key": "elsewhere",
            "item_code": "A3",
            "when": [{"question": "parents_local", "in": ["no"]}],
            "requires": [{"member": "birth", "result": "BIRTHCERT001"}],
            "materials": {"出生医学证明": "birth_cert"},
        },
        {
            "key": "insurance",
            "item_code": "A4",
            "when": [{"question": "insure", "in": ["yes"]}],
            "requires": [{"member": "hukou", "result": "HUKOU001"}],
            "on_requirement_refused": "pause",
        },
    ],
}


def doc(**changes):
    d = copy.deepcopy(NEWBORN)
    d.update(changes)
    return d


def problem_fields(excinfo) -> list[str]:
    return [p.field for p in excinfo.value.problems]


def test_parse_round_trips_the_document():
    spec = specs.parse(NEWBORN)
    assert [m.key for m in spec.members] == ["birth", "hukou", "elsewhere", "insurance"]
    assert spec.member("hukou").field_map == {"child_name": "baby_name", "phone": "guardian_phone"}
    assert spec.member("insurance").on_requirement_refused == "pause"
    assert specs.parse(spec.to_doc()) == spec


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(members=[]), "members"),
        (lambda d: d["members"][1]["requires"][0].update(member="nobody"), "members[1].requires[0].member"),
        (lambda d: d["members"][1]["requires"][0].update(member="hukou"), "members[1].requires[0].member"),
        (lambda d: d["members"][2]["when"][0].update(question="unknown"), "members[2].when[0].question"),
        (lambda d: d["members"][2]["when"][0].update({"in": ["maybe"]}), "members[2].when[0].in[0]"),
        (lambda d: d["members"][1]["fields"].update(phone="no_such_field"), "members[1].fields.phone"),
        (
            lambda d: d["members"][1]["materials"].update({"出生医学证明": "nope"}),
            "members[1].materials.出生医学证明",
        ),
        (
            lambda d: d["members"][3].update(on_requirement_refused="explode"),
            "members[3].on_requirement_refused",
        ),
        (lambda d: d["members"][0].update(key="Birth"), "members[0].key"),
        (lambda d: d["members"][1].update(key="birth"), "members[1].key"),
        (lambda d: d["members"][0].update(item_code=""), "members[0].item_code"),
        (lambda d: d.update(promised_days=-1), "promised_days"),
        (
            lambda d: d["questions"][0].update(choices=[{"value": "yes", "label": "是"}]),
            "questions[0].choices",
        ),
        (lambda d: d.update(extra=1), "extra"),
    ],
)
def test_parse_refuses_naming_the_field(change, field):
    d = doc()
    change(d)
    with pytest.raises(InvalidInput) as excinfo:
        specs.parse(d)
    assert field in problem_fields(excinfo)


def test_parse_refuses_what_is_not_an_object():
    with pytest.raises(InvalidInput) as excinfo:
        specs.parse([1, 2])
    assert problem_fields(excinfo) == ["spec"]


def test_order_layers_follow_the_dependencies():
    spec = specs.parse(NEWBORN)
    assert specs.order(spec) == [["birth"], ["hukou", "elsewhere"], ["insurance"]]
    assert specs.dependants(spec, "birth") == ["hukou", "elsewhere", "insurance"]
    assert specs.dependants(spec, "hukou") == ["insurance"]


def test_order_refuses_a_cycle_naming_it():
    d = doc()
    d["members"][0]["requires"] = [{"member": "insurance", "result": "X"}]
    spec = specs.parse(d)  # the shape is fine; the graph is not
    with pytest.raises(InvalidInput) as excinfo:
        specs.order(spec)
    assert problem_fields(excinfo) == ["members[0].requires"]
    assert "birth → insurance → hukou → birth" in excinfo.value.message


def test_order_of_applicable_members_drops_requirements_on_absent_ones():
    spec = specs.parse(NEWBORN)
    chosen = [spec.member("birth"), spec.member("insurance")]
    assert specs.order(spec, chosen) == [["birth", "insurance"]]


def test_applicable_members_follow_the_answers():
    spec = specs.parse(NEWBORN)
    keys = [m.key for m in specs.applicable(spec, {"parents_local": "yes", "insure": "no"})]
    assert keys == ["birth", "hukou"]
    keys = [m.key for m in specs.applicable(spec, {"parents_local": "no", "insure": "yes"})]
    assert keys == ["birth", "hukou", "elsewhere", "insurance"]


def test_applicable_refuses_missing_and_unknown_answers():
    spec = specs.parse(NEWBORN)
    with pytest.raises(InvalidInput) as excinfo:
        specs.applicable(spec, {"parents_local": "yes"})
    assert problem_fields(excinfo) == ["answers.insure"]
    with pytest.raises(InvalidInput) as excinfo:
        specs.applicable(spec, {"parents_local": "perhaps", "insure": "no"})
    assert problem_fields(excinfo) == ["answers.parents_local"]


def test_answers_excluding_every_member_are_refused():
    d = doc()
    for m in d["members"]:
        m["when"] = [{"question": "insure", "in": ["yes"]}]
    spec = specs.parse(d)
    with pytest.raises(InvalidInput) as excinfo:
        specs.applicable(spec, {"parents_local": "yes", "insure": "no"})
    assert problem_fields(excinfo) == ["answers"]


def test_combined_form_asks_shared_fields_once_and_keeps_member_only_fields():
    spec = specs.parse(NEWBORN)
    members = specs.applicable(spec, {"parents_local": "no", "insure": "no"})
    forms = {
        "birth": {
            "sections": [{"title": "出生信息", "fields": [{"name": "child_name"}, {"name": "birth_place"}]}]
        },
        "hukou": {"sections": [{"title": "户口", "fields": [{"name": "child_name"}, {"name": "phone"}]}]},
        "elsewhere": {"sections": [{"title": "异地", "fields": [{"name": "origin"}]}]},
    }
    form = specs.combined_form(spec, members, forms)
    assert [f.key for f in form.shared] == ["baby_name", "guardian_phone"]
    assert [(s.member, [f["name"] for f in s.fields]) for s in form.sections] == [
        ("birth", ["birth_place"]),
        ("elsewhere", ["origin"]),
    ]
    assert form.targets["baby_name"] == [("birth", "child_name"), ("hukou", "child_name")]
    assert specs.member_values(
        spec.member("hukou"), {"baby_name": "张小明", "guardian_phone": "13800000000"}, {}
    ) == {
        "child_name": "张小明",
        "phone": "13800000000",
    }


def test_material_plan_deduplicates_and_exempts_what_the_bundle_produces():
    spec = specs.parse(NEWBORN)
    members = specs.applicable(spec, {"parents_local": "no", "insure": "no"})
    item_materials = {
        "birth": [specs.ItemMaterial("父母身份证", ""), specs.ItemMaterial("住院分娩记录", "")],
        "hukou": [
            specs.ItemMaterial("出生医学证明", "BIRTHCERT001"),
            specs.ItemMaterial("户口簿", "HUKOU001"),
            specs.ItemMaterial("父母身份证", ""),
        ],
        "elsewhere": [
            specs.ItemMaterial("出生医学证明", "BIRTHCERT001"),
            specs.ItemMaterial("户口簿", "HUKOU001"),
            specs.ItemMaterial("情况说明", "", required=False),
        ],
    }
    plan = specs.material_plan(spec, members, (), item_materials=item_materials)
    rows = [(p.key, p.members, p.exempt, p.produced_by) for p in plan]
    assert rows == [
        ("birth_cert", ("hukou", "elsewhere"), "produced", "birth"),
        ("name:父母身份证", ("birth", "hukou"), "", ""),
        ("name:住院分娩记录", ("birth",), "", ""),
        ("licence:HUKOU001", ("hukou", "elsewhere"), "", ""),
    ]
    held = specs.material_plan(spec, members, {"HUKOU001"}, item_materials=item_materials)
    assert [p.exempt for p in held] == ["produced", "", "", "held"]
    assert sum(p.to_upload for p in held) == 2
    # a member material named like a shared one is the shared one
    item_materials["elsewhere"].append(specs.ItemMaterial("出生医学证明", ""))
    plan = specs.material_plan(spec, members, (), item_materials=item_materials)
    assert plan[0].members == ("hukou", "elsewhere")
