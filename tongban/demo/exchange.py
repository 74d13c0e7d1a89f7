"""Seeding the demo's data sharing catalogue (政务信息资源目录) through `exchange`'s services.

- The six base registers, catalogued and mounted (`exchange.registers.ensure_registers`):
  人口 by 湖北省公安厅, 法人 by 武汉市江夏区行政审批局 (the issue's story: 江汉's food-licence system
  requests 法人库 fields and 江夏's administrator approves them); 电子证照, 社会信用, 空间地理 and
  宏观经济 by 湖北省数据局 (the province's data bureau, added here: it runs the province's sharing
  and credit platforms in this demo).
- A catalogue for every demo department: a handful of entries from its sector's templates below
  (more at the province than in a county; 便民服务中心 one), with mixed share and open types;
  about 79.7% of all entries mounted (Hubei's 1,238 of 1,554), spread evenly.
- A few credit files (社会信用库) for enterprises of the demo's legal-person register.

Deterministic and idempotent: codes are derived from the region and the sector, and what exists
is left alone, so a second run writes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from django.db import transaction

from tongban.accounts import queries as account_queries
from tongban.core import queries as core_queries
from tongban.core import services as core_services
from tongban.exchange import catalogue, credit, registers
from tongban.exchange import queries as exchange_queries

from .data import places
from .data.departments import credit_code_for

ACTOR = "system:seed"
HUBEI_MOUNTED_SHARE = 1238 / 1554  # 79.7%
DATA_BUREAU = "湖北省数据局"
REGISTER_PROVIDERS = {
    "population": "湖北省公安厅",
    "legal_person": "武汉市江夏区行政审批局",
    "licence": DATA_BUREAU,
    "credit": DATA_BUREAU,
    "geospatial": DATA_BUREAU,
    "economy": DATA_BUREAU,
}

SECTOR_CODES = {
    "approval": "XZSP", "market": "SCJG", "hrss": "RSHB", "police": "GA", "civil": "MZ", "forestry": "LY",
    "health": "WSJK", "housing": "ZJ", "land": "ZRZY", "exam": "JYKS", "education": "JY", "fund": "GJJ",
    "tax": "SW", "medical": "YB", "transport": "JT", "ecology": "STHJ", "agriculture": "NYNC", "culture": "WHLY",
    "emergency": "YJGL", "veterans": "TYJR", "water": "SL", "township": "BMFW",
}  # fmt: skip

OPEN = ("unconditional", "open")
SHARED = ("unconditional", "closed")
CONDITIONAL = ("conditional", "closed")
NOT_SHARED = ("none", "closed")

# (name, share/open, frequency, format, fields (key, name, type, sensitivity), mount table)
COMMON = [
    ("政务服务事项目录", OPEN, "monthly", "database",
     [("item_code", "事项编码", "C", "public"), ("item_name", "事项名称", "C", "public"),
      ("legal_limit", "法定办结时限", "N", "public"), ("promised_limit", "承诺办结时限", "N", "public")],
     "catalog.ImplementationItem"),
    ("政务服务办件信息", CONDITIONAL, "realtime", "database",
     [("case_number", "办件编号", "C", "internal"), ("item_code", "事项编码", "C", "public"),
      ("applicant_name", "申请人名称", "C", "personal"), ("state", "办理状态", "C", "internal"),
      ("concluded_on", "办结日期", "D", "internal")],
     "cases.Case"),
]  # fmt: skip

BY_SECTOR: dict[str, list] = {
    "approval": [
        ("行政许可决定信息", SHARED, "daily", "database",
         [("decision_no", "许可决定书文号", "C", "public"), ("holder", "行政相对人名称", "C", "public"),
          ("credit_code", "统一社会信用代码", "C", "public"), ("decided_on", "许可决定日期", "D", "public")],
         "licences.Licence"),
        ("投资项目审批信息", CONDITIONAL, "daily", "database",
         [("project_code", "项目代码", "C", "public"), ("project_name", "项目名称", "C", "public"),
          ("investment", "总投资", "Y", "internal")],
         "cases.Case"),
    ],
    "market": [
        ("市场主体登记信息", SHARED, "realtime", "database",
         [("credit_code", "统一社会信用代码", "C", "public"), ("name", "名称", "C", "public"),
          ("legal_rep_name", "法定代表人", "C", "personal"), ("established", "成立日期", "D", "public")],
         "accounts.LegalPersonRecord"),
        ("食品经营许可信息", CONDITIONAL, "daily", "database",
         [("licence_no", "许可证编号", "C", "public"), ("holder", "经营者名称", "C", "public"),
          ("premises", "经营场所", "C", "internal"), ("valid_until", "有效期至", "D", "public")],
         "licences.Licence"),
        ("行政处罚信息", OPEN, "daily", "database",
         [("decision_no", "处罚决定书文号", "C", "public"), ("party", "当事人名称", "C", "public"),
          ("penalty", "处罚内容", "M", "public")],
         "exchange.CreditRecord"),
        ("双随机抽查结果信息", OPEN, "monthly", "spreadsheet",
         [("party", "检查对象", "C", "public"), ("result", "抽查结果", "C", "public"), ("checked_on", "检查日期", "D", "public")],
         "cases.Case"),
    ],
    "hrss": [
        ("社会保险参保信息", CONDITIONAL, "daily", "database",
         [("id_number", "公民身份号码", "C", "personal"), ("insurance", "险种", "C", "internal"),
          ("state", "参保状态", "C", "personal")],
         "accounts.PopulationRecord"),
        ("职业资格证书信息", SHARED, "monthly", "database",
         [("certificate_no", "证书编号", "C", "internal"), ("occupation", "职业（工种）", "C", "public"),
          ("level", "等级", "C", "public")],
         "licences.Licence"),
        ("特殊工时工作制审批信息", CONDITIONAL, "monthly", "database",
         [("decision_no", "决定书文号", "C", "public"), ("employer", "用人单位", "C", "public")],
         "licences.Licence"),
    ],
    "police": [
        ("户籍人口信息", NOT_SHARED, "realtime", "database",
         [("id_number", "公民身份号码", "C", "personal"), ("name", "姓名", "C", "personal"),
          ("address", "户籍地址", "C", "personal")],
         "accounts.PopulationRecord"),
        ("居住证办理信息", CONDITIONAL, "daily", "database",
         [("permit_no", "居住证编号", "C", "personal"), ("valid_until", "有效期至", "D", "personal")],
         "cases.Case"),
        ("机动车驾驶证信息", CONDITIONAL, "daily", "database",
         [("licence_no", "驾驶证号", "C", "personal"), ("class", "准驾车型", "C", "personal")],
         "licences.Licence"),
    ],
    "civil": [
        ("婚姻登记信息", CONDITIONAL, "realtime", "database",
         [("certificate_no", "结婚证字号", "C", "personal"), ("registered_on", "登记日期", "D", "personal")],
         "licences.Licence"),
        ("社会组织登记信息", OPEN, "monthly", "database",
         [("credit_code", "统一社会信用代码", "C", "public"), ("name", "名称", "C", "public")],
         "accounts.LegalPersonRecord"),
        ("最低生活保障对象信息", NOT_SHARED, "monthly", "database",
         [("id_number", "公民身份号码", "C", "personal"), ("amount", "保障金额", "Y", "personal")],
         "cases.Case"),
    ],
    "forestry": [
        ("林木采伐许可信息", SHARED, "monthly", "database",
         [("licence_no", "许可证编号", "C", "public"), ("volume", "采伐蓄积", "N", "public")],
         "licences.Licence"),
    ],
    "health": [
        ("医疗机构执业许可信息", OPEN, "monthly", "database",
         [("licence_no", "登记号", "C", "public"), ("name", "机构名称", "C", "public")],
         "licences.Licence"),
        ("出生医学证明信息", CONDITIONAL, "daily", "database",
         [("certificate_no", "出生医学证明编号", "C", "personal"), ("born_on", "出生日期", "D", "personal")],
         "cases.Case"),
    ],
    "housing": [
        ("建筑业企业资质信息", OPEN, "monthly", "database",
         [("certificate_no", "资质证书编号", "C", "public"), ("grade", "资质等级", "C", "public")],
         "licences.Licence"),
        ("商品房预售许可信息", OPEN, "weekly", "database",
         [("permit_no", "预售许可证号", "C", "public"), ("project", "项目名称", "C", "public")],
         "licences.Licence"),
    ],
    "land": [
        ("不动产登记信息", CONDITIONAL, "realtime", "database",
         [("certificate_no", "不动产权证书号", "C", "internal"), ("owner", "权利人", "C", "personal"),
          ("location", "坐落", "C", "internal")],
         "cases.Case"),
        ("建设用地规划许可信息", OPEN, "monthly", "database",
         [("permit_no", "许可证号", "C", "public"), ("area", "用地面积", "N", "public")],
         "licences.Licence"),
    ],
    "exam": [
        ("教育考试成绩信息", CONDITIONAL, "irregular", "database",
         [("candidate_no", "考生号", "C", "personal"), ("score", "成绩", "N", "personal")],
         "cases.Case"),
    ],
    "education": [
        ("学历学籍信息", CONDITIONAL, "yearly", "database",
         [("student_no", "学籍号", "C", "personal"), ("school", "学校", "C", "internal")],
         "cases.Case"),
        ("教师资格证书信息", SHARED, "monthly", "database",
         [("certificate_no", "证书号码", "C", "internal"), ("subject", "任教学科", "C", "public")],
         "licences.Licence"),
    ],
    "fund": [
        ("住房公积金缴存信息", CONDITIONAL, "monthly", "database",
         [("account_no", "个人账号", "C", "personal"), ("balance", "账户余额", "Y", "personal")],
         "cases.Case"),
    ],
    "tax": [
        ("纳税信用等级信息", OPEN, "yearly", "database",
         [("credit_code", "纳税人识别号", "C", "public"), ("level", "纳税信用等级", "C", "public")],
         "exchange.CreditRecord"),
        ("完税证明信息", CONDITIONAL, "daily", "database",
         [("certificate_no", "完税证明号码", "C", "internal"), ("amount", "实缴金额", "Y", "internal")],
         "cases.Case"),
    ],
    "medical": [
        ("基本医疗保险参保信息", CONDITIONAL, "daily", "database",
         [("id_number", "公民身份号码", "C", "personal"), ("state", "参保状态", "C", "personal")],
         "accounts.PopulationRecord"),
        ("定点医药机构信息", OPEN, "monthly", "spreadsheet",
         [("code", "机构编码", "C", "public"), ("name", "机构名称", "C", "public")],
         "cases.Case"),
    ],
    "transport": [
        ("道路运输经营许可信息", SHARED, "monthly", "database",
         [("licence_no", "许可证号", "C", "public"), ("scope", "经营范围", "C", "public")],
         "licences.Licence"),
    ],
    "ecology": [
        ("排污许可信息", OPEN, "monthly", "database",
         [("permit_no", "排污许可证编号", "C", "public"), ("unit", "排污单位", "C", "public")],
         "licences.Licence"),
    ],
    "agriculture": [
        ("农药经营许可信息", SHARED, "monthly", "database",
         [("licence_no", "许可证编号", "C", "public"), ("holder", "经营者", "C", "public")],
         "licences.Licence"),
    ],
    "culture": [
        ("娱乐场所经营许可信息", OPEN, "monthly", "database",
         [("licence_no", "许可证号", "C", "public"), ("name", "场所名称", "C", "public")],
         "licences.Licence"),
    ],
    "emergency": [
        ("安全生产许可信息", SHARED, "monthly", "database",
         [("licence_no", "许可证编号", "C", "public"), ("unit", "企业名称", "C", "public")],
         "licences.Licence"),
    ],
    "veterans": [
        ("退役军人优待证信息", NOT_SHARED, "monthly", "database",
         [("card_no", "优待证号", "C", "personal"), ("name", "姓名", "C", "personal")],
         "cases.Case"),
    ],
    "water": [
        ("取水许可信息", OPEN, "monthly", "database",
         [("permit_no", "取水许可证号", "C", "public"), ("volume", "许可水量", "N", "public")],
         "licences.Licence"),
    ],
    "township": [],
}  # fmt: skip

BASES = {
    "conditional": "《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条",
    "none": "《中华人民共和国个人信息保护法》第三十四条（涉及个人隐私，依法不予共享）",
}
CONDITIONS = "用于法定职责范围内的审批、服务和监管"


def _level_count(level: int, rng: random.Random) -> int:
    """How many entries a department of `level` catalogues (province 1 ... township 5)."""
    return {1: 6, 2: 4, 3: 1 + (rng.random() < 0.6), 4: 1}.get(level, 1)


def _entry(dept, code: str, template) -> dict:
    name, (share, open_type), frequency, fmt, fields, _target = template
    return {
        "provider_id": dept.pk,
        "code": code,
        "values": {
            "name": f"{dept.name}{name}",
            "summary": f"{dept.name}在履职中产生的{name.removesuffix('信息')}信息。",
            "resource_class": "department",
            "subject": name,
            "format": fmt,
            "fields": [{"key": k, "name": n, "type": t, "sensitivity": s} for k, n, t, s in fields],
            "share_type": share,
            "share_basis": BASES.get(share, ""),
            "share_condition": CONDITIONS if share == "conditional" else "",
            "open_type": open_type,
            "update_frequency": frequency,
            "keywords": [name.removesuffix("信息")],
        },
    }


def department_catalogue(departments) -> list[dict]:
    """The demo entries of `departments` ((department, sector, level) in a stable order), each
    with its mount table or None; about HUBEI_MOUNTED_SHARE of all (registers included)
    mounted, spread evenly."""
    out: list[dict] = []
    used: set[str] = set()
    for dept, sector, level in departments:
        rng = random.Random(f"tongban-demo:exchange:{dept.name}")
        templates = BY_SECTOR.get(sector, []) + COMMON
        if sector == "township":
            templates = COMMON[:1]
        region = dept.region_id[:9] if level >= 4 else dept.region_id[:6]
        prefix = f"BM-{region}-{SECTOR_CODES.get(sector, 'QT')}"
        while prefix in used:  # two departments of one sector in one region
            prefix += "X"
        used.add(prefix)
        for n, template in enumerate(templates[: _level_count(level, rng)], start=1):
            entry = _entry(dept, f"{prefix}-{n:03d}", template)
            entry["target"] = template[5]
            out.append(entry)
    total = len(out) + len(registers.CODES)
    to_mount = round(HUBEI_MOUNTED_SHARE * total) - len(registers.CODES)
    for i, entry in enumerate(out):
        # Bresenham: entry i is mounted when the running share crosses the next whole entry.
        mounted = (i + 1) * to_mount // len(out) > i * to_mount // len(out)
        target = entry.pop("target")
        entry["mount"] = {"kind": "table", "target": target} if mounted else None
    return out


def _data_bureau(actor: str):
    found = core_queries.departments().filter(name=DATA_BUREAU).first()
    if found is not None:
        return found
    rng = random.Random(f"tongban-demo:contact:{DATA_BUREAU}")
    return core_services.do_upsert_department(
        actor=actor,
        name=DATA_BUREAU,
        credit_code=credit_code_for(DATA_BUREAU, "420000"),
        region_code=places.PROVINCE_CODE,
        kind="bureau",
        phone=places.phone(rng, places.PROVINCE_CODE),
        address=places.street_address(rng, "武汉市武昌区"),
        hours=places.HALL_HOURS[1],
        description="统筹全省数据资源整合共享和开发利用，运行政务数据共享交换平台。",
    )


def _credit_files(actor: str) -> int:
    """Credit files for the first enterprises of the demo's legal-person register."""
    wrote = 0
    rows = account_queries.legal_register_records().order_by("credit_code")[:40]
    for i, row in enumerate(rows):
        rng = random.Random(f"tongban-demo:credit:{row.credit_code}")
        level = "A" if i % 5 else ("C" if i % 10 else "B")
        entries = [
            {"kind": "honour", "title": "纳税信用A级纳税人", "authority": "国家税务总局湖北省税务局",
             "decided_on": f"2025-0{rng.randint(3, 9)}-01"},
        ]  # fmt: skip
        if level == "C":
            entries = [
                {"kind": "dishonour", "title": "未按规定报送年度报告，列入经营异常名录",
                 "authority": "武汉市江夏区市场监督管理局", "decided_on": "2026-07-01", "valid_until": "2029-07-01"},
            ]  # fmt: skip
        if exchange_queries.credit_file_exists(row.credit_code):
            continue
        credit.do_upsert_credit_record(
            actor=actor,
            credit_code=row.credit_code,
            name=row.name,
            level=level,
            evaluated_on="2026-10-01",
            entries=entries,
        )
        wrote += 1
    return wrote


def seed_exchange(*, actor: str = ACTOR, say: Callable[[str], None]) -> dict[str, int]:
    """The registers, the departments' catalogues and the credit files; only what is missing."""
    with transaction.atomic():
        bureau = _data_bureau(actor)
        providers = {}
        for register, name in REGISTER_PROVIDERS.items():
            dept = bureau if name == DATA_BUREAU else core_queries.departments().filter(name=name).first()
            providers[register] = dept or bureau
        wrote = registers.ensure_registers(actor=actor, providers=providers)
        depts = [
            (d, _sector(d), d.region.level)
            for d in core_queries.departments().exclude(name=DATA_BUREAU).order_by("region_id", "name")
        ]
        imported = catalogue.do_import_entries(actor=actor, entries=department_catalogue(depts))
        credits = _credit_files(actor)
    stats = exchange_queries.catalogue_stats().total
    say(
        f"data sharing 共享交换: registers {wrote['created']} created, {wrote['mounted']} mounted; "
        f"department entries {imported['created']} created ({imported['mounted']} mounted); "
        f"credit files {credits}; catalogue {stats.entries} entries, {stats.mounted} mounted "
        f"({stats.mounted_share}%)"
    )
    return {"registers": wrote["created"] + wrote["revised"] + wrote["mounted"], "entries": imported["created"],
            "credit": credits}  # fmt: skip


SECTOR_WORDS = (
    ("便民服务中心", "township"), ("行政审批", "approval"), ("市场监督", "market"), ("人力资源", "hrss"),
    ("公安", "police"), ("民政", "civil"), ("林业", "forestry"), ("卫生健康", "health"), ("住房和城乡建设", "housing"),
    ("不动产", "land"), ("自然资源", "land"), ("教育考试", "exam"), ("教育", "education"), ("公积金", "fund"),
    ("税务", "tax"), ("医疗保障", "medical"), ("交通运输", "transport"), ("生态环境", "ecology"),
    ("农业农村", "agriculture"), ("文化和旅游", "culture"), ("应急管理", "emergency"), ("退役军人", "veterans"),
    ("水利", "water"),
)  # fmt: skip


def _sector(dept) -> str:
    """The department's sector, by its name (the demo's departments carry it only in data)."""
    return next((sector for word, sector in SECTOR_WORDS if word in dept.name), "")
