"""Seeding the demo's policy documents (政策文件, 政务公开) through `openness`'s services.

Twelve published policies of demo departments (province, Wuhan and 江夏), each with a text
interpretation (文字解读) and a Q&A (问答), the first with a graphic (图解) too, each linked to
demo implementation items it concerns (found by name in the issuer's own catalogue first, then
in its region, then anywhere); one repealed policy (superseded by the first); one draft; one
under 保密审查 with personal data in it (a name and a mobile number) waiting for the reviewer.

The 江夏 policies go through the workflow with the demo's 江夏 staff (窗口人员 drafts, 部门管理员
reviews and publishes, 审批人员 does the secrecy review: four eyes); the others are entered by the
seeding system for their department. Every text here was written for the demo; the numbers follow
Hubei's style (鄂市监规〔2026〕2号) but name no real document.

Idempotent: a policy whose issuer already has its 文号 is left alone.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.catalog import queries as catalog_queries
from tongban.core import queries as core_queries
from tongban.openness import policies as openness_policies
from tongban.openness import services as openness

ACTOR = "system:seed"
JIANGXIA = "武汉市江夏区行政审批局"
DRAFTER, REVIEWER, SECRECY_REVIEWER = "clerk", "deptadmin", "officer"


@dataclass(frozen=True)
class DemoPolicy:
    issuer: str
    number: str
    title: str
    subject: str
    doc_type: str
    written_on: str
    effective_on: str
    summary: str
    text: str
    qa: tuple[tuple[str, str], ...]
    items: tuple[str, ...] = ()  # name fragments of implementation items it concerns
    days_after: int = 5  # published this many days after 成文
    graphic: bool = False
    bundle: tuple[str, str] | None = None  # (code, label) of a 一件事 it concerns
    extra: dict = field(default_factory=dict)


def _text(intro: str, *articles: str, closing: str = "本通知自发布之日起施行。") -> str:
    numbers = "一二三四五六七八九十"
    body = "\n".join(f"{numbers[i]}、{a}" for i, a in enumerate(articles))
    return f"{intro}\n{body}\n{closing}"


PUBLISHED = [
    DemoPolicy(
        "湖北省市场监督管理局",
        "鄂市监规〔2026〕2号",
        "湖北省市场监督管理局关于深化食品经营许可告知承诺制改革的实施意见",
        "market",
        "opinion",
        "2026-02-10",
        "2026-03-01",
        "在全省推行食品经营许可告知承诺制，仅销售预包装食品的实行备案，许可办理时限压减至5个工作日。",
        _text(
            "各市、州、直管市、神农架林区市场监督管理局：为进一步优化营商环境，降低市场主体制度性交易成本，"
            "现就深化食品经营许可告知承诺制改革提出如下意见。",
            "申请人书面承诺符合食品经营许可条件并提交相关材料的，许可机关当场作出许可决定，不再进行现场核查；"
            "许可决定作出后三个月内开展核查。",
            "仅销售预包装食品的，实行备案管理，不再申请食品经营许可。",
            "许可办理时限由法定20个工作日压减至5个工作日，新办、变更、延续均可全程网办。",
            "申请人通过湖北政务服务网提交申请的，营业执照、身份证件等可由电子证照库调取的材料免于提交。",
            "各地要加强事中事后监管，对承诺不实的依法撤销许可并纳入信用记录。",
            closing="本意见自2026年3月1日起施行，有效期5年。《湖北省食品经营许可审查若干规定》（鄂市监规〔2024〕5号）同时废止。",
        ),
        (
            (
                "哪些情形可以适用告知承诺制？",
                "新办、变更和延续食品经营许可的申请人，均可自愿选择告知承诺方式办理。",
            ),
            (
                "承诺后还会现场核查吗？",
                "许可决定作出后三个月内，许可机关会开展现场核查，核查不符合的依法处理。",
            ),
            ("办理需要多长时间？", "材料齐全、符合法定形式的当场作出决定；其他情形不超过5个工作日。"),
        ),
        items=("食品经营许可",),
        days_after=8,
        graphic=True,
    ),
    DemoPolicy(
        "湖北省人力资源和社会保障厅",
        "鄂人社发〔2026〕5号",
        "关于进一步做好失业保险稳岗返还和技能提升补贴工作的通知",
        "labour",
        "notice",
        "2026-03-05",
        "2026-03-15",
        "符合条件的参保企业免申即享稳岗返还；参保职工取得职业技能等级证书的可申领技能提升补贴。",
        _text(
            "各市、州、直管市、神农架林区人力资源和社会保障局：为支持企业稳定就业岗位，现将有关事项通知如下。",
            "上年度未裁员或裁员率不高于全国城镇调查失业率控制目标的参保企业，可享受失业保险稳岗返还，"
            "大型企业按实际缴纳失业保险费的30%返还，中小微企业按60%返还。",
            "稳岗返还实行“免申即享”，经办机构通过数据比对确定名单，公示无异议后直接拨付至企业账户。",
            "参保满一年的职工取得职业资格证书或职业技能等级证书的，可在证书核发之日起12个月内申领技能提升补贴。",
        ),
        (
            ("企业需要提出申请吗？", "不需要。经办机构比对数据后公示名单，无异议的直接拨付。"),
            (
                "技能提升补贴在哪里申领？",
                "可通过湖北政务服务网或“鄂汇办”APP在线申领，也可到参保地经办窗口办理。",
            ),
        ),
        items=("失业保险", "技能提升补贴"),
        days_after=4,
    ),
    DemoPolicy(
        "湖北省医疗保障局",
        "鄂医保发〔2026〕3号",
        "关于优化基本医疗保险跨省异地就医直接结算服务的通知",
        "health",
        "notice",
        "2026-03-20",
        "2026-04-01",
        "异地长期居住人员和临时外出就医人员可在线备案，备案后在就医地定点医疗机构直接结算。",
        _text(
            "各市、州、直管市、神农架林区医疗保障局：为方便参保群众异地就医，现就优化跨省异地就医直接结算服务通知如下。",
            "异地长期居住人员、临时外出就医人员可通过国家医保服务平台、湖北政务服务网等渠道在线办理备案，即时生效。",
            "临时外出就医人员备案有效期内可在就医地多次就诊并直接结算。",
            "急诊抢救人员视同已备案，可在就医地定点医疗机构直接结算。",
        ),
        (
            ("备案需要提交哪些材料？", "在线备案只需填写备案信息并承诺真实，不再提交居住证明等材料。"),
            ("未备案能否报销？", "未备案的，可回参保地按规定手工报销，报销比例按参保地政策执行。"),
        ),
        items=("异地就医", "医疗保险"),
        days_after=6,
    ),
    DemoPolicy(
        "湖北省公安厅",
        "鄂公通〔2026〕7号",
        "湖北省公安厅关于进一步便利户口迁移登记的通告",
        "justice",
        "public_notice",
        "2026-04-08",
        "2026-05-01",
        "省内户口迁移实行“一站式”办理，迁入地公安机关直接办理，群众无需往返迁出地。",
        _text(
            "为深化户籍制度改革，方便群众办理户口迁移，现就有关事项通告如下。",
            "本省范围内户口迁移实行迁入地“一站式”办理，由迁入地公安机关通过信息系统向迁出地核转，不再开具纸质准予迁入证明。",
            "在城镇有合法稳定住所的人员，本人及共同居住生活的配偶、子女、父母可申请落户。",
            "申请人可通过“鄂汇办”APP或湖北政务服务网在线预约，材料齐全的当场办结。",
            closing="本通告自2026年5月1日起施行。",
        ),
        (
            ("还需要回原籍开迁移证吗？", "省内迁移不需要，由迁入地公安机关直接办理。"),
            ("租房可以落户吗？", "在城镇有合法稳定住所的，按当地规定可申请落户，具体以迁入地公告为准。"),
        ),
        items=("户口迁移", "户口登记"),
        days_after=10,
    ),
    DemoPolicy(
        "湖北省民政厅",
        "鄂民发〔2026〕4号",
        "关于全面推行婚姻登记“跨省通办”的通知",
        "civil",
        "notice",
        "2026-04-15",
        "2026-05-20",
        "一方为本省户籍或双方均非本省户籍但一方在本省连续居住满半年的，可在本省婚姻登记机关办理结婚、离婚登记。",
        _text(
            "各市、州、直管市、神农架林区民政局：按照国家部署，现就全面推行婚姻登记“跨省通办”通知如下。",
            "当事人一方在本省连续居住半年以上并持有有效居住证的，可在居住地婚姻登记机关申请办理结婚登记或离婚登记。",
            "婚姻登记机关通过全国婚姻登记信息系统核验当事人婚姻状况，当事人无需提交户口所在地出具的证明。",
            "各地婚姻登记机关应提供网上预约服务，并在节假日等特殊日期适当延长服务时间。",
        ),
        (
            ("需要带哪些证件？", "本人有效身份证件、户口簿（或有效居住证）及近期半身免冠合影照片。"),
            ("可以在网上预约吗？", "可以，通过湖北政务服务网或“鄂汇办”APP预约办理时间。"),
        ),
        items=("婚姻登记", "结婚登记"),
        days_after=5,
    ),
    DemoPolicy(
        "武汉市行政审批局",
        "武审批〔2026〕6号",
        "关于印发《武汉市企业开办“一件事”办理规程》的通知",
        "market",
        "notice",
        "2026-05-06",
        "2026-05-20",
        "企业开办涉及的设立登记、印章刻制、发票申领、社保登记、公积金缴存登记一次申请、一网通办、一日办结。",
        _text(
            "各区行政审批局，市直有关部门：现将《武汉市企业开办“一件事”办理规程》印发给你们，请认真贯彻执行。",
            "申请人通过企业开办“一件事”专区一次填报、一次提交，设立登记、公章刻制、发票申领、员工参保登记和"
            "住房公积金缴存登记同步办理。",
            "营业执照、印章、税务Ukey等可一次领取，也可免费寄递。",
            "全程办理时间不超过1个工作日，有条件的区实现半日办结。",
        ),
        (
            ("企业开办要跑几次？", "全程网办的一次不用跑；需要领取实体材料的，最多跑一次。"),
            ("刻章需要付费吗？", "新开办企业首套印章由政府购买服务免费刻制。"),
        ),
        items=("营业执照", "设立登记"),
        days_after=3,
        bundle=("kaiban", "企业开办一件事"),
    ),
    DemoPolicy(
        "武汉市市场监督管理局",
        "武市监规〔2026〕1号",
        "武汉市个体工商户登记服务管理办法",
        "market",
        "measures",
        "2026-05-18",
        "2026-07-01",
        "个体工商户设立、变更、注销全程网办，经营场所实行申报承诺制，歇业备案可保留主体资格。",
        _text(
            "第一章 总则。为规范个体工商户登记服务，促进个体经济健康发展，制定本办法。",
            "个体工商户的设立、变更、注销登记可通过湖北政务服务网全程网上办理。",
            "申请人对经营场所的真实性、合法性作出承诺的，登记机关不再要求提交场所使用证明。",
            "个体工商户因故暂时停止经营的，可以办理歇业备案，歇业期间不超过3年。",
            closing="本办法自2026年7月1日起施行，有效期5年。",
        ),
        (
            ("经营场所需要提交租赁合同吗？", "实行申报承诺制，申请人如实申报并承诺的，不再提交。"),
            ("什么是歇业备案？", "暂时停止经营的个体工商户可办理歇业备案，保留主体资格，歇业期间不超过3年。"),
        ),
        items=("个体工商户",),
        days_after=12,
    ),
    DemoPolicy(
        "武汉市自然资源和规划局",
        "武自然资规〔2026〕2号",
        "关于全面推行存量房“带押过户”登记的通知",
        "land",
        "notice",
        "2026-06-02",
        "2026-06-15",
        "存量房交易无需提前还清贷款，买卖、抵押登记合并办理，当日办结。",
        _text(
            "各区自然资源和规划局（分局），各有关银行业金融机构：为降低二手房交易成本，现就推行存量房“带押过户”通知如下。",
            "存量房交易中，卖方未结清抵押贷款的，经抵押权人同意，可不先行还贷注销抵押，直接办理转移登记和新的抵押登记。",
            "不动产登记机构对转移登记、抵押登记合并受理、一并审核，当日办结。",
            "鼓励银行业金融机构通过不动产登记“互联网+”平台在线申请抵押登记。",
        ),
        (
            ("卖方必须先还清贷款吗？", "不必。经抵押银行同意，可以带押办理过户。"),
            ("办理需要多久？", "转移登记和抵押登记合并办理，材料齐全的当日办结。"),
        ),
        items=("不动产", "抵押权登记"),
        days_after=7,
    ),
    DemoPolicy(
        "湖北省林业局",
        "鄂林规〔2026〕1号",
        "湖北省林木采伐许可管理办法",
        "agriculture",
        "measures",
        "2026-06-20",
        "2026-08-01",
        "人工商品林采伐实行告知承诺，采伐许可证可网上申请、电子证照发放。",
        _text(
            "为规范林木采伐管理，保护和合理利用森林资源，根据《中华人民共和国森林法》及其实施条例，制定本办法。",
            "采伐林地上的林木应当申请采伐许可证，农村居民采伐自留山和个人承包集体林地上的林木由县级林业主管部门核发。",
            "采伐人工商品林蓄积不超过15立方米的，实行告知承诺方式审批，当场办结。",
            "采伐许可证实行电子证照，与纸质证照具有同等效力。",
            closing="本办法自2026年8月1日起施行。",
        ),
        (
            ("哪些采伐不需要许可？", "采伐自家房前屋后个人所有的零星林木，不需要申请采伐许可证。"),
            ("电子采伐证怎么用？", "可在“鄂汇办”APP亮证，执法检查时出示电子证照即可。"),
        ),
        items=("林木采伐",),
        days_after=9,
    ),
    DemoPolicy(
        "湖北省卫生健康委员会",
        "鄂卫通〔2026〕9号",
        "关于推行出生医学证明电子证照的通知",
        "health",
        "notice",
        "2026-07-07",
        "2026-08-01",
        "新生儿出生医学证明同步生成电子证照，可用于户口登记、医保参保等“出生一件事”联办。",
        _text(
            "各市、州、直管市、神农架林区卫生健康委：为方便群众办理新生儿相关事项，现就推行出生医学证明电子证照通知如下。",
            "自2026年8月1日起，助产机构签发出生医学证明时同步生成电子证照，推送至湖北省电子证照库。",
            "办理新生儿户口登记、城乡居民医保参保、社会保障卡申领等事项时，可调取电子证照，不再提交纸质证明。",
            "出生医学证明首次签发、补发、换发均可网上申请。",
        ),
        (
            ("纸质出生医学证明还发吗？", "继续发放，电子证照与纸质证明同步生成，具有同等效力。"),
            ("哪些事项可以用电子证照？", "新生儿户口登记、医保参保、社保卡申领等“出生一件事”事项。"),
        ),
        items=("出生医学证明",),
        days_after=6,
    ),
    DemoPolicy(
        "湖北省交通运输厅",
        "鄂交运规〔2026〕2号",
        "关于优化道路货物运输经营许可办理的通知",
        "industry",
        "notice",
        "2026-08-12",
        "2026-09-01",
        "道路普通货运经营许可实行告知承诺，总质量4.5吨及以下普通货运车辆不再办理道路运输证。",
        _text(
            "各市、州、直管市、神农架林区交通运输局：为进一步便利道路货运经营者，现就有关事项通知如下。",
            "申请从事道路普通货物运输经营的，实行告知承诺制，申请人承诺符合条件的当场发放经营许可证。",
            "总质量4.5吨及以下普通货运车辆从事普通货运经营的，无需办理道路运输证和从业资格证。",
            "道路运输经营许可证、道路运输证实行电子证照。",
        ),
        (
            ("小型货车需要办道路运输证吗？", "总质量4.5吨及以下的普通货运车辆不需要。"),
            ("告知承诺后多久拿证？", "材料齐全、承诺符合条件的，当场发放。"),
        ),
        items=("道路货物运输", "道路运输"),
        days_after=5,
    ),
    DemoPolicy(
        JIANGXIA,
        "江夏审批发〔2026〕3号",
        "武汉市江夏区行政审批局关于推行“一业一证”改革的实施方案",
        "market",
        "scheme",
        "2026-09-01",
        "2026-09-15",
        "在便利店、餐饮店等行业推行“一业一证”，一张行业综合许可证集成多项许可信息。",
        _text(
            "为深化“放管服”改革，降低行业准入成本，结合我区实际，制定本方案。",
            "在便利店、餐饮店、药店、健身房等10个行业推行“一业一证”，将一个行业准入涉及的多张许可证整合为一张行业综合许可证。",
            "申请人一次告知、一表申请、一窗受理，审批时限压减60%以上。",
            "行业综合许可证实行电子证照，加载各单项许可信息二维码，扫码可查。",
            closing="本方案自2026年9月15日起实施。",
        ),
        (
            ("哪些行业可以办“一业一证”？", "首批为便利店、餐饮店、药店、健身房等10个行业，后续逐步扩大。"),
            ("原有的许可证还有效吗？", "在有效期内继续有效，也可申请换发行业综合许可证。"),
        ),
        items=("食品经营许可", "公共场所卫生许可"),
        days_after=4,
    ),
]

REPEALED = DemoPolicy(
    "湖北省市场监督管理局",
    "鄂市监规〔2024〕5号",
    "湖北省食品经营许可审查若干规定",
    "market",
    "provisions",
    "2024-03-01",
    "2024-04-01",
    "规定食品经营许可的现场核查、审查时限和材料要求。",
    _text(
        "为规范食品经营许可审查工作，制定本规定。",
        "许可机关应当自受理申请之日起10个工作日内作出是否准予许可的决定。",
        "需要现场核查的，许可机关应当指派两名以上核查人员进行现场核查。",
        closing="本规定自2024年4月1日起施行。",
    ),
    (("本规定现在还有效吗？", "已由鄂市监规〔2026〕2号废止。"),),
    items=("食品经营许可",),
    days_after=10,
)

DRAFT = DemoPolicy(
    JIANGXIA,
    "江夏审批发〔2026〕11号",
    "武汉市江夏区行政审批局关于推行政务服务“午间不断档、周末不打烊”的通知",
    "general",
    "notice",
    "2026-11-20",
    "2026-12-01",
    "区政务服务中心实行工作日午间和周六上午延时服务。",
    _text(
        "各相关部门进驻窗口：为方便企业群众办事，现将延时服务有关事项通知如下。",
        "工作日中午12:00至14:00，综合窗口和出件窗口正常受理。",
        "每周六上午9:00至12:00，提供企业开办、社保、医保等高频事项服务。",
    ),
    (),
)

IN_SECRECY = DemoPolicy(
    JIANGXIA,
    "江夏审批函〔2026〕2号",
    "武汉市江夏区行政审批局关于市民反映食品经营许可办理时限问题的答复",
    "market",
    "letter",
    "2026-11-25",
    "",
    "答复市民关于食品经营许可办理时限的意见建议。",
    "来信人张建华：您通过12345热线反映的食品经营许可办理时限问题收悉。经核查，申请人张建华于2026年11月10日"
    "提交的申请已于11月12日办结，许可证已寄出。如有疑问，请联系经办人李晓燕，电话13907161234。"
    "咨询电话：027-87654321。",
    (),
)


def _png() -> SimpleUploadedFile:
    """A small infographic (图解): bars of the time limits before and after the reform."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (640, 360), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle([40, 40, 600, 80], fill="#c0392b")  # 20 working days before
    draw.rectangle([40, 120, 180, 160], fill="#1f6fb2")  # 5 after
    draw.rectangle([40, 200, 70, 240], fill="#2e8b57")  # on the spot
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return SimpleUploadedFile("tujie.png", buf.getvalue(), content_type="image/png")


def _department(name: str):
    return core_queries.departments().filter(name=name).order_by("pk").first()


def _staff(username: str, department_id: int):
    return account_queries.staff_of_department(department_id).filter(username=username).first()


def _item_codes(issuer, fragments) -> list[str]:
    """For each fragment, one current item whose name holds it: the issuer's own first, then one
    in the issuer's region, then any (by code, so the same on every run)."""
    out: list[str] = []
    items = catalog_queries.current_items()
    for fragment in fragments:
        named = items.filter(name__contains=fragment).order_by("code")
        code = (
            named.filter(department_id=issuer.pk).values_list("code", flat=True).first()
            or named.filter(region__code__startswith=issuer.region_id[:4])
            .values_list("code", flat=True)
            .first()
            or named.values_list("code", flat=True).first()
        )
        if code and code not in out:
            out.append(code)
    return out


def _actors(issuer) -> tuple:
    """(drafter, reviewer, secrecy reviewer, publisher): 江夏's demo staff, else the seeding system."""
    if issuer.name == JIANGXIA:
        drafter, reviewer, officer = (_staff(u, issuer.pk) for u in (DRAFTER, REVIEWER, SECRECY_REVIEWER))
        if drafter and reviewer and officer:
            return drafter, reviewer, officer, reviewer
    return ACTOR, ACTOR, ACTOR, ACTOR


def _draft(spec: DemoPolicy, issuer, drafter) -> int:
    values = {
        "number": spec.number,
        "title": spec.title,
        "subject": spec.subject,
        "doc_type": spec.doc_type,
        "written_on": spec.written_on,
        "effective_on": spec.effective_on,
        "summary": spec.summary,
        "text": spec.text,
    }
    policy = openness.do_create_policy(actor=drafter, issuer_id=issuer.pk, values=values)
    if spec.qa:
        openness.do_add_interpretation(
            actor=drafter,
            policy_id=policy.pk,
            kind="text",
            title=f"《{spec.title}》政策解读",
            text=f"一、出台背景\n{spec.summary}\n二、主要内容\n{spec.text.splitlines()[1] if len(spec.text.splitlines()) > 1 else spec.text}",
        )
        openness.do_add_interpretation(
            actor=drafter,
            policy_id=policy.pk,
            kind="qa",
            title="政策问答",
            qa=[{"q": q, "a": a} for q, a in spec.qa],
        )
    if spec.graphic:
        openness.do_add_interpretation(
            actor=drafter, policy_id=policy.pk, kind="graphic", title="一图读懂", image=_png()
        )
    for code in _item_codes(issuer, spec.items):
        openness.do_add_link(actor=drafter, policy_id=policy.pk, kind="item", code=code)
    if spec.bundle:
        openness.do_add_link(
            actor=drafter, policy_id=policy.pk, kind="bundle", code=spec.bundle[0], label=spec.bundle[1]
        )
    return policy.pk


def _through_review(pk: int, actors) -> None:
    drafter, reviewer, _officer, _publisher = actors
    openness.do_submit_policy(actor=drafter, policy_id=pk)
    openness.do_review_policy(actor=reviewer, policy_id=pk, approve=True, comment="同意，请保密审查。")


def _publish(spec: DemoPolicy, pk: int, actors) -> None:
    _drafter, _reviewer, officer, publisher = actors
    _through_review(pk, actors)
    openness.do_secrecy_review(actor=officer, policy_id=pk, approve=True, comment="未发现涉密和个人信息。")
    on = dt.date.fromisoformat(spec.written_on) + dt.timedelta(days=spec.days_after)
    openness.do_publish_policy(actor=publisher, policy_id=pk, published_on=min(on, timezone.localdate()))


def seed_policies(*, actor: str = ACTOR, say: Callable[[str], None]) -> int:
    """Write the demo policies that are missing; returns how many were written."""
    wrote = 0
    plan = [(spec, "published") for spec in [REPEALED, *PUBLISHED]]
    plan += [(DRAFT, "draft"), (IN_SECRECY, "secrecy")]
    for spec, goal in plan:
        issuer = _department(spec.issuer)
        if issuer is None:
            say(f"policy {spec.number} skipped: no department {spec.issuer}")
            continue
        if openness_policies.policy_id_by_number(issuer.pk, spec.number) is not None:
            continue
        actors = _actors(issuer)
        pk = _draft(spec, issuer, actors[0])
        if goal == "published":
            _publish(spec, pk, actors)
        elif goal == "secrecy":
            _through_review(pk, actors)
        wrote += 1
    superseded = _department(REPEALED.issuer)
    if superseded is not None:
        pk = openness_policies.policy_id_by_number(superseded.pk, REPEALED.number)
        if pk is not None and openness_policies.state_of(pk) == "published":
            openness.do_repeal_policy(
                actor=actor,
                policy_id=pk,
                repealed_on=PUBLISHED[0].effective_on,
                reason=f"被{PUBLISHED[0].number}废止",
            )
    if wrote:
        say(f"policies 政策文件: {wrote} written")
    return wrote
