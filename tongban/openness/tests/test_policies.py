"""Policy services: drafting, bad input (each error naming its field, nothing changed), who may
act (404 and audited otherwise), four eyes, 保密审查, 三同步 publication, repeal and the catalogue
flags a policy change raises."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tongban.catalog import queries as catalog_queries
from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.identifiers import make_resident_id
from tongban.core.models import AuditEvent

from .. import queries, services
from ..enums import FindingStatus, PolicyState, ReviewOutcome, ReviewStep, Validity
from ..models import Interpretation, Policy, SecrecyFinding
from .policy_world import snapshot, values, world_fixture  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

ID = make_resident_id(random.Random(3), region="420106", born=dt.date(1979, 8, 2))


def problems(exc) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


def create(world, actor=None, **kw) -> Policy:
    return services.do_create_policy(
        actor=actor or world["drafter"], issuer_id=world["market"].pk, values=values(**kw)
    )


def with_interpretation(world, policy, **kw) -> Interpretation:
    args = {"kind": "text", "title": "《通知》政策解读", "text": "一、出台背景。二、主要内容。"} | kw
    return services.do_add_interpretation(actor=world["drafter"], policy_id=policy.pk, **args)


def to_secrecy(world, **kw) -> Policy:
    policy = create(world, **kw)
    with_interpretation(world, policy)
    services.do_submit_policy(actor=world["drafter"], policy_id=policy.pk)
    return services.do_review_policy(actor=world["reviewer"], policy_id=policy.pk, approve=True)


def published(world, **kw) -> Policy:
    policy = to_secrecy(world, **kw)
    services.do_secrecy_review(actor=world["officer"], policy_id=policy.pk, approve=True)
    return services.do_publish_policy(actor=world["reviewer"], policy_id=policy.pk)


# --- Drafting and bad input ----------------------------------------------------------------------


def test_create_draft_audited_with_trail(world):
    policy = create(world)
    assert (policy.state, policy.issuer, policy.created_by, policy.lock_version) == (
        PolicyState.DRAFT,
        world["market"],
        world["drafter"],
        0,
    )
    assert policy.effective_on == dt.date(2026, 4, 1)
    assert list(policy.reviews.values_list("step", "outcome")) == [("create", "done")]
    event = AuditEvent.objects.filter(action="openness.policy.created").get()
    assert (event.object_id, event.actor) == (str(policy.pk), f"user:{world['drafter'].pk}")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"number": ""}, "number"),
        ({"number": "   "}, "number"),
        ({"text": ""}, "text"),
        ({"title": ""}, "title"),
        ({"written_on": ""}, "written_on"),
        ({"written_on": "2026-02-30"}, "written_on"),
        ({"effective_on": "2026-02-01"}, "effective_on"),  # 施行 before 成文
        ({"subject": "nonsense"}, "subject"),
        ({"doc_type": "memo"}, "doc_type"),
        ({"text": 12}, "text"),
        ({"number": "x" * 81}, "number"),
    ],
)
def test_bad_values_name_the_field_and_change_nothing(world, kw, field):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        create(world, **kw)
    assert field in problems(exc)
    assert snapshot() == before


def test_missing_issuer_and_unknown_field(world):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        services.do_create_policy(actor=world["drafter"], issuer_id=None, values=values(number=""))
    assert set(problems(exc)) == {"issuer", "number"}
    with pytest.raises(InvalidInput) as exc:
        services.do_create_policy(actor=world["drafter"], issuer_id="abc", values=values())
    assert problems(exc) == {"issuer": "没有找到该发文机关"}
    with pytest.raises(InvalidInput) as exc:
        services.do_create_policy(
            actor=world["drafter"], issuer_id=world["market"].pk, values=values(state="x")
        )
    assert problems(exc) == {"state": "不是政策文件的字段"}
    assert snapshot() == before


def test_duplicate_number_per_issuer(world):
    create(world)
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        create(world)
    assert problems(exc) == {"number": services.DUPLICATE_NUMBER}
    assert snapshot() == before
    # The same number of another issuer is fine (its own staff drafts it).
    drafter = world["outsider"]
    other = services.do_create_policy(actor=drafter, issuer_id=world["other"].pk, values=values())
    assert other.number == values()["number"]
    # Editing a draft to another's number is refused too.
    second = create(world, number="鄂市监发〔2026〕13号")
    with pytest.raises(InvalidInput) as exc:
        services.do_update_policy(
            actor=world["drafter"], policy_id=second.pk, values={"number": values()["number"]}
        )
    assert "number" in problems(exc)


def test_update_draft_with_lock_version(world):
    policy = create(world)
    services.do_update_policy(
        actor=world["drafter"], policy_id=policy.pk, values={"title": "新标题"}, lock_version=0
    )
    policy.refresh_from_db()
    assert (policy.title, policy.lock_version) == ("新标题", 1)
    before = snapshot()
    with pytest.raises(Conflict):
        services.do_update_policy(
            actor=world["drafter"], policy_id=policy.pk, values={"title": "x"}, lock_version=0
        )
    assert snapshot() == before
    assert Policy.objects.get(pk=policy.pk).title == "新标题"


def test_other_department_gets_404_audited_nothing_changed(world):
    policy = create(world)
    before = snapshot()
    with pytest.raises(NotFound):
        services.do_update_policy(actor=world["outsider"], policy_id=policy.pk, values={"title": "x"})
    with pytest.raises(NotFound):
        services.do_create_policy(
            actor=world["outsider"], issuer_id=world["market"].pk, values=values(number="n1")
        )
    after = snapshot()
    assert after["audit"] == before["audit"] + 2
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }
    assert AuditEvent.objects.filter(action="openness.policy.edit_refused").count() == 1
    # A platform administrator may act for any department.
    services.do_update_policy(actor=world["platform"], policy_id=policy.pk, values={"title": "平台修改"})
    assert Policy.objects.get(pk=policy.pk).title == "平台修改"


# --- Interpretations, attachments, links -----------------------------------------------------------


def test_interpretations_of_each_kind(world):
    policy = create(world)
    text = with_interpretation(world, policy)
    qa = with_interpretation(
        world,
        policy,
        kind="qa",
        title="问答",
        text="",
        qa=[{"q": "何时施行？", "a": "2026年4月1日起。"}, {"q": "", "a": ""}],
    )
    png = SimpleUploadedFile("tu.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")
    graphic = with_interpretation(world, policy, kind="graphic", title="一图读懂", text="", image=png)
    assert [i.kind for i in policy.interpretations.all()] == ["text", "qa", "graphic"]
    assert qa.qa == [{"q": "何时施行？", "a": "2026年4月1日起。"}]
    assert graphic.image.name.endswith(".png") and text.author_body == world["market"]
    before = snapshot()
    for kw, field in [
        ({"kind": "video"}, "kind"),
        ({"kind": "text", "text": ""}, "text"),
        ({"kind": "qa", "text": "", "qa": []}, "qa"),
        ({"kind": "qa", "qa": [{"q": "只有问题"}]}, "qa[0].a"),
        ({"kind": "graphic"}, "image"),
        ({"title": ""}, "title"),
    ]:
        with pytest.raises(InvalidInput) as exc:
            with_interpretation(world, policy, **kw)
        assert field in problems(exc), kw
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(InvalidInput) as exc:
        with_interpretation(world, policy, kind="graphic", image=bad)
    assert "image" in problems(exc)
    assert snapshot() == before
    services.do_delete_interpretation(actor=world["drafter"], interpretation_id=qa.pk)
    assert policy.interpretations.count() == 2


def test_attachments(world):
    policy = create(world)
    pdf = SimpleUploadedFile("附件1.pdf", b"%PDF-1.7\n" + b"0" * 100, content_type="application/pdf")
    att = services.do_add_attachment(
        actor=world["drafter"], policy_id=policy.pk, upload=pdf, name="办理流程图"
    )
    assert (att.name, att.size, att.content_type) == ("办理流程图", 109, "application/pdf")
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        services.do_add_attachment(
            actor=world["drafter"],
            policy_id=policy.pk,
            upload=SimpleUploadedFile("a.sh", b"echo", content_type="x"),
        )
    assert "file" in problems(exc)
    with pytest.raises(InvalidInput) as exc:
        services.do_add_attachment(actor=world["drafter"], policy_id=policy.pk, upload=None)
    assert "file" in problems(exc)
    assert snapshot() == before
    services.do_delete_attachment(actor=world["drafter"], attachment_id=att.pk)
    assert policy.attachments.count() == 0


def test_links_are_validated_through_the_catalogue(world):
    policy = create(world)
    code = world["item"].code
    link = services.do_add_link(actor=world["drafter"], policy_id=policy.pk, kind="item", code=code.lower())
    assert (link.code, link.label) == (code, world["item"].name)
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        services.do_add_link(actor=world["drafter"], policy_id=policy.pk, kind="item", code=code)
    assert problems(exc) == {"code": "已关联"}
    with pytest.raises(InvalidInput) as exc:
        services.do_add_link(
            actor=world["drafter"], policy_id=policy.pk, kind="item", code="11420000000000000X"
        )
    assert "code" in problems(exc)
    with pytest.raises(InvalidInput) as exc:
        services.do_add_link(actor=world["drafter"], policy_id=policy.pk, kind="bundle", code="yjs-001")
    assert "label" in problems(exc)
    assert snapshot() == before
    services.do_add_link(
        actor=world["drafter"], policy_id=policy.pk, kind="bundle", code="yjs-001", label="开办餐馆一件事"
    )
    # Nothing is flagged while the policy is a draft.
    assert not catalog_queries.review_flags().exists()


# --- Workflow --------------------------------------------------------------------------------------


def test_submit_requires_an_interpretation_unless_exempt(world):
    policy = create(world)
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        services.do_submit_policy(actor=world["drafter"], policy_id=policy.pk)
    assert "interpretations" in problems(exc)
    assert snapshot() == before
    letter = create(world, number="鄂市监函〔2026〕5号", doc_type="letter")
    services.do_submit_policy(actor=world["drafter"], policy_id=letter.pk)
    assert Policy.objects.get(pk=letter.pk).state == PolicyState.REVIEW


def test_four_eyes_and_reviewer_roles(world):
    policy = create(world, actor=world["reviewer"])  # the administrator drafts this one
    with_interpretation(world, policy)
    services.do_submit_policy(actor=world["drafter"], policy_id=policy.pk)
    before = snapshot()
    with pytest.raises(Conflict):  # the drafter of this one
        services.do_review_policy(actor=world["reviewer"], policy_id=policy.pk, approve=True)
    with pytest.raises(NotFound):  # submitted it, and holds no reviewer role
        services.do_review_policy(actor=world["drafter"], policy_id=policy.pk, approve=True)
    with pytest.raises(NotFound):  # another department
        services.do_review_policy(actor=world["outsider"], policy_id=policy.pk, approve=True)
    after = snapshot()
    assert after["audit"] == before["audit"] + 3  # each refusal audited, nothing else changed
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }
    assert Policy.objects.get(pk=policy.pk).state == PolicyState.REVIEW
    services.do_review_policy(actor=world["officer"], policy_id=policy.pk, approve=True)
    assert Policy.objects.get(pk=policy.pk).state == PolicyState.SECRECY


def test_send_back_needs_a_comment_and_returns_to_draft(world):
    policy = create(world)
    with_interpretation(world, policy)
    services.do_submit_policy(actor=world["drafter"], policy_id=policy.pk)
    with pytest.raises(InvalidInput) as exc:
        services.do_review_policy(actor=world["reviewer"], policy_id=policy.pk, approve=False)
    assert "comment" in problems(exc)
    services.do_review_policy(
        actor=world["reviewer"], policy_id=policy.pk, approve=False, comment="请补充施行日期依据"
    )
    policy.refresh_from_db()
    assert policy.state == PolicyState.DRAFT
    assert list(policy.reviews.values_list("step", "outcome", "comment"))[-1] == (
        "review",
        "returned",
        "请补充施行日期依据",
    )
    # Not editable while under review; editable again now.
    services.do_update_policy(actor=world["drafter"], policy_id=policy.pk, values={"summary": "补充"})


def test_not_editable_under_review(world):
    policy = create(world)
    with_interpretation(world, policy)
    services.do_submit_policy(actor=world["drafter"], policy_id=policy.pk)
    before = snapshot()
    with pytest.raises(Conflict):
        services.do_update_policy(actor=world["drafter"], policy_id=policy.pk, values={"title": "x"})
    with pytest.raises(Conflict):
        with_interpretation(world, policy)
    assert snapshot() == before


# --- 保密审查 ---------------------------------------------------------------------------------------


def test_secrecy_blocks_until_findings_are_resolved(world):
    text = f"经复核，申请人王建国（身份证号码{ID}）的申请符合条件。咨询电话：027-85712345。"
    policy = to_secrecy(world, text=text)
    findings = {f.kind: f for f in policy.findings.all()}
    assert set(findings) == {"name", "id_card", "landline"}
    assert all(f.status == FindingStatus.OPEN for f in findings.values())
    assert ID not in findings["id_card"].masked and "王建国" not in findings["name"].masked
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        services.do_secrecy_review(actor=world["officer"], policy_id=policy.pk, approve=True)
    assert list(problems(exc)) == ["text"]
    with pytest.raises(InvalidInput) as exc:  # publication refused while findings are open
        services.do_publish_policy(actor=world["reviewer"], policy_id=policy.pk)
    assert list(problems(exc)) == ["text"]
    assert snapshot() == before
    # The drafter may not resolve findings (four eyes; no reviewer role: 404).
    with pytest.raises(NotFound):
        services.do_redact_finding(actor=world["drafter"], finding_id=findings["name"].pk)
    with pytest.raises(InvalidInput) as exc:
        services.do_confirm_finding(actor=world["officer"], finding_id=findings["landline"].pk, reason="")
    assert "reason" in problems(exc)
    services.do_confirm_finding(
        actor=world["officer"], finding_id=findings["landline"].pk, reason="本机关公开咨询电话"
    )
    services.do_redact_finding(actor=world["officer"], finding_id=findings["name"].pk)
    services.do_redact_finding(actor=world["officer"], finding_id=findings["id_card"].pk)
    policy.refresh_from_db()
    assert policy.text == (
        f"经复核，申请人王**（身份证号码{ID[:4]}**********{ID[-4:]}）的申请符合条件。咨询电话：027-85712345。"
    )
    assert sorted(policy.findings.values_list("kind", "status")) == [
        ("id_card", "redacted"),
        ("landline", "confirmed"),
        ("name", "redacted"),
    ]
    with pytest.raises(Conflict):  # no finding open now, but the review has not passed yet
        services.do_publish_policy(actor=world["reviewer"], policy_id=policy.pk)
    services.do_secrecy_review(actor=world["officer"], policy_id=policy.pk, approve=True)
    assert services.is_cleared(Policy.objects.get(pk=policy.pk))
    # No personal value reached the audit chain.
    for data in AuditEvent.objects.filter(action__startswith="openness.").values_list("data", flat=True):
        assert ID not in str(data) and "王建国" not in str(data)


def test_findings_in_interpretations_and_attachment_names(world):
    policy = create(world)
    with_interpretation(
        world, policy, kind="qa", text="", qa=[{"q": "找谁咨询？", "a": "联系人刘晓燕，电话13907165432。"}]
    )
    services.do_add_attachment(
        actor=world["drafter"],
        policy_id=policy.pk,
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1.7", content_type="application/pdf"),
        name="申请人张建华材料清单",
    )
    services.do_submit_policy(actor=world["drafter"], policy_id=policy.pk)
    services.do_review_policy(actor=world["reviewer"], policy_id=policy.pk, approve=True)
    got = sorted(policy.findings.values_list("source", "field", "kind"))
    assert got == [
        ("attachment", "name", "name"),
        ("interpretation", "qa.0.a", "mobile"),
        ("interpretation", "qa.0.a", "name"),
    ]
    for f in list(policy.findings.all()):
        services.do_redact_finding(actor=world["reviewer"], finding_id=f.pk)
    interp = policy.interpretations.get()
    assert interp.qa == [{"q": "找谁咨询？", "a": "联系人刘**，电话139****5432。"}]
    assert policy.attachments.get().name == "申请人张**材料清单"


def test_confirmed_finding_stays_confirmed_on_rescan(world):
    policy = to_secrecy(world, text="值班电话：027-85712345。")
    finding = policy.findings.get()
    services.do_confirm_finding(actor=world["officer"], finding_id=finding.pk, reason="本机关值班电话")
    counts = services._rescan(policy)
    assert counts == {"open": 0, "confirmed": 1, "redacted": 0}
    assert SecrecyFinding.objects.get(pk=finding.pk).status == FindingStatus.CONFIRMED


def test_secrecy_send_back(world):
    policy = to_secrecy(world)
    services.do_secrecy_review(
        actor=world["officer"], policy_id=policy.pk, approve=False, comment="附件须脱敏"
    )
    assert Policy.objects.get(pk=policy.pk).state == PolicyState.DRAFT


# --- Publication, repeal, flags ----------------------------------------------------------------------


def test_publish_three_synchronous_search_and_flags(world):
    policy = create(world)
    with_interpretation(world, policy)
    services.do_add_link(actor=world["drafter"], policy_id=policy.pk, kind="item", code=world["item"].code)
    services.do_submit_policy(actor=world["drafter"], policy_id=policy.pk)
    services.do_review_policy(actor=world["reviewer"], policy_id=policy.pk, approve=True)
    services.do_secrecy_review(actor=world["officer"], policy_id=policy.pk, approve=True)
    with pytest.raises(NotFound):  # the drafter holds no reviewer role
        services.do_publish_policy(actor=world["drafter"], policy_id=policy.pk)
    services.do_publish_policy(actor=world["reviewer"], policy_id=policy.pk)
    policy.refresh_from_db()
    today = timezone.localdate()
    assert (policy.state, policy.published_on, policy.validity) == (
        PolicyState.PUBLISHED,
        today,
        Validity.VALID,
    )
    assert list(policy.interpretations.values_list("published_on", flat=True)) == [today]
    assert list(Policy.objects.filter(search_text__matches="食品经营许可 告知承诺")) == [policy]
    assert list(Policy.objects.filter(search_text__matches="出台背景")) == [policy]  # from the interpretation
    flags = list(catalog_queries.review_flags())
    assert [(f.code, f.reason) for f in flags] == [(world["item"].code, f"政策文件 {policy.number} 发布")]
    assert queries.policies_for_item(world["item"].code) == [policy]
    assert [s for s, _o in policy.reviews.values_list("step", "outcome")] == [
        ReviewStep.CREATE,
        ReviewStep.SUBMIT,
        ReviewStep.REVIEW,
        ReviewStep.SECRECY,
        ReviewStep.PUBLISH,
    ]
    # Publishing twice is refused.
    with pytest.raises(Conflict):
        services.do_publish_policy(actor=world["reviewer"], policy_id=policy.pk)


def test_link_edit_of_published_policy_flags_and_repeal(world):
    policy = published(world)
    assert not catalog_queries.review_flags().exists()  # nothing linked yet
    code = world["item"].code
    services.do_add_link(actor=world["drafter"], policy_id=policy.pk, kind="item", code=code)
    assert [f.reason for f in catalog_queries.review_flags()] == [f"政策文件 {policy.number} 新关联本事项"]
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        services.do_repeal_policy(actor=world["reviewer"], policy_id=policy.pk, reason="")
    assert "reason" in problems(exc)
    with pytest.raises(InvalidInput) as exc:
        services.do_repeal_policy(
            actor=world["reviewer"], policy_id=policy.pk, reason="被新文件替代", repealed_on="2000-01-01"
        )
    assert "repealed_on" in problems(exc)
    with pytest.raises(NotFound):
        services.do_repeal_policy(actor=world["drafter"], policy_id=policy.pk, reason="x")
    after = snapshot()
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }
    services.do_repeal_policy(
        actor=world["reviewer"], policy_id=policy.pk, reason="被鄂市监发〔2026〕20号替代"
    )
    policy.refresh_from_db()
    assert (policy.state, policy.validity, policy.repealed_on) == (
        PolicyState.REPEALED,
        Validity.REPEALED,
        timezone.localdate(),
    )
    reasons = sorted(f.reason for f in catalog_queries.review_flags())
    assert reasons == sorted([f"政策文件 {policy.number} 废止"])  # the same source: one open flag, updated
    assert queries.policies_for_item(code) == [policy]  # repealed policies stay listed, marked
    assert policy.reviews.last().outcome == ReviewOutcome.DONE
    with pytest.raises(Conflict):
        services.do_add_link(actor=world["drafter"], policy_id=policy.pk, kind="bundle", code="b1", label="x")


def test_catalogue_staff_clear_a_flag(world):
    from tongban.catalog import services as catalog_services

    policy = create(world)
    with_interpretation(world, policy)
    services.do_add_link(actor=world["drafter"], policy_id=policy.pk, kind="item", code=world["item"].code)
    services.do_submit_policy(actor=world["drafter"], policy_id=policy.pk)
    services.do_review_policy(actor=world["reviewer"], policy_id=policy.pk, approve=True)
    services.do_secrecy_review(actor=world["officer"], policy_id=policy.pk, approve=True)
    services.do_publish_policy(actor=world["reviewer"], policy_id=policy.pk)
    flag = catalog_queries.review_flags().get()
    with pytest.raises(NotFound):
        catalog_services.do_clear_review_flag(actor=world["outsider"], flag_id=flag.pk)
    catalog_services.do_clear_review_flag(actor=world["reviewer"], flag_id=flag.pk, note="已核对设定依据")
    assert not catalog_queries.review_flags().exists()
    assert catalog_queries.review_flags(open_only=False).get().clear_note == "已核对设定依据"
    with pytest.raises(Conflict):
        catalog_services.do_clear_review_flag(actor=world["reviewer"], flag_id=flag.pk)
