"""The demo's policies (tongban/demo/openness.py) on a small world holding two of the demo's
departments: what their policies become (published with interpretations and links, repealed,
draft, under 保密审查 with findings), and a second run writes nothing."""

from __future__ import annotations

import pytest

from tongban.catalog.testing import make_basic_item, make_item
from tongban.demo import openness as demo
from tongban.demo.data.departments import credit_code_for

from ..enums import FindingStatus, PolicyState, Validity
from ..models import Policy
from .policy_world import department, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(regions_loaded):
    from tongban.core import services as core_services

    market = core_services.do_upsert_department(
        actor="system:test",
        name="湖北省市场监督管理局",
        credit_code=credit_code_for("湖北省市场监督管理局", "420000"),
        region_code="420000",
        kind="bureau",
    )
    jiangxia = department(demo.JIANGXIA, region="420115")
    for username, role in (
        ("clerk", "window_clerk"),
        ("deptadmin", "department_admin"),
        ("officer", "approving_officer"),
    ):
        staff(username, role, dept=jiangxia)
    item = make_item(jiangxia, make_basic_item(name="食品经营许可"))
    return market, jiangxia, item


def test_seed_policies(demo_world):
    _market, _jiangxia, item = demo_world
    lines: list[str] = []
    assert demo.seed_policies(say=lines.append) == 5
    states = dict(Policy.objects.values_list("number", "state"))
    assert states == {
        "鄂市监规〔2024〕5号": PolicyState.REPEALED,
        "鄂市监规〔2026〕2号": PolicyState.PUBLISHED,
        "江夏审批发〔2026〕3号": PolicyState.PUBLISHED,
        "江夏审批发〔2026〕11号": PolicyState.DRAFT,
        "江夏审批函〔2026〕2号": PolicyState.SECRECY,
    }
    reform = Policy.objects.get(number="鄂市监规〔2026〕2号")
    assert sorted(reform.interpretations.values_list("kind", flat=True)) == ["graphic", "qa", "text"]
    assert list(reform.links.values_list("code", flat=True)) == [item.code]
    assert str(reform.published_on) == "2026-02-18"
    old = Policy.objects.get(number="鄂市监规〔2024〕5号")
    assert (old.validity, str(old.repealed_on)) == (Validity.REPEALED, "2026-03-01")
    letter = Policy.objects.get(number="江夏审批函〔2026〕2号")
    assert sorted(letter.findings.values_list("kind", flat=True)) == ["landline", "mobile", "name"]
    assert set(letter.findings.values_list("status", flat=True)) == {FindingStatus.OPEN}
    # 江夏's went through its staff, four eyes kept.
    jx = Policy.objects.get(number="江夏审批发〔2026〕3号")
    actors = list(jx.reviews.values_list("step", "actor__username"))
    assert actors == [
        ("create", "clerk"),
        ("submit", "clerk"),
        ("review", "deptadmin"),
        ("secrecy", "officer"),
        ("publish", "deptadmin"),
    ]
    assert demo.seed_policies(say=lines.append) == 0
    assert "policy 鄂人社发〔2026〕5号 skipped: no department 湖北省人力资源和社会保障厅" in lines
