"""Departments (部门) of the demo province.

Each department has a *sector* key that the catalogue uses to find who implements an item
in a region ("market" = 市场监管, "approval" = 行政审批局 ...). Provincial departments sit in
420000, municipal ones in their city, county ones in their county, and the township
便民服务中心 in their township. Credit codes are generated from the department's name, so
they are the same on every run and on every database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tongban.core.identifiers import make_credit_code

# Sector keys and what they mean (for readers; the code only compares keys).
SECTORS = {
    "approval": "行政审批（相对集中行政许可权）",
    "market": "市场监管",
    "hrss": "人力资源和社会保障",
    "police": "公安",
    "civil": "民政",
    "forestry": "林业",
    "health": "卫生健康",
    "housing": "住房和城乡建设",
    "land": "自然资源和规划（不动产登记）",
    "exam": "教育考试",
    "education": "教育",
    "fund": "住房公积金",
    "tax": "税务",
    "medical": "医疗保障",
    "transport": "交通运输",
    "ecology": "生态环境",
    "agriculture": "农业农村",
    "culture": "文化和旅游",
    "emergency": "应急管理",
    "veterans": "退役军人事务",
    "water": "水利",
    "township": "乡镇（街道）便民服务",
}


@dataclass(frozen=True)
class DeptSpec:
    sector: str
    name: str
    kind: str = "bureau"  # tongban.core.enums.DepartmentKind
    institution: bool = False  # 事业单位: credit code kind 12 instead of 11 (机关)
    description: str = ""

    @property
    def credit_kind(self) -> str:
        return "12" if self.institution else "11"


PROVINCIAL = (
    DeptSpec(
        "market",
        "湖北省市场监督管理局",
        description="负责全省市场综合监督管理、市场主体统一登记注册、食品安全监督管理等。",
    ),
    DeptSpec(
        "hrss",
        "湖北省人力资源和社会保障厅",
        description="负责全省就业创业、社会保险、劳动关系和人事人才工作。",
    ),
    DeptSpec(
        "police", "湖北省公安厅", description="负责全省户籍、居民身份证、出入境、交通管理等公安政务服务。"
    ),
    DeptSpec(
        "civil", "湖北省民政厅", description="负责全省社会救助、婚姻登记、社会组织、养老服务和殡葬管理工作。"
    ),
    DeptSpec(
        "forestry", "湖北省林业局", description="负责全省森林资源保护利用、林木采伐管理、野生动植物保护。"
    ),
    DeptSpec(
        "health",
        "湖北省卫生健康委员会",
        description="负责全省医疗机构和医务人员管理、公共卫生、妇幼健康服务。",
    ),
    DeptSpec(
        "housing",
        "湖北省住房和城乡建设厅",
        description="负责全省建筑市场、房地产市场、城市建设和住房保障管理。",
    ),
    DeptSpec(
        "land", "湖北省自然资源厅", description="负责全省自然资源统一确权登记、国土空间规划和用途管制。"
    ),
    DeptSpec(
        "exam",
        "湖北省教育考试院",
        kind="institution",
        institution=True,
        description="承担全省普通高校招生考试、自学考试等国家教育考试的组织实施和成绩、录取信息服务。",
    ),
    DeptSpec(
        "fund",
        "湖北省住房公积金中心",
        kind="institution",
        institution=True,
        description="承担省直单位住房公积金的归集、提取、贷款和查询服务。",
    ),
    DeptSpec(
        "tax",
        "湖北省税务局",
        kind="vertical",
        description="负责全省税收和社会保险费、非税收入征收管理与纳税服务。",
    ),
    DeptSpec(
        "medical", "湖北省医疗保障局", description="负责全省基本医疗保险、生育保险、医疗救助和异地就医管理。"
    ),
    DeptSpec("education", "湖北省教育厅", description="负责全省各级各类教育管理、教师资格认定和学生资助。"),
    DeptSpec("transport", "湖北省交通运输厅", description="负责全省道路运输、公路路政和交通运输市场管理。"),
    DeptSpec("ecology", "湖北省生态环境厅", description="负责全省环境影响评价、排污许可和生态环境执法。"),
    DeptSpec(
        "agriculture", "湖北省农业农村厅", description="负责全省种植业、畜牧兽医、农业投入品监管和惠农补贴。"
    ),
    DeptSpec("culture", "湖北省文化和旅游厅", description="负责全省文化市场、旅游市场和演出市场管理。"),
    DeptSpec(
        "emergency",
        "湖北省应急管理厅",
        description="负责全省安全生产综合监管、危险化学品和烟花爆竹安全监管。",
    ),
    DeptSpec("veterans", "湖北省退役军人事务厅", description="负责全省退役军人安置、优抚褒扬和服务保障。"),
    DeptSpec("water", "湖北省水利厅", description="负责全省水资源管理、河道管理和水土保持监督。"),
)

# Wuhan has a full set of municipal bureaus; {p} is the city prefix (武汉市).
WUHAN_MUNICIPAL = (
    DeptSpec(
        "approval",
        "武汉市行政审批局",
        kind="approval",
        description="集中行使市级行政许可事项，运行武汉市民之家综合受理窗口。",
    ),
    DeptSpec(
        "market", "武汉市市场监督管理局", description="负责全市市场主体登记监管、食品安全和特种设备安全监管。"
    ),
    DeptSpec(
        "hrss", "武汉市人力资源和社会保障局", description="负责全市就业创业、社会保险经办和劳动关系管理。"
    ),
    DeptSpec("police", "武汉市公安局", description="负责全市户政、出入境、交通管理等公安政务服务。"),
    DeptSpec("civil", "武汉市民政局", description="负责全市社会救助、婚姻登记、养老服务和殡葬管理。"),
    DeptSpec(
        "land", "武汉市自然资源和规划局", description="负责全市不动产登记、建设用地和建设工程规划许可。"
    ),
    DeptSpec(
        "health", "武汉市卫生健康委员会", description="负责全市医疗机构管理、妇幼健康和出生医学证明管理。"
    ),
    DeptSpec("medical", "武汉市医疗保障局", description="负责全市医疗保险参保、待遇和异地就医管理。"),
    DeptSpec(
        "fund",
        "武汉住房公积金管理中心",
        kind="institution",
        institution=True,
        description="负责全市住房公积金归集、提取、贷款和查询服务。",
    ),
    DeptSpec("tax", "武汉市税务局", kind="vertical", description="负责全市税费征收管理和纳税缴费服务。"),
)

# Every other prefecture-level city: a 行政审批局 that holds the municipal licensing powers.
CITY_DEFAULT = (
    DeptSpec(
        "approval",
        "{p}行政审批局",
        kind="approval",
        description="集中行使市级行政许可事项，运行市政务服务中心综合窗口。",
    ),
)

# Departments a city has beyond the default, named in the source articles.
CITY_EXTRA = {
    "420600": (
        DeptSpec(
            "land",
            "襄阳市不动产登记局",
            description="负责襄阳市本级不动产统一登记，推行“一窗受理、集成服务”。",
        ),
    ),
    "422800": (
        DeptSpec("forestry", "恩施州林业局", description="负责全州森林资源管理、林木采伐许可和林业执法。"),
    ),
}

# Counties (and the four directly administered units): {p} is the county's display name.
COUNTY = (
    DeptSpec(
        "approval",
        "{p}行政审批局",
        kind="approval",
        description="集中行使本级行政许可事项，运行政务服务中心综合窗口。",
    ),
    DeptSpec(
        "market", "{p}市场监督管理局", description="负责辖区市场主体监管、食品安全、特种设备和价格监督检查。"
    ),
    DeptSpec("hrss", "{p}人力资源和社会保障局", description="负责辖区就业创业、社会保险经办和劳动保障监察。"),
    DeptSpec("civil", "{p}民政局", description="负责辖区社会救助、婚姻登记、养老服务和殡葬管理。"),
    DeptSpec("police", "{p}公安局", description="负责辖区户籍管理、居民身份证和治安管理服务。"),
    DeptSpec("land", "{p}自然资源和规划局", description="负责辖区不动产登记、乡村建设规划许可和土地执法。"),
    DeptSpec("health", "{p}卫生健康局", description="负责辖区医疗卫生机构管理、出生医学证明和生育服务。"),
    DeptSpec("medical", "{p}医疗保障局", description="负责辖区城乡居民医保参保、报销和医保基金监管。"),
)

# Wuhan's districts call their police bureau a branch of the municipal one.
WUHAN_DISTRICT_POLICE = "武汉市公安局{d}分局"

# Forest areas have their own forestry bureau: Enshi's counties and Shennongjia.
FORESTRY_COUNTY_PARENTS = frozenset({"422800"})
FORESTRY_DIRECT_UNITS = {"429021": "神农架林区林业管理局"}
COUNTY_FORESTRY = DeptSpec(
    "forestry", "{p}林业局", description="负责辖区森林资源管理、林木采伐许可和林业执法。"
)

TOWNSHIP_CENTRE = DeptSpec(
    "township",
    "{p}{t}便民服务中心",
    kind="service_center",
    institution=True,
    description="乡镇（街道）便民服务中心：就近受理社保、民政、医保、个体工商户登记等高频事项。",
)


def credit_code_for(name: str, region6: str, credit_kind: str = "11") -> str:
    """The department's unified social credit code: seeded by its name, so stable."""
    return make_credit_code(random.Random(f"tongban-demo:dept:{name}"), region=region6, kind=credit_kind)
