"""Service guides (办事指南) from specs: one complete, rule-abiding guide per implementation.

Pure functions: they read specs and department rows and return `ItemBundle`s; nothing here
writes. Every guide satisfies `tongban.catalog.checks`: promised <= statutory, 即办件 exactly
when the promised limit is 0, 全程网办 only with zero visits and an online form, a reason for
every visit, a fee basis for every fee.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop as N_

from tongban.catalog.services import ItemBundle

from .data import materials as mat
from .data.conditions import CONDITIONS
from .data.specs import OBJECT_NAMES, Spec

COMPLAINT_PHONE = "12345"

# name -> (fee items, fee basis)
FEES: dict[str, tuple[list[dict], str]] = {
    "不动产": (
        [
            {"name": "不动产登记费（住宅）", "standard": "80元/件"},
            {"name": "不动产登记费（非住宅）", "standard": "550元/件"},
            {"name": "不动产权证书工本费", "standard": "每增加一本证书加收10元"},
        ],
        "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）；"
        "小微企业（含个体工商户）申请不动产登记免收登记费",
    ),
    "不动产抵押": (
        [
            {"name": "不动产抵押权登记费（住宅）", "standard": "80元/件"},
            {"name": "不动产抵押权登记费（非住宅）", "standard": "550元/件"},
        ],
        "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）；"
        "《财政部 国家发展改革委关于减免部分行政事业性收费有关政策的通知》（小微企业免收）",
    ),
    "身份证": (
        [{"name": "居民身份证工本费", "standard": "20元/证（首次申领、换领、补领）"}],
        "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）；"
        "未满16周岁首次申领的按规定收取",
    ),
    "临时身份证": (
        [{"name": "临时居民身份证工本费", "standard": "10元/证"}],
        "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）",
    ),
    "护照": (
        [{"name": "普通护照", "standard": "120元/本"}],
        "《国家发展改革委 财政部关于降低部分行政事业性收费标准的通知》；全国统一的因私出入境证件收费标准",
    ),
    "港澳": (
        [
            {"name": "往来港澳通行证（电子证件）", "standard": "60元/证"},
            {"name": "赴香港或澳门签注", "standard": "一次有效15元/件，二次有效30元/件"},
        ],
        "全国统一的因私出入境证件收费标准（国家发展改革委、财政部核定）",
    ),
    "台湾": (
        [
            {"name": "大陆居民往来台湾通行证（电子证件）", "standard": "60元/证"},
            {"name": "赴台签注", "standard": "一次有效15元/件"},
        ],
        "全国统一的因私出入境证件收费标准（国家发展改革委、财政部核定）",
    ),
    "驾驶证": (
        [{"name": "机动车驾驶证工本费", "standard": "10元/证"}],
        "公安交通管理部门证照工本费收费标准（国家发展改革委、财政部核定）",
    ),
    "号牌": (
        [
            {"name": "机动车号牌工本费", "standard": "汽车100元/副，摩托车35元/副"},
            {"name": "机动车行驶证工本费", "standard": "10元/证"},
            {"name": "机动车登记证书工本费", "standard": "10元/证"},
        ],
        "公安交通管理部门证照工本费收费标准（国家发展改革委、财政部核定）",
    ),
}

# The item type's default way of handling (see MODES) and time limits (statutory, promised, unit).
TYPE_MODE = {
    "01": "full", "02": "window", "03": "window", "04": "full", "05": "full", "06": "inspect",
    "07": "full", "08": "full", "09": "window", "10": "full", "20": "full",
}  # fmt: skip
TYPE_LIMITS = {
    "01": (20, 7, "workday"), "02": (90, 60, "calendar_day"), "03": (30, 30, "calendar_day"), "04": (0, 0, "workday"),
    "05": (20, 10, "workday"), "06": (30, 15, "workday"), "07": (20, 5, "workday"), "08": (30, 20, "workday"),
    "09": (60, 45, "calendar_day"), "10": (20, 5, "workday"), "20": (5, 1, "workday"),
}  # fmt: skip

MODES = {
    # handling forms, online depth, visits, fully online, delivery
    "full": (["1", "2", "3"], ["1", "2", "3", "4", "5", "6"], 0, True, ["window", "post", "electronic"]),
    "query": (["1", "2", "3"], ["1", "2", "3", "4", "5", "6"], 0, True, ["electronic"]),
    "once": (["1", "2", "3"], ["1", "2", "3", "4"], 1, False, ["window", "post"]),
    "window": (["1", "4"], ["1"], 1, False, ["window", "post"]),
    "twice": (["1", "2", "3"], ["1", "2", "3"], 2, False, ["window"]),
    "inspect": (["9"], ["1", "6"], 0, False, ["window", "post"]),
}

VISIT_REASONS = {
    "once": "需到窗口核验身份和申请材料原件",
    "twice": "首次到场提交申请并接受现场核验，第二次到场领取办理结果",
    "02": "当事人需到场接受调查询问、陈述申辩；处罚决定书可邮寄送达",
    "03": "实施查封、扣押时须通知当事人到场，当场交付决定书和清单",
    "09": "需当事人到场参加调查、调解或听证",
    "window": "需到窗口提交纸质材料",
}

UNIT_LABELS = {"workday": "个工作日", "calendar_day": "日", "hour": "小时", "minute": "分钟", "month": "个月"}
KIND_LABELS = {"new": "新办", "change": "变更", "renewal": "延续", "cancel": "注销", "other": "办理"}

TYPE_CONDITIONS = {
    "01": "1. 申请人具有相应的民事行为能力或主体资格；2. 申请事项符合法律、法规规定的条件和标准；3. 申请材料齐全、符合法定形式。",
    "02": "有违法事实且依法应当给予行政处罚；违法行为轻微并及时改正、没有造成危害后果的，不予行政处罚；"
    "初次违法且危害后果轻微并及时改正的，可以不予行政处罚。",
    "03": "有证据证明或有根据认为存在法律、法规规定的违法情形，为制止违法行为、防止证据损毁、避免危害发生，"
    "需要依法采取查封、扣押等行政强制措施。",
    "04": "依法负有缴纳义务的单位和个人。",
    "05": "1. 申请人符合法律法规和政策规定的待遇享受条件；2. 按规定参保缴费或纳入保障范围；"
    "3. 提供真实、有效的申请材料和待遇发放账户。",
    "06": "属于本部门监管范围的单位和个人；检查对象通过“双随机”方式抽取，或根据投诉举报、风险监测线索确定。",
    "07": "1. 申请确认的身份关系或事实清楚；2. 提交的证明材料真实、有效；3. 符合法律法规规定的确认条件。",
    "08": "在相关领域作出突出贡献，或举报线索经查证属实、符合奖励条件的单位和个人。",
    "09": "1. 当事人之间发生属于法定裁决范围的民事纠纷；2. 申请人与争议有直接利害关系；3. 有明确的请求和事实根据；"
    "4. 未就同一争议向人民法院提起诉讼。",
    "10": "1. 申请人属于本事项的服务对象；2. 申请材料齐全、符合法定形式。",
    "20": "1. 属于本事项的服务对象；2. 提供真实有效的身份证明和申请材料。",
}

TYPE_RESULTS = {
    "01": "准予行政许可决定书", "02": "行政处罚决定书", "03": "查封（扣押）决定书及清单", "04": "缴款凭证",
    "05": "待遇核定结果通知", "06": "检查结果告知书", "07": "确认结果通知", "08": "奖励决定", "09": "行政裁决书",
    "10": "办理结果通知", "20": "办理结果",
}  # fmt: skip

TYPE_MATERIALS = {
    "02": ("主体证明", "陈述申辩", "听证申请"),
    "03": ("主体证明", "现场笔录", "陈述申辩"),
    "04": ("身份证",),
    "05": ("申请表", "身份证", "银行账户", "?委托书"),
    "06": ("检查记录", "自查报告"),
    "07": ("申请表", "身份证", "证明材料", "?委托书"),
    "08": ("申请表", "主体证明", "证明材料"),
    "09": ("行政裁决申请书", "主体证明", "证明材料"),
    "10": ("申请表", "营业执照", "?委托书"),
    "20": ("申请表", "身份证"),
}

WINDOWS = {
    "approval": "综合受理窗口",
    "market": "市场监管服务窗口",
    "hrss": "人社服务窗口",
    "police": "公安户政服务窗口",
    "civil": "民政服务窗口",
    "land": "不动产登记窗口",
    "health": "卫生健康服务窗口",
    "medical": "医保服务窗口",
    "fund": "住房公积金服务窗口",
    "tax": "税费服务窗口",
    "exam": "考生服务窗口",
    "forestry": "林业服务窗口",
    "township": "综合便民服务窗口",
}

SECTOR_FAQS = {
    "approval": (
        "可以“一窗通办”吗？",
        "可以，政务服务中心综合窗口受理本事项，后台分类审批，结果由综合窗口统一出件。",
    ),
    "market": ("登记信息在哪里公示？", "可在国家企业信用信息公示系统查询和公示。"),
    "hrss": ("社保业务可以在手机上办吗？", "可以，通过鄂汇办APP“社保专区”或湖北智慧人社平台办理。"),
    "police": ("异地可以办理吗？", "已纳入“跨省通办”“省内通办”的户政业务，可在就近的公安户政窗口办理。"),
    "civil": ("可以委托他人办理吗？", "救助类事项可由他人代为申请；婚姻登记须当事人亲自到场。"),
    "land": ("登记结果怎么领取？", "可领取电子不动产权证书，纸质证书可邮寄或到窗口领取。"),
    "health": ("办理结果能在电子证照库查到吗？", "可以，结果同步归集至湖北省电子证照库。"),
    "medical": ("医保业务能网上办吗？", "可以，通过鄂汇办APP“医保专区”或国家医保服务平台APP办理。"),
    "fund": ("可以电话咨询吗？", "可拨打住房公积金服务热线12329咨询。"),
    "tax": ("在哪里可以缴纳？", "可通过鄂汇办APP、楚税通APP、电子税务局或办税服务厅办理。"),
    "exam": ("信息有误怎么办？", "请及时联系所在地招生考试机构核实更正。"),
    "township": ("在哪里办最近？", "所在乡镇（街道）便民服务中心和村（社区）便民服务室均可受理，帮办代办。"),
}
GENERAL_FAQS = (
    ("如何查询办理进度？", "登录湖北政务服务网或鄂汇办APP“我的办件”查看，也可凭受理通知书编号电话查询。"),
    ("对办理结果或服务不满意怎么办？", "可在办结后通过“好差评”评价，或拨打12345政务服务便民热线反映。"),
    ("可以委托他人代办吗？", "除须本人到场的情形外，可委托他人持授权委托书和双方身份证件代为办理。"),
    ("材料不全可以先受理吗？", "非核心材料缺失的，申请人书面承诺限期补交后可容缺受理。"),
)

_LAW = re.compile(r"《[^》]+》")
LICENCE_RESULTS = frozenset(name for _, name in mat.license_types())


@dataclass(frozen=True)
class Hall:
    """A place where people go: a service hall (政务服务中心) or a township centre."""

    name: str
    address: str
    hours: str


@dataclass(frozen=True)
class Implementer:
    """Who implements an item where: the department row, its region, the exercise level."""

    department: Any  # tongban.core Department (read through core queries)
    region_code: str  # 12-digit
    region_name: str
    level: str  # 行使层级 2/3/4/5
    hall: Hall
    weight: float  # popularity factor of the region


def implementation_code(department, level: str, basic_code: str) -> str:
    """实施编码: credit code (18) + 行使层级 (1) + basic code (12)."""
    return f"{department.credit_code}{level}{basic_code}"


def first_law(basis: str) -> str:
    m = _LAW.search(basis)
    return m.group(0) if m else "相关法律法规"


def objects_text(objects: str) -> str:
    return "、".join(OBJECT_NAMES[c] for c in objects)


def _limits(spec: Spec) -> tuple[int, str, int, str]:
    statutory, promised, unit = TYPE_LIMITS[spec.item_type]
    if spec.limits is not None:
        statutory, promised = spec.limits
        unit = spec.unit
    return statutory, unit, promised, spec.promised_unit or unit


def _limit_note(spec: Spec, statutory: int, unit: str, promised: int, punit: str) -> str:
    if statutory == 0:
        return "本事项即时办结。"
    text = f"法定办结时限{statutory}{UNIT_LABELS[unit]}；"
    text += "承诺即时办结。" if promised == 0 else f"承诺办结时限{promised}{UNIT_LABELS[punit]}。"
    if spec.item_type in ("01", "07", "09", "10"):
        text += "补齐补正、听证、检验检测、现场核查、专家评审等特别程序时间不计入办理时限。"
    elif spec.item_type == "02":
        text += "自立案之日起计算；案情复杂的经批准可以延长。"
    elif spec.item_type == "03":
        text += "查封、扣押期限不得超过30日；情况复杂的经批准可延长，但延长期限不得超过30日。"
    return text


def _description(spec: Spec, dept_name: str, result: str) -> str:
    if spec.description:
        return spec.description
    law, objs = first_law(spec.basis), objects_text(spec.objects)
    return {
        "01": f"{dept_name}依据{law}实施本项行政许可。申请人提出申请，材料齐全、符合法定形式的予以受理；经审查符合"
        f"法定条件、标准的，依法作出准予许可决定，颁发《{result}》。",
        "02": f"{dept_name}依据{law}，对{objs}的违法行为依法立案调查，查明事实后作出行政处罚决定。"
        "当事人依法享有陈述、申辩和要求听证的权利。",
        "03": f"{dept_name}依据{law}，在执法检查中对符合法定情形的场所、设施或者财物依法实施查封、扣押等行政强制措施。",
        "04": f"{dept_name}依据{law}依法征收，缴纳人可通过网上、掌上和窗口等渠道申报缴纳，即时获取电子凭证。",
        "05": f"符合条件的申请人向{dept_name}提出申请，经审核符合条件的按规定标准核定并发放，资金直接发放至本人社会保障卡"
        "金融账户或指定银行账户。",
        "06": f"{dept_name}依据{law}对{objs}开展监督检查，推行“双随机、一公开”和“综合查一次”，检查结果依法公示。",
        "07": f"{dept_name}依据{law}，对申请人申请确认的身份关系或事实进行审查，符合条件的予以确认并出具{result}。",
        "08": f"{dept_name}依据{law}，对符合条件的单位和个人给予奖励或表彰。",
        "09": f"{dept_name}依据{law}，对当事人之间与行政管理活动密切相关的民事纠纷进行审查，依法作出裁决。",
        "10": f"{dept_name}依据{law}办理本事项，材料齐全、符合法定形式的即时或在承诺时限内办结。",
        "20": f"{dept_name}面向{objs}提供本项服务，可通过湖北政务服务网、鄂汇办APP或政务服务窗口办理。",
    }[spec.item_type]


def _steps(spec: Spec, mode: str, promised: int, punit: str, dept_name: str) -> list[dict]:
    t = spec.item_type
    if t == "02":
        return [
            {"name": "立案", "description": "对发现的违法线索核查后决定立案", "time_limit": "15个工作日内"},
            {
                "name": "调查取证",
                "description": "两名以上执法人员出示执法证件，调查、收集证据",
                "time_limit": "—",
            },
            {
                "name": "告知",
                "description": "送达行政处罚事先告知书，告知拟处罚内容及陈述、申辩、听证权利",
                "time_limit": "—",
            },
            {
                "name": "陈述申辩或听证",
                "description": "听取当事人意见；符合条件的依申请组织听证",
                "time_limit": "5个工作日",
            },
            {"name": "决定", "description": "经审核、法制审核后作出处罚决定", "time_limit": "立案后90日内"},
            {
                "name": "送达与执行",
                "description": "送达行政处罚决定书，当事人依法履行或申请复议、提起诉讼",
                "time_limit": "7日内送达",
            },
        ]
    if t == "03":
        return [
            {
                "name": "报告批准",
                "description": "执法人员报本部门负责人批准；情况紧急的当场实施后24小时内补办",
                "time_limit": "—",
            },
            {
                "name": "实施",
                "description": "通知当事人到场，出示执法证件，制作现场笔录和物品清单",
                "time_limit": "当场",
            },
            {"name": "交付决定书", "description": "当场交付查封、扣押决定书和清单", "time_limit": "当场"},
            {
                "name": "处理",
                "description": "查明事实后依法作出没收、销毁或解除查封扣押的决定",
                "time_limit": "30日内",
            },
        ]
    if t == "06":
        return [
            {
                "name": "制定计划",
                "description": "通过“双随机”抽取检查对象和执法人员，制定检查方案",
                "time_limit": "—",
            },
            {"name": "实施检查", "description": "两名以上执法人员现场检查，填写检查记录", "time_limit": "—"},
            {
                "name": "结果处理与公示",
                "description": "告知检查结果，发现问题的责令整改；检查结果20个工作日内公示",
                "time_limit": "20个工作日",
            },
        ]
    if t == "09":
        return [
            {"name": "申请", "description": "当事人提交书面裁决申请", "time_limit": "—"},
            {"name": "受理", "description": "审查是否属于裁决范围，决定是否受理", "time_limit": "5个工作日"},
            {"name": "调查调解", "description": "通知被申请人答辩，调查核实，先行调解", "time_limit": "—"},
            {
                "name": "裁决",
                "description": "调解不成的依法作出裁决",
                "time_limit": f"{promised}{UNIT_LABELS[punit]}内",
            },
            {"name": "送达", "description": "送达行政裁决书", "time_limit": "—"},
        ]
    channel = (
        "登录湖北政务服务网或鄂汇办APP在线填报、上传材料"
        if mode != "window"
        else "到政务服务窗口提交申请材料"
    )
    if promised == 0:
        return [
            {"name": "申请", "description": f"{channel}，或到窗口申请", "time_limit": "随时"},
            {
                "name": "受理并办结",
                "description": f"{dept_name}审核，符合条件的即时办结",
                "time_limit": "即时",
            },
            {
                "name": "结果反馈",
                "description": "办理结果即时推送，电子结果可在“我的证照”“我的办件”中查看",
                "time_limit": "即时",
            },
        ]
    total = f"{promised}{UNIT_LABELS[punit]}"
    return [
        {"name": "申请", "description": channel, "time_limit": "随时"},
        {
            "name": "受理",
            "description": "材料齐全、符合法定形式的予以受理；材料不全的一次性告知需补正的全部内容",
            "time_limit": "即时",
        },
        {
            "name": N_("审查"),
            "description": f"{dept_name}对申请材料进行审查，需要现场核查的组织核查",
            "time_limit": f"{total}内",
        },
        {
            "name": "决定",
            "description": "作出准予或不予办理的决定；不予办理的说明理由并告知救济途径",
            "time_limit": f"{total}内",
        },
        {
            "name": "送达",
            "description": "结果通过窗口领取、邮政寄递或电子证照送达",
            "time_limit": "决定后即时",
        },
    ]


def _window(spec: Spec, sector: str) -> str:
    name = spec.name
    if sector == "police" and any(k in name for k in ("护照", "港澳", "台湾", "出入境")):
        return "出入境服务窗口"
    if sector == "police" and any(k in name for k in ("驾驶", "机动车", "交通")):
        return "交通管理服务窗口"
    if sector == "civil" and "婚" in name:
        return "婚姻登记处"
    return WINDOWS.get(sector, "综合受理窗口")


def _places(spec: Spec, imp: Implementer, sector: str) -> list[dict]:
    dept = imp.department
    if spec.item_type in ("02", "03", "06"):
        return [
            {
                "name": f"{dept.name}（执法办案）",
                "address": dept.address,
                "hours": dept.hours,
                "phone": dept.phone,
            }
        ]
    if sector == "township":
        return [
            {"name": dept.name, "address": imp.hall.address, "hours": imp.hall.hours, "phone": dept.phone}
        ]
    return [
        {
            "name": f"{imp.hall.name}{_window(spec, sector)}",
            "address": imp.hall.address,
            "hours": imp.hall.hours,
            "phone": dept.phone,
        }
    ]


def _result_sample(spec: Spec, result: str, dept_name: str) -> str:
    if spec.item_type in ("02", "03", "06", "09"):
        return f"《{result}》（文书样式）：载明当事人、事实和理由、依据、决定内容、救济途径和期限，加盖{dept_name}印章。"
    if spec.item_type == "01" or result in LICENCE_RESULTS:
        return (
            f"《{result}》（样本）：载明持证人名称和证件号码、许可（登记）事项、有效期限、证书编号、发证机关{dept_name}"
            "及发证日期，加盖电子印章；电子证照同步归集至湖北省电子证照库，可在“我的证照”中查看和亮证。"
        )
    return (
        f"{result}（样本）：载明申请人姓名（名称）和证件号码、办理事项、办理结果、办理机构{dept_name}及日期，"
        "加盖电子印章；可在湖北政务服务网或鄂汇办APP“我的办件”中查看、下载。"
    )


def handling_rows(spec: Spec, item_code: str, name: str) -> list[dict]:
    entries = spec.handling or (("new",) if spec.item_type == "01" else ("other",))
    rows = []
    for i, entry in enumerate(entries, start=1):
        kind, _, label = entry.partition(":")
        title = name if len(entries) == 1 and not label else f"{name}（{label or KIND_LABELS[kind]}）"
        rows.append({"code": f"{item_code}{i:03d}", "name": title, "kind": kind})
    return rows


def material_rows(entries, item_name: str) -> list[dict]:
    return [e if isinstance(e, dict) else mat.material(e, item_name=item_name) for e in entries]


def _popularity(spec: Spec, imp: Implementer, rng: random.Random) -> int:
    base = spec.hot if spec.hot else rng.randrange(5, 60)
    return max(1, int(base * imp.weight * rng.uniform(0.8, 1.2)))


def build_bundle(spec: Spec, imp: Implementer, rng: random.Random, *, sector: str) -> ItemBundle:
    """A complete guide of `spec` implemented by `imp`. The rng draws local variation
    (some places not yet fully online, shorter promised limits)."""
    dept = imp.department
    code = implementation_code(dept, imp.level, spec.code)
    mode = spec.mode or TYPE_MODE[spec.item_type]
    # Local variation: a place that still needs one visit, or one more (reform in progress).
    if mode == "full" and spec.item_type in ("01", "05", "07", "10", "20") and rng.random() < 0.22:
        mode = "once"
    elif mode == "once" and rng.random() < 0.03:
        mode = "twice"
    forms, depth, visits, fully_online, delivery = MODES[mode]
    forms, depth, delivery = list(forms), list(depth), list(delivery)
    result = spec.result or TYPE_RESULTS[spec.item_type]
    if fully_online and result in LICENCE_RESULTS:
        depth.append("7")  # 电子证照反馈
    visit_reason = ""
    if visits and spec.visit_reason and (spec.mode or TYPE_MODE[spec.item_type]) == mode:
        visit_reason = spec.visit_reason
    elif visits and mode == "window":
        visit_reason = VISIT_REASONS.get(spec.item_type, VISIT_REASONS["window"])
    elif visits:
        visit_reason = VISIT_REASONS[mode]
    statutory, unit, promised, punit = _limits(spec)
    if promised > 1 and punit == "workday" and promised <= 30 and rng.random() < 0.3:
        promised -= rng.randint(1, min(2, promised - 1))
    fees, fee_basis = FEES[spec.fee] if spec.fee else ([], "")
    faqs = [{"q": q, "a": a} for q, a in spec.faqs[:2]]
    if sector in SECTOR_FAQS:
        q, a = SECTOR_FAQS[sector]
        faqs.append({"q": q, "a": a})
    q, a = rng.choice(GENERAL_FAQS)
    faqs.append({"q": q, "a": a})
    data = {
        "code": code,
        "basic_code": spec.code,
        "name": spec.name,
        "item_type": spec.item_type,
        "level": imp.level,
        "department_id": dept.pk,
        "region_id": imp.region_code,
        "service_objects": list(spec.objects),
        "description": _description(spec, dept.name, result),
        "legal_basis": spec.basis,
        "conditions": spec.conditions or CONDITIONS.get(spec.name) or TYPE_CONDITIONS[spec.item_type],
        "statutory_limit": statutory,
        "statutory_unit": unit,
        "promised_limit": promised,
        "promised_unit": punit,
        "limit_note": _limit_note(spec, statutory, unit, promised, punit),
        "case_type": "1" if promised == 0 else "2",
        "charged": bool(fees),
        "fees": [dict(f) for f in fees],
        "fee_basis": fee_basis,
        "visits": visits,
        "visit_reason": visit_reason,
        "handling_forms": forms,
        "online_depth": depth,
        "fully_online": fully_online,
        "nearby": spec.nearby or imp.level == "5",
        "delivery_methods": delivery,
        "steps": _steps(spec, mode, promised, punit, dept.name),
        "places": _places(spec, imp, sector),
        "consult_phone": dept.phone,
        "complaint_phone": COMPLAINT_PHONE,
        "faqs": faqs,
        "result_name": result,
        "result_sample": _result_sample(spec, result, dept.name),
        "popularity": _popularity(spec, imp, rng),
    }
    materials = spec.materials or TYPE_MATERIALS.get(spec.item_type) or ("申请表", "身份证", "?委托书")
    if spec.item_type == "01" and not spec.materials:
        materials = (
            ("申请表", "法定代表人身份证", "营业执照", "?委托书")
            if "2" in spec.objects
            else ("申请表", "身份证")
        )
    return ItemBundle(data, material_rows(materials, spec.name), handling_rows(spec, code, spec.name))


def featured_bundle(entry: dict, spec: Spec, imp: Implementer) -> ItemBundle:
    """A hand-written guide (data.featured) for `imp`: codes and ids filled in."""
    dept = imp.department
    code = implementation_code(dept, imp.level, spec.code)
    data = {
        "code": code,
        "basic_code": spec.code,
        "name": spec.name,
        "item_type": spec.item_type,
        "level": imp.level,
        "department_id": dept.pk,
        "region_id": imp.region_code,
        "legal_basis": spec.basis,
        "statutory_unit": "workday",
        "promised_unit": "workday",
        **entry["guide"],
    }
    handling = [
        {"code": f"{code}{i:03d}", "name": name, "kind": kind}
        for i, (kind, name) in enumerate(entry["handling"], start=1)
    ]
    return ItemBundle(data, material_rows(entry["materials"], spec.name), handling)


# --- 四级四同 divergences --------------------------------------------------------------------


def diverge(bundle: ItemBundle, spec: Spec, rng: random.Random) -> str:
    """Make one implementation differ from its basic item the way real catalogues do: a local
    name, or a differently worded legal basis. Returns which element was changed."""
    data = bundle.data
    if spec.alias and rng.random() < 0.6:
        data["name"] = spec.alias
        return "name"
    basis = data["legal_basis"]
    if "《中华人民共和国" in basis:
        data["legal_basis"] = basis.replace("《中华人民共和国", "《", 1)  # the short title of the law
    else:
        data["legal_basis"] = basis + "；《湖北省优化营商环境条例》"
    return "legal_basis"
