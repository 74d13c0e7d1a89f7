"""The 好差评 demo (issue 14), through the ratings and cases services only:

- 王芳 (17000000002) rates her concluded 营业执照 case at 江夏 不满意 (办理时间长, 多次跑动);
- the platform operator `platform` verifies it (核实), 江夏's officer rectifies it and answers her
  (整改答复), calls her back (回访), and she rates the fix 满意;
- a service window `JX-A01` of 江夏's hall, taken by its clerk (its screen: /ratings/hall/JX-A01/,
  paired by the clerk from the screen's browser).

So the public page (/ratings/public/) shows 江夏行政审批局 with a 差评 counted and rectified (好评率
0 %, 整改率 100 %) until further ratings come. Idempotent: nothing is written when 王芳's case is
rated already (returns False).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model

from tongban.accounts import queries as account_queries
from tongban.cases import queries as case_queries
from tongban.core.crypto import blind_index
from tongban.demo import queries as demo_queries
from tongban.ratings import queries as rating_queries
from tongban.ratings import services as rating_services

WANG = "17000000002"
WINDOW = "JX-A01"


def _staff(username: str):
    return get_user_model().objects.filter(username=username, is_staff=True).first()


def seed_ratings(*, actor: str, say: Callable[[str], None]) -> bool:
    wang = get_user_model().objects.filter(mobile_index=blind_index(WANG, purpose="mobile")).first()
    platform, officer, clerk = _staff("platform"), _staff("officer"), _staff("clerk")
    if None in (wang, platform, officer, clerk):
        return False
    case = case_queries.cases_of(wang).filter(concluded_at__isnull=False).order_by("concluded_at").first()
    if case is None or rating_queries.rating_of("case", case.number) is not None:
        return False
    rating_services.do_invite(actor=actor, kind="case", ref=case.number)  # seeded before 好差评: invite now
    rating = rating_services.do_rate(
        actor=wang,
        kind="case",
        ref=case.number,
        level=4,
        reasons=["slow", "trips"],
        text="材料第一次没说全，多跑了一趟，办理时间也比预期长。",
    )
    rect = rating_queries.rating_of("case", case.number).rectification
    rating_services.do_verify(
        actor=platform, rect_id=rect.pk, note="经核实，申请人两次到窗口补交材料，情况属实。"
    )
    rating_services.do_reply(
        actor=officer,
        rect_id=rect.pk,
        measures="修订办事指南的材料清单，窗口实行一次性告知并留痕。",
        reply="您反映的问题属实。我局已修订材料清单并实行一次性告知，给您带来不便，深表歉意。",
    )
    rating_services.do_callback(actor=officer, rect_id=rect.pk, note="电话回访，王女士认可整改措施。")
    rating_services.do_rate_fix(actor=wang, rect_id=rect.pk, level=2)
    hall = account_queries.staff_department_id(clerk) or demo_queries.MARKER_DEPARTMENT
    if not rating_queries.windows_for(_staff("admin")).filter(code=WINDOW).exists():
        rating_services.do_create_window(
            actor=_staff("admin"), code=WINDOW, name="江夏政务服务中心综合受理1号窗口", department_id=hall
        )
        rating_services.do_take_window(actor=clerk, code=WINDOW)
    say(
        f"好差评: {case.number} rated {rating.get_level_display()}, verified, rectified, called back, fix rated"
    )
    return True
