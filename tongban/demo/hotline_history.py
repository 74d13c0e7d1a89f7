"""A synthetic history of dispatched 12345 tickets (已派单工单), for the demo and the tests of the
dispatch classifier (派单建议).

Every ticket is made from a template of what callers say about one matter (咨询, 投诉, 求助, 建议,
举报), a place in one of seven Wuhan districts (a street or landmark of that district, with its
12-digit region code), and the unit that handled it: the district's bureau for district matters,
the city's for city matters (住房公积金, 税务). A few tickets in each hundred went to a neighbouring
unit, as real histories hold dispatches that a unit later returned, and a few were filed under a
neighbouring category. Generated from a seed, so the
same tickets (texts, places, units, numbers) come out on every run.

The places are real districts and well-known streets; the matters, names and numbers are
illustrative and describe no real event. Unit names follow the demo's departments
(`tongban.demo.data.departments`: 武汉市江岸区市场监督管理局, 武汉市公安局江岸区分局, ...).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SEED = 12345

# Districts: 12-digit region code, name, streets and landmarks callers name.
DISTRICTS = (
    ("420102000000", "江岸区", ("解放大道", "黄浦大街", "后湖大道", "二七路", "台北路", "塔子湖")),
    ("420103000000", "江汉区", ("新华路", "唐家墩", "万松园路", "民族路", "江汉路", "常青路")),
    ("420104000000", "硚口区", ("汉正街", "宝丰路", "古田二路", "易家墩", "长丰大道", "集贤路")),
    ("420105000000", "汉阳区", ("钟家村", "王家湾", "四新大道", "琴台大道", "建港", "墨水湖")),
    ("420106000000", "武昌区", ("中北路", "积玉桥", "司门口", "首义路", "徐家棚", "水果湖")),
    ("420107000000", "青山区", ("红钢城", "和平大道", "冶金大道", "钢都花园", "工人村", "厂前")),
    ("420111000000", "洪山区", ("光谷广场", "珞喻路", "关山大道", "街道口", "青菱", "南湖")),
)

# The matters callers raise, each with its ticket category (`hotline.enums.Category`) ...
CATEGORY = {
    "market": "market",
    "labour": "labour",
    "civil": "service",
    "police": "safety",
    "land": "housing",
    "health": "health",
    "medical": "health",
    "fund": "housing",
    "tax": "service",
}

# ... and who handles it: a district bureau ({d} = the district) or a city unit.
UNITS = {
    "market": "武汉市{d}市场监督管理局",
    "labour": "武汉市{d}人力资源和社会保障局",
    "civil": "武汉市{d}民政局",
    "police": "武汉市公安局{d}分局",
    "land": "武汉市{d}自然资源和规划局",
    "health": "武汉市{d}卫生健康局",
    "medical": "武汉市{d}医疗保障局",
    "fund": "武汉住房公积金管理中心",
    "tax": "武汉市税务局",
}

# Where a mis-dispatched ticket of each matter went (a later return's starting point).
NEIGHBOURS = {
    "market": "health",
    "labour": "civil",
    "civil": "labour",
    "police": "civil",
    "land": "market",
    "health": "medical",
    "medical": "health",
    "fund": "land",
    "tax": "market",
}
MISDISPATCH_PER_HUNDRED = 4

# The other category a matter is sometimes filed under (operators do not all file alike).
OTHER_CATEGORY = {
    "market": "service",
    "labour": "service",
    "civil": "labour",
    "police": "urban",
    "land": "urban",
    "health": "service",
    "medical": "labour",
    "fund": "service",
    "tax": "market",
}
OTHER_CATEGORY_PER_HUNDRED = 3

SHOPS = (
    "一家超市",
    "小区门口的餐馆",
    "一家早餐店",
    "一家药店",
    "菜市场的摊位",
    "一家奶茶店",
    "网吧",
    "一家美容店",
)
COMMUNITIES = ("幸福家园", "阳光小区", "锦绣花园", "和谐社区", "东方雅园", "滨江苑", "新村", "金桥小区")

# Templates per matter, each with its kind (诉求类型). Slots: {place} {shop} {estate} {n} {m}.
TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    "market": (
        ("complaint", "{place}{shop}销售过期食品，买回家才发现已经过期{n}天，要求查处"),
        ("complaint", "{place}{shop}后厨卫生很差，吃完拉肚子，希望市场监管部门去检查"),
        ("complaint", "在{place}{shop}买的商品标价和结账价格不一致，多收了{m}元，商家拒不退还"),
        ("report", "举报{place}{shop}无证经营，没有营业执照也没有食品经营许可证"),
        ("complaint", "{place}{shop}办了预付卡充值{m}元，现在突然关门跑路，要求退款"),
        ("consult", "咨询在{place}开个体工商户营业执照要带什么材料"),
        ("complaint", "{place}的加油站涉嫌短斤少两，加了{n}升油表显示不对"),
        ("report", "举报{place}{shop}销售假冒伪劣商品，商标是假的"),
        ("complaint", "{place}一家药店卖的药比医院贵很多，价格不合理"),
    ),
    "labour": (
        ("help", "在{place}附近工地干活，老板拖欠工资{m}元已经{n}个月，求助讨薪"),
        ("complaint", "{place}一家公司不给员工缴纳社会保险，也不签劳动合同"),
        ("consult", "咨询失业保险金怎么申领，之前在{place}上班，交了{n}年社保"),
        ("complaint", "公司在{place}，辞退我不给经济补偿，要求劳动监察介入"),
        ("consult", "退休了想问养老保险待遇什么时候发放，{place}社保窗口说要等{n}个月"),
        ("help", "在{place}的餐馆打工被克扣工资，老板说试用期不发工资"),
        ("consult", "灵活就业人员在{place}怎么参加职工养老保险，每月缴多少"),
        ("help", "{place}{estate}的保洁员是老人，被物业公司拖欠工资{n}个月"),
    ),
    "civil": (
        ("help", "{place}{estate}一位独居老人生活困难，希望申请低保或者临时救助"),
        ("consult", "咨询在{place}办理结婚登记需要预约吗，要带户口本和身份证吗"),
        ("consult", "家里老人{n}岁了，想问{place}有没有养老服务补贴和高龄津贴"),
        ("complaint", "{place}的养老院服务差，护理人员对老人态度恶劣"),
        ("help", "{place}有流浪人员在桥下过夜，天冷了希望救助站来看看"),
        ("consult", "{place}{estate}想成立社区社会组织，怎么到民政局备案"),
    ),
    "police": (
        ("consult", "咨询孩子出生后在{place}怎么办理户口登记，需要出生医学证明吗"),
        ("consult", "身份证丢了，在{place}附近哪个派出所可以补办，多久能拿到"),
        ("complaint", "{place}{estate}晚上经常有人聚众喝酒打架，希望派出所加强巡逻"),
        ("report", "举报{place}有人开设赌场，每天晚上很多人进出"),
        ("help", "在{place}电动车被盗了，报警后一直没有消息"),
        ("consult", "外地户口在{place}工作，咨询居住证怎么办理"),
    ),
    "land": (
        ("consult", "在{place}{estate}买的二手房，咨询不动产权证书过户要多久"),
        ("complaint", "{place}{estate}交房{n}年了还办不了房产证，开发商一直推脱"),
        ("report", "举报{place}{estate}有业主在楼顶违法搭建，影响楼上楼下安全"),
        ("consult", "{place}{estate}小区规划变更了，绿地变成停车场，想查规划许可"),
        ("complaint", "{place}附近有人占用耕地建房，自然资源部门不管"),
    ),
    "health": (
        ("complaint", "在{place}的医院看病排队{n}个小时，医生态度差，乱开检查"),
        ("consult", "咨询在{place}怎么办理出生医学证明，孩子是在家里生的"),
        ("complaint", "{place}一家诊所没有资质给人打针输液，存在安全隐患"),
        ("consult", "{place}社区卫生服务中心能不能打疫苗，需要预约吗"),
        ("report", "举报{place}{shop}旁边的私人诊所非法行医"),
        ("complaint", "{place}{shop}向老人推销保健品，说能治病，老人花了{m}元"),
    ),
    "medical": (
        ("consult", "咨询城乡居民医保在{place}怎么缴费，今年每人多少钱"),
        ("consult", "在外地住院了，医保异地就医备案怎么办，参保地是{place}"),
        ("complaint", "{place}一家药店刷医保卡买生活用品，涉嫌骗取医保基金"),
        ("consult", "门诊慢特病在{place}怎么申请，报销比例是多少"),
        ("help", "孩子的医保断缴了{n}个月，在{place}怎么补缴"),
        ("complaint", "在{place}的医院住院，出院结算时医保报销比说的少了{m}元"),
    ),
    "fund": (
        ("consult", "咨询住房公积金提取需要什么材料，在{place}租房能不能提取"),
        ("consult", "在{place}买房想用公积金贷款，最高能贷多少，要缴存多久"),
        ("complaint", "公司在{place}，一直没给员工缴纳住房公积金"),
        ("consult", "离职了公积金账户怎么转移，新单位在{place}"),
        ("complaint", "公积金提取申请提交{n}天了还没到账，{place}网点说在审核"),
    ),
    "tax": (
        ("consult", "咨询个人所得税汇算清缴怎么在手机上办，住在{place}"),
        ("complaint", "在{place}{shop}消费不给开发票，说开发票要加{n}个点"),
        ("consult", "在{place}卖二手房要交哪些税，满五唯一能免吗"),
        ("consult", "{place}的个体户怎么申报增值税，季度{m}元以下免不免"),
    ),
}

KINDS = {"consult", "complaint", "help", "report", "suggestion"}


@dataclass(frozen=True)
class HistoryTicket:
    ref: str  # a stable reference (the demo's tickets get their own numbers; the split uses this)
    kind: str  # consult / complaint / help / report (`hotline.enums.TicketKind`)
    matter: str  # a key of TEMPLATES
    category: str  # `hotline.enums.Category`
    text: str
    address: str
    region_code: str
    unit_name: str
    dispatched_right: bool  # False: the unit a mis-dispatch reached


def unit_name(matter: str, district: str) -> str:
    return UNITS[matter].format(d=district)


def unit_names() -> list[str]:
    """Every unit the history dispatches to (the departments it needs)."""
    return sorted({unit_name(c, d[1]) for c in UNITS for d in DISTRICTS})


def history(n: int, *, seed: int = SEED) -> list[HistoryTicket]:
    """`n` dispatched tickets, the same ones for the same (n, seed)."""
    rng = random.Random(seed)
    matters = sorted(TEMPLATES)
    weights = [len(TEMPLATES[m]) for m in matters]
    out = []
    for i in range(n):
        matter = rng.choices(matters, weights)[0]
        kind, template = rng.choice(TEMPLATES[matter])
        code, district, streets = rng.choice(DISTRICTS)
        street = rng.choice(streets)
        place = rng.choice((f"{district}{street}", street, f"武汉市{district}{street}"))
        text = template.format(
            place=place,
            shop=rng.choice(SHOPS),
            estate=rng.choice(COMMUNITIES),
            n=rng.randint(2, 12),
            m=rng.choice((200, 500, 800, 1500, 3000, 5000, 12000)),
        )
        right = rng.randrange(100) >= MISDISPATCH_PER_HUNDRED
        filed_as = (
            OTHER_CATEGORY[matter] if rng.randrange(100) < OTHER_CATEGORY_PER_HUNDRED else CATEGORY[matter]
        )
        handled_by = matter if right else NEIGHBOURS[matter]
        out.append(
            HistoryTicket(
                ref=f"H{seed % 1000:03d}{i:06d}",
                kind=kind,
                matter=matter,
                category=filed_as,
                text=text,
                address=f"武汉市{district}{street}{rng.randint(1, 300)}号",
                region_code=code,
                unit_name=unit_name(handled_by, district),
                dispatched_right=right,
            )
        )
    return out
