"""A province-scale catalogue for benchmarks (Hubei publishes 72.4万 implementation items).

    from tongban.demo.scale import generate_scale_catalog
    generate_scale_catalog(items=724_000)          # PostgreSQL: a few minutes on 2 cores
    generate_scale_catalog(items=500, stdout=None)  # tests, SQLite

What it builds, deterministically from `seed`:

- regions (loaded when there are none) and, in each of Hubei's 117 province/city/county
  regions, up to 12 departments (人社, 市场监管, 公安, 医保, 公积金 ...) through
  `core.services.do_upsert_department`, with valid synthetic credit codes;
- up to 1,500 published basic items through `catalog.services.do_create_basic_item`, covering
  every national item type, named from subject and action word lists (灵活就业人员社会保险缴纳,
  食品经营许可证延续（连锁经营）, 对建设工程违法行为的行政处罚 ...);
- `items` published implementation items, department x basic item, each department taking the
  basic items of its own field first. Code = credit code + 行使层级 + basic code.

Implementation items are loaded by the bulk path below, not `services.do_import_items`: the
service checks a whole file in one transaction (fine for a spreadsheet, not for 724,000 rows; see
bench/README.md for the measured rates). The bulk path builds the rows the way the service does
(`services.derive_flags`, `services.search_text_for`, the service defaults), checks every bundle
with `services.check_bundles`, inserts batches of 5,000 in their own transactions and records one
audit event per batch. A batch skips codes that already exist, so an interrupted load resumes.
Only this demo/benchmark loader writes catalogue rows directly.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, connections, transaction
from django.utils import timezone

from tongban.catalog import services
from tongban.catalog.enums import Status
from tongban.catalog.models import BasicItem, ImplementationItem, Material
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core import services as core_services
from tongban.core.enums import RegionLevel
from tongban.core.errors import InvalidInput
from tongban.core.identifiers import make_credit_code
from tongban.core.models import Department, Region

ACTOR = "system:scale"
BATCH = 5000
MAX_BASIC_ITEMS = 1500
MAIN_BASE = 80000  # basic codes 42tt8xxxxsss: clear of the demo catalogue's main-item numbers
VALIDATE_ALL_UP_TO = 50_000  # larger loads check one bundle in VALIDATE_EVERY (the generator is fixed)
VALIDATE_EVERY = 10
MATERIALS_EVERY = 25  # one item in 25 carries two materials; the rest none (search ignores them)

# --- Word lists -----------------------------------------------------------------------------

# Action -> (item type, name pattern). {q} is an optional qualifier, {s} the subject.
ACTIONS: dict[str, tuple[str, str]] = {
    "核发": ("01", "{q}{s}核发"),
    "变更": ("01", "{q}{s}变更"),
    "延续": ("01", "{q}{s}延续"),
    "注销": ("01", "{q}{s}注销"),
    "审批": ("01", "{q}{s}审批"),
    "处罚": ("02", "对{q}{s}违法行为的行政处罚"),
    "扣押": ("03", "对{q}{s}相关物品的查封、扣押"),
    "缴纳": ("04", "{q}{s}缴纳"),
    "征收": ("04", "{q}{s}征收"),
    "补贴": ("05", "{q}{s}补贴申领"),
    "发放": ("05", "{q}{s}待遇发放"),
    "检查": ("06", "{q}{s}监督检查"),
    "认定": ("07", "{q}{s}认定"),
    "登记": ("07", "{q}{s}登记"),
    "奖励": ("08", "{q}{s}工作先进表彰奖励"),
    "裁决": ("09", "{q}{s}争议裁决"),
    "备案": ("10", "{q}{s}备案"),
    "查询": ("20", "{q}{s}查询"),
    "打印": ("20", "{q}{s}证明打印"),
    "补领": ("20", "{q}{s}补领"),
    "转移": ("20", "{q}{s}关系转移接续"),
    "提取": ("20", "{q}{s}提取"),
    "缴存": ("20", "{q}{s}缴存"),
    "贷款": ("20", "{q}{s}贷款申请"),
    "咨询": ("20", "{q}{s}政策咨询"),
    "报销": ("20", "{q}{s}报销"),
}


@dataclass(frozen=True)
class Subject:
    name: str
    actions: tuple[str, ...]  # ACTIONS keys
    qualifiers: tuple[str, ...]  # written before the name; "" is the plain form
    sub_items: tuple[str, ...]  # 子项, written in brackets after the name, for `sub_actions`
    sub_actions: tuple[str, ...]


def subject(
    name: str, actions: str, qualifiers: str = "", sub_items: str = "", sub_actions: str = ""
) -> Subject:
    """Compact form: space-separated words; the plain form (no qualifier, no 子项) is always in."""
    return Subject(
        name,
        tuple(actions.split()),
        ("", *qualifiers.split()),
        ("", *(f"（{x}）" for x in sub_items.split())),
        tuple((sub_actions or actions).split()),
    )


@dataclass(frozen=True)
class Sector:
    """A sector of government work: the department that does it and its items."""

    key: str
    local: str  # the department at city/county level, after the region's name
    provincial: str  # the department at provincial level, after 湖北省
    kind: str
    legal_basis: str
    service_objects: tuple[str, ...]
    subjects: tuple[Subject, ...]


S = subject
SECTORS: tuple[Sector, ...] = (
    Sector(
        "hrss",
        "人力资源和社会保障局",
        "人力资源和社会保障厅",
        "bureau",
        "《中华人民共和国社会保险法》《中华人民共和国就业促进法》",
        ("1", "2"),
        (
            S(
                "社会保险",
                "登记 缴纳 转移 查询 打印 发放 变更 注销 处罚 检查",
                "职工 城乡居民 灵活就业人员 企业 机关事业单位 个体工商户",
            ),
            S("失业保险", "发放 补贴 查询 登记", "职工 农民合同制工人"),
            S("工伤保险", "认定 发放 登记 咨询", "职工"),
            S("就业创业证", "核发 变更 补领 查询", "高校毕业生 就业困难人员"),
            S("职业技能等级证书", "核发 查询 补领 备案", "电工 焊工 育婴员 养老护理员"),
            S("人力资源服务许可证", "核发 变更 延续 注销"),
            S("劳务派遣经营许可证", "核发 变更 延续 注销"),
            S("劳动保障", "检查 处罚 奖励 咨询", "用人单位"),
            S("劳动人事", "裁决 咨询"),
            S("创业担保贷款", "补贴 贷款", "个人 小微企业"),
            S("职业技能提升", "补贴", "企业职工 失业人员"),
            S("特殊工时工作制", "审批 变更 延续"),
        ),
    ),
    Sector(
        "amr",
        "市场监督管理局",
        "市场监督管理局",
        "bureau",
        "《中华人民共和国市场主体登记管理条例》《中华人民共和国食品安全法》《中华人民共和国药品管理法》",
        ("2", "1"),
        (
            S(
                "营业执照",
                "核发 变更 注销 补领 查询 打印",
                "企业 个体工商户 农民专业合作社 外商投资企业 有限责任公司 股份有限公司 合伙企业",
                "分支机构",
                "核发 变更 注销",
            ),
            S(
                "食品经营许可证",
                "核发 变更 延续 注销 补领 检查 处罚",
                "",
                "单体经营 连锁经营 网络经营",
                "核发 变更 延续",
            ),
            S("食品生产许可证", "核发 变更 延续 注销 检查 处罚"),
            S("食品小作坊登记证", "核发 变更 延续 注销"),
            S("药品经营许可证", "核发 变更 延续 注销 检查 处罚", "零售 批发"),
            S("药品", "扣押 检查 处罚"),
            S("医疗器械经营", "备案 检查 处罚", "第二类"),
            S("特种设备", "登记 检查 处罚 扣押", "", "电梯 锅炉 压力容器 起重机械", "登记 检查"),
            S("计量器具", "检查 备案 认定"),
            S("广告", "备案 检查 处罚", "医疗 药品"),
            S("价格", "检查 处罚"),
            S("知识产权", "咨询 奖励"),
        ),
    ),
    Sector(
        "nr",
        "自然资源和规划局",
        "自然资源厅",
        "bureau",
        "《不动产登记暂行条例》《中华人民共和国土地管理法》《中华人民共和国城乡规划法》",
        ("1", "2"),
        (
            S(
                "不动产",
                "登记 查询 打印",
                "国有建设用地使用权及房屋所有权 宅基地使用权及房屋所有权 林权",
                "首次登记 转移登记 变更登记 抵押登记 注销登记",
                "登记",
            ),
            S("建设用地规划许可证", "核发 变更 延续"),
            S("建设工程规划许可证", "核发 变更 延续", "", "建筑类 市政类 交通类"),
            S("乡村建设规划许可证", "核发 变更"),
            S("采矿许可证", "核发 变更 延续 注销"),
            S("探矿权", "登记 变更 延续 注销"),
            S("测绘资质", "核发 变更 延续 注销", "乙级 丙级"),
            S("土地权属", "裁决 登记 咨询"),
            S("土地复垦费", "征收 缴纳"),
            S("国土空间规划", "检查 处罚"),
            S("地质灾害防治", "奖励 检查"),
        ),
    ),
    Sector(
        "police",
        "公安局",
        "公安厅",
        "bureau",
        "《中华人民共和国户口登记条例》《中华人民共和国出境入境管理法》《中华人民共和国居民身份证法》",
        ("1",),
        (
            S("户籍", "登记 查询 打印 咨询", "新生儿 投靠亲属 人才引进 大中专学生"),
            S("户口迁移", "审批 查询", "省内 跨省"),
            S("居民身份证", "核发 补领 查询 变更", "临时"),
            S("普通护照", "核发 补领 变更 查询"),
            S("往来港澳通行证", "核发 补领 查询", "", "团队旅游签注 个人旅游签注", "核发"),
            S("往来台湾通行证", "核发 补领"),
            S("出入境记录", "查询 打印"),
            S("出入境证件", "咨询 查询"),
            S("居住证", "核发 变更 补领 延续"),
            S("机动车", "登记 检查 处罚 扣押", "非营运小型", "注册登记 转移登记 抵押登记", "登记"),
            S("机动车驾驶证", "核发 补领 延续 变更 注销"),
            S("剧毒化学品购买许可证", "核发 检查"),
            S("烟花爆竹燃放许可证", "核发"),
            S("保安服务许可证", "核发 变更 注销"),
            S("旅馆业特种行业许可证", "核发 变更 注销"),
            S("见义勇为", "认定 奖励"),
            S("治安管理", "处罚 检查"),
        ),
    ),
    Sector(
        "housing",
        "住房和城乡建设局",
        "住房和城乡建设厅",
        "bureau",
        "《建设工程质量管理条例》《建筑工程施工许可管理办法》",
        ("2",),
        (
            S("建筑工程施工许可证", "核发 变更 延续 检查", "房屋建筑 市政基础设施"),
            S(
                "建设工程",
                "检查 处罚 备案 扣押",
                "房屋建筑 市政基础设施",
                "竣工验收 消防验收 质量监督",
                "备案",
            ),
            S("商品房预售许可证", "核发 变更"),
            S("商品房买卖合同", "备案 查询"),
            S("建筑业企业资质", "核发 变更 延续 注销", "", "施工总承包 专业承包 施工劳务"),
            S("房地产开发企业资质", "核发 变更 延续 注销"),
            S("物业服务", "备案 检查 裁决"),
            S("城镇污水排入排水管网许可证", "核发 变更 延续"),
            S("建筑起重机械", "备案 登记 检查"),
            S("公共租赁住房", "补贴 认定"),
            S("建筑垃圾处置", "审批 检查"),
            S("燃气经营许可证", "核发 变更 延续 注销"),
        ),
    ),
    Sector(
        "eco",
        "生态环境局",
        "生态环境厅",
        "bureau",
        "《排污许可管理条例》《中华人民共和国环境影响评价法》",
        ("2",),
        (
            S("排污许可证", "核发 变更 延续 注销 检查 处罚", "", "重点管理 简化管理", "核发 变更 延续"),
            S("排污", "登记 检查 处罚 扣押", "固定污染源"),
            S("环境保护税", "征收 缴纳"),
            S("建设项目环境影响评价", "审批 备案 检查", "", "报告书 报告表", "审批"),
            S("危险废物经营许可证", "核发 变更 延续 注销"),
            S("危险废物转移", "审批 备案"),
            S("辐射安全许可证", "核发 变更 延续 注销"),
            S("生态环境保护", "奖励 咨询 检查"),
            S("机动车排放", "检查 处罚"),
            S("突发环境事件应急预案", "备案"),
        ),
    ),
    Sector(
        "transport",
        "交通运输局",
        "交通运输厅",
        "bureau",
        "《中华人民共和国道路运输条例》《公路安全保护条例》",
        ("2", "1"),
        (
            S("道路运输经营许可证", "核发 变更 延续 注销", "", "道路旅客运输 道路货物运输 危险货物运输"),
            S("道路运输证", "核发 补领 注销 变更"),
            S("道路运输", "检查 处罚 扣押", "出租汽车 网络预约出租汽车"),
            S("网络预约出租汽车运输证", "核发 注销 变更"),
            S("网络预约出租汽车驾驶员证", "核发 注销"),
            S("巡游出租汽车经营许可证", "核发 变更 延续 注销"),
            S("道路运输从业人员从业资格证", "核发 补领 变更 注销"),
            S("公路超限运输", "审批 检查"),
            S("涉路施工", "审批"),
            S("机动车驾驶员培训", "备案 检查"),
            S("机动车维修经营", "备案 检查"),
            S("港口经营许可证", "核发 变更 延续"),
            S("船舶", "登记 检查"),
        ),
    ),
    Sector(
        "health",
        "卫生健康委员会",
        "卫生健康委员会",
        "bureau",
        "《医疗机构管理条例》《中华人民共和国医师法》《中华人民共和国母婴保健法》",
        ("1", "3"),
        (
            S("医疗机构执业许可证", "核发 变更 延续 注销 检查", "诊所 中医诊所 门诊部 医院"),
            S("医师执业", "登记 变更 注销", "外国 港澳台"),
            S("护士执业", "登记 变更 延续 注销"),
            S("出生医学证明", "核发 补领 查询"),
            S("公共场所卫生许可证", "核发 变更 延续 注销"),
            S("医疗机构", "检查 处罚 奖励"),
            S("放射诊疗许可证", "核发 变更 延续 注销"),
            S("母婴保健技术服务执业许可证", "核发 变更 延续"),
            S("饮用水供水单位卫生许可证", "核发 变更 延续"),
            S("计划生育家庭特别扶助金", "发放 认定"),
            S("生育服务", "登记 查询"),
        ),
    ),
    Sector(
        "edu",
        "教育局",
        "教育厅",
        "bureau",
        "《教师资格条例》《中华人民共和国民办教育促进法》",
        ("1", "3"),
        (
            S("教师资格", "认定 补领 查询 变更", "幼儿园 小学 初级中学 高级中学 中等职业学校"),
            S("民办学校办学许可证", "核发 变更 延续 注销", "", "实施学历教育 学前教育", "核发"),
            S("学生资助", "发放 查询 认定", "家庭经济困难"),
            S("学籍", "转移 查询 打印", "义务教育 普通高中"),
            S("校外培训机构", "检查 处罚 备案"),
            S("义务教育入学", "登记 查询 咨询"),
            S("普通话水平测试等级证书", "核发 补领 查询"),
            S("教育", "奖励"),
        ),
    ),
    Sector(
        "civil",
        "民政局",
        "民政厅",
        "bureau",
        "《婚姻登记条例》《社会团体登记管理条例》《养老机构管理办法》",
        ("1", "4"),
        (
            S("婚姻登记", "查询 打印 咨询", "内地居民 涉外"),
            S("结婚", "登记", "内地居民 涉外 香港澳门台湾居民"),
            S("结婚证", "补领", "内地居民 涉外"),
            S("离婚", "登记", "内地居民 涉外"),
            S("社会团体", "登记 变更 注销 检查 处罚"),
            S("民办非企业单位", "登记 变更 注销 检查"),
            S("基金会", "登记 变更 注销"),
            S("养老机构", "备案 检查 补贴"),
            S("最低生活保障", "认定 发放", "城市 农村"),
            S("特困人员救助供养", "认定 发放"),
            S("临时救助", "发放"),
            S("高龄津贴", "发放 认定"),
            S("残疾人两项补贴", "发放 认定"),
            S("殡葬", "补贴"),
            S("经营性公墓", "审批 检查"),
            S("地名", "备案 审批"),
        ),
    ),
    Sector(
        "medins",
        "医疗保障局",
        "医疗保障局",
        "bureau",
        "《医疗保障基金使用监督管理条例》《中华人民共和国社会保险法》",
        ("1", "2"),
        (
            S("基本医疗保险", "登记 缴纳 转移 查询 打印 变更", "职工 城乡居民 灵活就业人员 新生儿 大学生"),
            S("医疗保险", "发放 检查 处罚", "生育"),
            S("医疗费用", "报销", "零星 异地就医 生育"),
            S("异地就医", "备案 查询", "跨省 省内"),
            S("医保定点医药机构", "认定 检查 处罚"),
            S("门诊慢特病", "认定 备案"),
            S("医疗救助", "发放 认定"),
            S("医保电子凭证", "查询 咨询"),
        ),
    ),
    Sector(
        "hpf",
        "住房公积金管理中心",
        "住房公积金管理中心",
        "institution",
        "《住房公积金管理条例》",
        ("1", "2"),
        (
            S(
                "住房公积金",
                "缴存 提取 贷款 查询 打印 转移 变更 检查 处罚",
                "单位 个人 灵活就业人员",
                "购房 租房 离退休 偿还贷款",
                "提取",
            ),
            S("住房公积金缴存", "登记 变更 注销"),
            S("住房公积金贷款", "查询 打印"),
            S("住房公积金账户", "转移 查询 变更 注销"),
        ),
    ),
    Sector(
        "agri",
        "农业农村局",
        "农业农村厅",
        "bureau",
        "《农药管理条例》《兽药管理条例》《中华人民共和国种子法》",
        ("1", "2"),
        (
            S("农药经营许可证", "核发 变更 延续 注销", "限制使用"),
            S("兽药经营许可证", "核发 变更 延续 注销"),
            S("动物防疫条件合格证", "核发 变更 注销"),
            S("种子生产经营许可证", "核发 变更 延续 注销", "农作物 食用菌"),
            S("渔业捕捞许可证", "核发 变更 延续 注销"),
            S("农业机械", "登记 检查", "拖拉机 联合收割机"),
            S("农村宅基地", "审批 检查"),
            S("耕地地力保护", "补贴 发放"),
            S("农产品质量安全", "检查 处罚"),
            S("动物检疫", "检查 处罚 扣押"),
        ),
    ),
    Sector(
        "culture",
        "文化和旅游局",
        "文化和旅游厅",
        "bureau",
        "《娱乐场所管理条例》《营业性演出管理条例》《旅行社条例》",
        ("2", "1"),
        (
            S("娱乐场所经营许可证", "核发 变更 延续 注销", "歌舞 游艺"),
            S("营业性演出许可证", "核发 变更 延续 注销", "文艺表演团体 演出经纪机构"),
            S("旅行社业务经营许可证", "核发 变更 注销"),
            S("互联网上网服务营业场所", "审批 变更 注销 检查 处罚"),
            S("文物保护单位", "审批 检查 奖励"),
            S("导游证", "核发 变更 注销"),
            S("文化市场", "检查 处罚 扣押"),
        ),
    ),
    Sector(
        "emergency",
        "应急管理局",
        "应急管理厅",
        "bureau",
        "《中华人民共和国安全生产法》《危险化学品安全管理条例》",
        ("2",),
        (
            S("危险化学品经营许可证", "核发 变更 延续 注销", "", "带储存设施 不带储存设施", "核发"),
            S("烟花爆竹经营许可证", "核发 变更 延续 注销", "零售 批发"),
            S("安全生产", "检查 处罚 扣押 奖励", "非煤矿山 工贸企业"),
            S("生产安全事故应急预案", "备案"),
            S("特种作业操作证", "核发 补领 延续 变更"),
            S("安全生产知识和管理能力考核合格证", "核发 延续"),
        ),
    ),
    Sector(
        "water",
        "水利和湖泊局",
        "水利厅",
        "bureau",
        "《中华人民共和国水法》《取水许可和水资源费征收管理条例》",
        ("2",),
        (
            S("取水许可证", "核发 变更 延续 注销"),
            S("水资源费", "征收 缴纳"),
            S("河道管理范围内建设项目", "审批 检查"),
            S("水土保持方案", "审批 变更 检查", "生产建设项目"),
            S("水利工程", "检查 处罚 奖励"),
            S("河道采砂许可证", "核发 注销"),
        ),
    ),
    Sector(
        "veterans",
        "退役军人事务局",
        "退役军人事务厅",
        "bureau",
        "《退役军人保障法》《军人抚恤优待条例》",
        ("1",),
        (
            S("优抚对象", "认定 发放 补贴", "残疾军人 烈士遗属"),
            S("退役士兵", "登记 补贴 咨询", "自主就业"),
            S("烈士褒扬金", "发放"),
            S("退役军人", "登记 查询 奖励"),
        ),
    ),
    Sector(
        "tax",
        "税务局",
        "税务局",
        "vertical",
        "《中华人民共和国税收征收管理法》《中华人民共和国发票管理办法》",
        ("1", "2"),
        (
            S("增值税", "缴纳 查询 咨询", "小规模纳税人 一般纳税人"),
            S("个人所得税", "缴纳 查询 打印 咨询", "综合所得 经营所得"),
            S("完税", "打印 查询"),
            S("发票", "核发 查询 检查", "增值税专用 电子"),
            S("税务", "登记 检查 处罚", "个体工商户 企业"),
            S("税务登记", "变更 注销"),
            S("车船税", "缴纳 查询"),
            S("城乡居民社会保险费", "缴纳 查询"),
        ),
    ),
)

CONDITIONS = (
    "申请人具有完全民事行为能力，材料齐全、符合法定形式。",
    "申请事项属于本机关职权范围，申请材料真实、完整、有效。",
    "申请人依法设立并有效存续，未被列入经营异常名录或严重违法失信名单。",
    "符合法律、法规和规章规定的其他条件。",
)
VISIT_REASONS = ("需现场核验原件", "需现场采集指纹和照片", "需现场勘验", "需当面签署承诺书")
FAQS = (
    {"q": "可以网上办理吗？", "a": "可以，登录湖北政务服务网或鄂汇办App办理。"},
    {"q": "办理需要多长时间？", "a": "以办事指南公布的承诺时限为准，即办件当场办结。"},
    {"q": "可以委托他人办理吗？", "a": "可以，受托人需提供授权委托书和本人身份证件。"},
    {"q": "办理结果如何领取？", "a": "可窗口领取，也可选择邮政寄递或下载电子证照。"},
)
# Telephone area codes of the prefecture-level units (two-digit GB/T 2260 pairs 1-4).
AREA_CODES = {
    "4201": "027",
    "4202": "0714",
    "4203": "0719",
    "4205": "0717",
    "4206": "0710",
    "4207": "0711",
    "4208": "0724",
    "4209": "0712",
    "4210": "0716",
    "4211": "0713",
    "4212": "0715",
    "4213": "0722",
    "4228": "0718",
    "4290": "0728",
}
LEVEL_BY_REGION = {RegionLevel.PROVINCE: "2", RegionLevel.CITY: "3", RegionLevel.COUNTY: "4"}


# --- Basic items ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BasicSpec:
    code: str
    name: str
    item_type: str
    sector: str
    legal_basis: str
    service_objects: tuple[str, ...]


def basic_specs(rng: random.Random) -> list[BasicSpec]:
    """Every name the word lists make, ordered so that any prefix spreads over fields and types."""
    per_field: list[list[BasicSpec]] = []
    main = 0
    seen: set[str] = set()
    for fld in SECTORS:
        per_subject: list[list[BasicSpec]] = []
        for subject in fld.subjects:
            main += 1
            specs: list[BasicSpec] = []
            for action in subject.actions:
                item_type, pattern = ACTIONS[action]
                subs = subject.sub_items if action in subject.sub_actions else ("",)
                for qualifier in subject.qualifiers:
                    for sub in subs:
                        name = pattern.format(q=qualifier, s=subject.name) + sub
                        if name in seen:
                            continue
                        seen.add(name)
                        code = f"42{item_type}{MAIN_BASE + main:05d}{len(specs) + 1:03d}"
                        specs.append(
                            BasicSpec(code, name, item_type, fld.key, fld.legal_basis, fld.service_objects)
                        )
            rng.shuffle(specs)
            per_subject.append(specs)
        per_field.append(_round_robin(per_subject))
    ordered = _round_robin(per_field)
    # Every item type within the first few, so even a small catalogue covers them all.
    first: dict[str, BasicSpec] = {}
    for spec in ordered:
        first.setdefault(spec.item_type, spec)
    head = sorted(first.values(), key=ordered.index)
    return head + [s for s in ordered if s not in head]


def _round_robin[T](lists: list[list[T]]) -> list[T]:
    out: list[T] = []
    for i in range(max((len(x) for x in lists), default=0)):
        out.extend(x[i] for x in lists if i < len(x))
    return out


# --- Implementation items -------------------------------------------------------------------


def item_data(rng: random.Random, dept: Department, region: Region, basic: BasicItem, level: str) -> dict:
    """A complete, valid implementation item (the elements of its service guide)."""
    area = AREA_CODES.get(region.code[:4], "027")
    phone = f"{area}-{rng.randrange(10**6, 10**7) if len(area) == 4 else rng.randrange(10**7, 10**8)}"
    immediate = rng.random() < 0.2
    statutory = rng.choice((5, 10, 15, 20, 20, 30, 60))
    promised = 0 if immediate else max(1, round(statutory * rng.choice((0.1, 0.2, 0.25, 0.5))))
    fully_online = rng.random() < 0.55
    visits = 0 if fully_online else rng.choice((0, 1, 1, 1, 2))
    if fully_online:
        forms = rng.choice((["1", "2", "3"], ["2", "3"], ["1", "2", "3", "4"]))
        depth = ["1", "2", "3", "4", "5", "6"] + (["7"] if rng.random() < 0.3 else [])
    else:
        forms = rng.choice((["1"], ["1", "2"], ["1", "2", "3"], ["1", "4"]))
        depth = ["1", "2", "3", "4"] if "2" in forms else rng.choice(([], ["1"]))
    charged = rng.random() < 0.08
    place = region.full_name.removeprefix("湖北省") or region.full_name
    data = {
        "code": f"{dept.credit_code}{level}{basic.code}",
        "basic_code": basic.code,
        "name": basic.name,
        "item_type": basic.item_type,
        "level": level,
        "department_id": dept.pk,
        "service_objects": list(basic.service_objects),
        "description": f"{dept.name}办理{basic.name}的服务指南。",
        "legal_basis": basic.legal_basis,
        "conditions": rng.choice(CONDITIONS),
        "statutory_limit": statutory,
        "promised_limit": promised,
        "case_type": "1" if immediate else "2",
        "charged": charged,
        "visits": visits,
        "visit_reason": rng.choice(VISIT_REASONS) if visits else "",
        "handling_forms": forms,
        "online_depth": depth,
        "fully_online": fully_online,
        "nearby": rng.random() < 0.3,
        "delivery_methods": rng.choice((["window"], ["window", "post"], ["electronic", "post"])),
        "steps": [
            {"name": "申请", "description": "提交申请材料"},
            {"name": "受理", "description": "窗口审核受理"},
        ]
        + ([] if immediate else [{"name": "审查", "description": "承办人审查"}])
        + [{"name": "办结", "description": "作出决定并送达"}],
        "places": [
            {
                "name": f"{place}政务服务中心",
                "address": f"{region.full_name}市民之家一楼综合窗口",
                "hours": "工作日 9:00-12:00，13:30-17:00",
                "phone": phone,
            }
        ],
        "consult_phone": phone,
        "complaint_phone": "12345",
        "faqs": rng.sample(FAQS, rng.randint(1, 2)),
        "result_name": f"{basic.name}决定书" if basic.item_type == "01" else "",
        "popularity": min(100_000, int(rng.paretovariate(1.3) * 10) - 10),
    }
    if charged:
        data["fees"] = [{"name": "工本费", "standard": f"{rng.choice((5, 10, 20))}元/件"}]
        data["fee_basis"] = "《关于规范证照工本费的通知》"
    return data


def _materials(name: str) -> list[dict]:
    return [
        {"name": f"《{name}》申请表", "originals": 1, "copies": 0},
        {
            "name": "申请人身份证明",
            "source": "2",
            "originals": 0,
            "copies": 1,
            "medium": "electronic",
            "license_type_code": "11100000000013127D001",
            "license_type_name": "居民身份证",
        },
    ]


# --- The loader -----------------------------------------------------------------------------


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")
        stdout.flush()


def _ensure_departments(rng: random.Random, regions: list[Region], per_region: int, stdout):
    """Departments per region (the sectors rotate so a small catalogue still has all of them)."""
    existing = {(d.region_id, d.name): d for d in core_queries.departments()}
    used = {d.credit_code for d in existing.values()}
    depts: list[Department] = []
    sectors: dict[int, str] = {}
    created = 0
    for i, region in enumerate(regions):
        area = AREA_CODES.get(region.code[:4], "027")
        for k in range(per_region):
            sector = SECTORS[(i + k) % len(SECTORS)]
            if region.level == RegionLevel.PROVINCE:
                name = f"{region.name}{sector.provincial}"
            else:
                name = f"{region.full_name.removeprefix('湖北省')}{sector.local}"
            kind = "11" if sector.kind == "bureau" else "12"  # 机关 / 事业单位
            code = make_credit_code(rng, region=region.code[:6], kind=kind)
            phone = f"{area}-{rng.randrange(10**6, 10**7) if len(area) == 4 else rng.randrange(10**7, 10**8)}"
            dept = existing.get((region.code, name))
            if dept is None:
                while code in used:
                    code = make_credit_code(rng, region=region.code[:6], kind=kind)
                dept = core_services.do_upsert_department(
                    actor=ACTOR,
                    name=name,
                    credit_code=code,
                    region_code=region.code,
                    kind=sector.kind,
                    phone=phone,
                    address=f"{region.full_name}市民之家",
                    hours="工作日 9:00-17:00",
                )
                created += 1
            used.add(dept.credit_code)
            depts.append(dept)
            sectors[dept.pk] = sector.key
        if (i + 1) % 20 == 0:
            _say(stdout, f"  departments: {i + 1}/{len(regions)} regions")
    return depts, sectors, created


def _ensure_basic_items(specs: list[BasicSpec]) -> tuple[list[BasicItem], int]:
    current = {b.code: b for b in BasicItem.objects.filter(is_current=True, code__in=[s.code for s in specs])}
    created = 0
    out = []
    rng = random.Random(len(specs))
    for spec in specs:
        item = current.get(spec.code)
        if item is None:
            item = services.do_create_basic_item(
                actor=ACTOR,
                publish=True,
                data={
                    "code": spec.code,
                    "name": spec.name,
                    "item_type": spec.item_type,
                    "level": "7",
                    "legal_basis": spec.legal_basis,
                    "service_objects": list(spec.service_objects),
                    "description": f"{spec.name}（湖北省政务服务事项基本目录）",
                    "hot": rng.randrange(1000),
                },
            )
            created += 1
        out.append(item)
    return out, created


def _build(data: dict, *, dept: Department, region_name: str, now) -> ImplementationItem:
    """One published, current version 1, built like `services.do_import_items` builds it."""
    values = {**services.IMPL_DEFAULTS, **data, "region_id": dept.region_id}
    item = ImplementationItem(**values, version=1, status=Status.PUBLISHED, is_current=True, published_at=now)
    services.derive_flags(item)
    item.search_text = services.search_text_for(item, department_name=dept.name, region_name=region_name)
    return item


@dataclass
class _Plan:
    """What every loader process needs to generate its share of the items by itself."""

    seed: int
    jobs: list[tuple[Department, int]]  # each department and how many items it implements
    own: dict[str, list[BasicItem]]  # basic items by sector
    other: dict[str, list[BasicItem]]  # basic items of the other sectors
    dept_sectors: dict[int, str]
    regions: dict[str, Region]
    method: str
    batch: int
    validate_every: int
    total: int


def _department_items(plan: _Plan, dept: Department, n: int) -> Iterator[tuple[dict, list[dict]]]:
    """A department's items, its own sector's basic items first; seeded by the department alone,
    so any process can generate any department's items and get the same ones."""
    rng = random.Random(f"{plan.seed}:{dept.credit_code}")
    sector = plan.dept_sectors[dept.pk]
    own = list(plan.own.get(sector, ()))
    rng.shuffle(own)
    chosen = own[:n]
    if len(chosen) < n:
        chosen += rng.sample(plan.other[sector], n - len(chosen))
    region = plan.regions[dept.region_id]
    level = LEVEL_BY_REGION[region.level]
    for basic in chosen:
        data = item_data(rng, dept, region, basic, level)
        yield data, (_materials(basic.name) if rng.randrange(MATERIALS_EVERY) == 0 else [])


def _load_share(plan: _Plan, share: int, shares: int, progress) -> dict[str, int]:
    """Load the items of every `shares`-th department, starting at `share`, in batches."""
    counts = {"created": 0, "skipped": 0, "materials": 0, "batches": 0}
    pending: list[tuple[dict, list[dict], Department]] = []

    def flush() -> None:
        codes = [data["code"] for data, _, _ in pending]
        have = set(ImplementationItem.objects.filter(code__in=codes).values_list("code", flat=True))
        todo = [row for row in pending if row[0]["code"] not in have]
        counts["skipped"] += len(pending) - len(todo)
        if todo:
            counts["batches"] += 1
            _load_batch(plan, todo, counts, batch_id=f"{share + 1}.{counts['batches']}")
        progress(len(pending))
        pending.clear()

    for j, (dept, n) in enumerate(plan.jobs):
        if j % shares != share:
            continue
        for data, mats in _department_items(plan, dept, n):
            pending.append((data, mats, dept))
            if len(pending) >= plan.batch:
                flush()
    if pending:
        flush()
    return counts


def _load_batch(plan: _Plan, todo: list[tuple[dict, list[dict], Department]], counts: dict, *, batch_id: str):
    bundles = [services.ItemBundle(data, mats) for data, mats, _ in todo]
    if plan.method == "service":
        services.do_import_items(actor=ACTOR, bundles=bundles, publish=True)
        counts["created"] += len(bundles)
        counts["materials"] += sum(len(b.materials) for b in bundles)
        return
    problems = services.check_bundles(bundles[:: plan.validate_every])
    if problems:
        raise InvalidInput(f"generated item invalid: {problems[0]}", problems=problems)
    now = timezone.now()
    rows = [
        _build(data, dept=dept, region_name=plan.regions[dept.region_id].full_name, now=now)
        for data, _, dept in todo
    ]
    with transaction.atomic():
        ImplementationItem.objects.bulk_create(rows)
        services.sync_search_rows([row.code for row in rows])
        mats = [
            Material(item=row, order=n, **{**services.MATERIAL_DEFAULTS, **m})
            for row, (_, row_mats, _) in zip(rows, todo, strict=True)
            for n, m in enumerate(row_mats, start=1)
        ]
        Material.objects.bulk_create(mats)
        audit.record(
            actor=ACTOR,
            action="catalog.item.scale_load",
            object_type="catalog.implementationitem",
            object_id=f"batch {batch_id}",
            data={
                "count": len(rows),
                "first_code": rows[0].code,
                "last_code": rows[-1].code,
                "materials": len(mats),
            },
        )
    counts["created"] += len(rows)
    counts["materials"] += len(mats)


def _load_in_processes(plan: _Plan, workers: int, stdout, t_start: float) -> dict[str, int]:
    """Run `workers` forked processes, each loading its share (PostgreSQL only: each process
    has its own connection, and batches commit independently)."""
    ctx = multiprocessing.get_context("fork")
    done = ctx.Value("q", 0)
    results = ctx.Queue()

    def child(share: int) -> None:
        def progress(n: int) -> None:
            with done.get_lock():
                done.value += n
                total = done.value
            rate = total / max(time.perf_counter() - t_start, 1e-9)
            _say(stdout, f"  items: {total:,}/{plan.total:,} ({rate:,.0f}/s)")

        try:
            results.put((share, _load_share(plan, share, workers, progress), None))
        except BaseException:
            results.put((share, None, traceback.format_exc()))
        finally:
            connections.close_all()

    connections.close_all()  # a forked child must never share the parent's connection
    procs = [ctx.Process(target=child, args=(k,), name=f"scale-load-{k + 1}") for k in range(workers)]
    for proc in procs:
        proc.start()
    outcomes = []
    while len(outcomes) < len(procs):
        try:
            outcomes.append(results.get(timeout=5))
        except queue.Empty:
            reported = {share for share, _, _ in outcomes}
            dead = [k for k, p in enumerate(procs) if k not in reported and p.exitcode is not None]
            if dead:  # killed without reporting (out of memory ...)
                outcomes += [(k, None, f"{procs[k].name} exited with {procs[k].exitcode}") for k in dead]
    for proc in procs:
        proc.join()
    errors = [err for _, _, err in outcomes if err]
    if errors:
        raise RuntimeError("a loader process failed:\n" + errors[0])
    total = {"created": 0, "skipped": 0, "materials": 0, "batches": 0}
    for _, counts, _ in outcomes:
        for key in total:
            total[key] += counts[key]
    return total


def generate_scale_catalog(
    *,
    items: int,
    seed: int = 2026,
    stdout=None,
    basic_items: int | None = None,
    departments_per_region: int | None = None,
    method: str = "bulk",
    batch: int = BATCH,
    workers: int | None = None,
) -> dict:
    """Generate (or complete) a deterministic province-scale catalogue; returns the counts.

    `method="service"` loads through `services.do_import_items` (one call per batch), to
    measure the service path. `workers`: loader processes; by default two on PostgreSQL for
    100,000 items or more (the work is Python-bound), else one, in this process."""
    if items < 1:
        raise ValueError("items must be positive")
    if method not in ("bulk", "service"):
        raise ValueError("method is 'bulk' or 'service'")
    t0 = time.perf_counter()
    rng = random.Random(seed)
    if not core_queries.provinces().exists():
        _say(stdout, "loading regions")
        core_services.do_load_regions(actor=ACTOR)
    regions = list(Region.objects.filter(level__lte=RegionLevel.COUNTY).order_by("code"))
    per_region = departments_per_region or min(len(SECTORS), max(1, items // 5000))
    specs = basic_specs(rng)[: basic_items or min(MAX_BASIC_ITEMS, max(40, items // 20))]
    if items > len(regions) * per_region * len(specs):
        raise ValueError(
            f"{items} items need more than {len(regions) * per_region} departments x {len(specs)} basic items"
        )
    if workers is None:
        workers = 2 if connection.vendor == "postgresql" and items >= 100_000 else 1
    if workers > 1 and connection.vendor != "postgresql":
        raise ValueError("several loader processes need PostgreSQL")

    _say(stdout, f"departments: {per_region} in each of {len(regions)} regions")
    depts, dept_sectors, depts_created = _ensure_departments(rng, regions, per_region, stdout)
    _say(stdout, f"basic items: {len(specs)}")
    basics, basics_created = _ensure_basic_items(specs)
    t_setup = time.perf_counter() - t0

    sector_of = {s.code: s.sector for s in specs}
    own: dict[str, list[BasicItem]] = {}
    for b in basics:
        own.setdefault(sector_of[b.code], []).append(b)
    quota, extra = divmod(items, len(depts))
    plan = _Plan(
        seed=seed,
        jobs=[(d, quota + (1 if i < extra else 0)) for i, d in enumerate(depts)],
        own=own,
        other={key: [b for b in basics if sector_of[b.code] != key] for key in {s.key for s in SECTORS}},
        dept_sectors=dept_sectors,
        regions={r.code: r for r in Region.objects.filter(code__in={d.region_id for d in depts})},
        method=method,
        batch=batch,
        validate_every=1 if items <= VALIDATE_ALL_UP_TO else VALIDATE_EVERY,
        total=items,
    )
    _say(
        stdout,
        f"setup done in {t_setup:.1f}s; {items:,} implementation items, {workers} process(es), "
        f"batches of {batch:,}",
    )
    t_items = time.perf_counter()
    if workers > 1:
        counts = _load_in_processes(plan, workers, stdout, t_items)
    else:
        done = 0

        def progress(n: int) -> None:
            nonlocal done
            done += n
            rate = done / max(time.perf_counter() - t_items, 1e-9)
            _say(stdout, f"  items: {done:,}/{items:,} ({rate:,.0f}/s)")

        counts = _load_share(plan, 0, 1, progress)
    elapsed = time.perf_counter() - t0
    result = {
        "regions": len(regions),
        "departments": len(depts),
        "departments_created": depts_created,
        "basic_items": len(basics),
        "basic_items_created": basics_created,
        "items": items,
        "items_created": counts["created"],
        "items_skipped": counts["skipped"],
        "materials": counts["materials"],
        "batches": counts["batches"],
        "method": method,
        "workers": workers,
        "setup_seconds": round(t_setup, 1),
        "items_seconds": round(time.perf_counter() - t_items, 1),
        "seconds": round(elapsed, 1),
    }
    _say(stdout, f"done in {elapsed:.1f}s: {result}")
    return result
