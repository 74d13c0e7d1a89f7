"""Portal test data, built through the catalogue's factories and services (never raw rows)."""

from __future__ import annotations

import pytest

from tongban.catalog import services as catalog_services
from tongban.catalog.testing import SYSTEM, ensure_regions, make_basic_item, make_department, make_item

TOPICS = (
    ("birth", "出生", "person", "出生医学证明、新生儿落户"),
    ("marriage", "婚育", "person", "结婚登记、生育登记"),
    ("start-business", "开办", "enterprise", "企业开办、营业执照、公章刻制"),
    ("closure", "注销", "enterprise", "企业注销、清税"),
)

# Every element of the licence item's guide, so the guide page test can look for each value.
LICENCE_ELEMENTS = {
    "description": "为企业核发营业执照，确认其市场主体资格。",
    "conditions": "申请人具有完全民事行为能力；住所真实有效。",
    "statutory_limit": 15,
    "promised_limit": 3,
    "limit_note": "材料齐全的，受理后3个工作日内办结",
    "case_type": "2",
    "charged": True,
    "fees": [{"name": "执照副本工本费", "standard": "10元/本"}],
    "fee_basis": "《湖北省行政事业性收费目录》第12项",
    "visits": 1,
    "visit_reason": "首次申领须本人到窗口核验身份并领取执照原件",
    "fully_online": False,
    "nearby": True,
    "handling_forms": ["1", "2", "4"],
    "online_depth": ["1", "2", "3", "4"],
    "delivery_methods": ["window", "electronic"],
    "steps": [
        {"name": "网上申请", "description": "填写登记申请并上传材料", "time_limit": "即时"},
        {"name": "窗口核验", "description": "核验身份与原件", "time_limit": "1个工作日"},
        {"name": "核准发照", "description": "登记机关核准并发放执照"},
    ],
    "places": [
        {
            "name": "武汉市民之家市场监管窗口",
            "address": "武汉市江汉区金融港路1号",
            "hours": "周一至周五 9:00-17:00",
            "phone": "027-85556789",
        },
    ],
    "consult_phone": "027-85551234",
    "complaint_phone": "027-12315",
    "faqs": [{"q": "个体户也要办营业执照吗？", "a": "需要，个体工商户同样应当登记。"}],
    "result_name": "营业执照（正本、副本）",
    "result_sample": "营业执照样本（正本）",
    "online_url": "https://zwfw.example.cn/apply/yyzz",
    "popularity": 900,
}
LICENCE_MATERIALS = [
    {
        "name": "公司登记（备案）申请书",
        "originals": 1,
        "copies": 0,
        "medium": "electronic",
        "spec": "法定代表人签字",
        "note": "可在线填写",
    },
    {
        "name": "法定代表人身份证件",
        "source": "2",
        "source_note": "公安机关核发",
        "originals": 1,
        "copies": 1,
        "license_type_code": "11100000000013127D001",
        "license_type_name": "居民身份证",
    },
    {"name": "住所使用证明", "originals": 0, "copies": 1, "medium": "paper", "requirement": "deferrable"},
    {"name": "公司章程", "source": "3", "originals": 1, "copies": 0, "requirement": "optional"},
]


@pytest.fixture
def regions(db):
    ensure_regions()


@pytest.fixture
def topics(db):
    for order, (slug, name, audience, description) in enumerate(TOPICS):
        catalog_services.do_upsert_topic(
            actor=SYSTEM, slug=slug, name=name, audience=audience, order=order, description=description
        )


@pytest.fixture
def wuhan_dept(regions):
    return make_department(region="420100", name="武汉市市场监督管理局")


@pytest.fixture
def province_dept(regions):
    return make_department(region="420000", name="湖北省人力资源和社会保障厅")


@pytest.fixture
def huangshi_dept(regions):
    return make_department(region="420200", name="黄石市民政局")


@pytest.fixture
def licence_item(wuhan_dept, topics):
    """营业执照核发 in Wuhan, with every guide element filled in."""
    basic = make_basic_item(name="营业执照核发", topics=("start-business",))
    handling = [
        {"code": None, "name": "营业执照核发（设立登记）", "kind": "new"},
        {"code": None, "name": "营业执照核发（变更登记）", "kind": "change"},
    ]
    code = f"{wuhan_dept.credit_code}3{basic.code}"
    for i, h in enumerate(handling, start=1):
        h["code"] = f"{code}{i:03d}"
    return make_item(
        wuhan_dept, basic, materials=LICENCE_MATERIALS, handling_items=handling, **LICENCE_ELEMENTS
    )


@pytest.fixture
def insurance_item(province_dept, topics):
    """A provincial, on-the-spot (即办件), fully online public service."""
    basic = make_basic_item(name="社会保险登记", item_type="20", topics=("birth",))
    return make_item(province_dept, basic, level="2", case_type="1", promised_limit=0, popularity=500)


@pytest.fixture
def marriage_item(huangshi_dept, topics):
    """A Huangshi item that needs one visit (not fully online)."""
    basic = make_basic_item(name="结婚登记", item_type="07", topics=("marriage",))
    return make_item(
        huangshi_dept,
        basic,
        visits=1,
        visit_reason="双方须本人到场",
        fully_online=False,
        nearby=True,
        popularity=300,
    )


@pytest.fixture
def many_items(wuhan_dept):
    """Twelve more Wuhan items, to show list pages do not grow their query count with rows."""
    items = []
    for n in range(12):
        basic = make_basic_item(name=f"食品经营许可证核发{n}")
        items.append(make_item(wuhan_dept, basic, popularity=n))
    return items


ID_CARD_TYPE = LICENCE_MATERIALS[1]["license_type_code"]


@pytest.fixture
def id_card_type(db):
    """The e-licence library holds the 居民身份证 type the guide's second material names, so
    that material is 免提交 (registered through the licences services)."""
    from tongban.licences import services as licence_services

    return licence_services.do_register_licence_type(
        actor="system:test",
        code=ID_CARD_TYPE,
        data={
            "name": "居民身份证",
            "ministry_name": "中华人民共和国公安部",
            "holder_kind": "person",
            "face_fields": [{"key": "address", "label": "住址", "type": "text"}],
            "validity_kind": "given",
            "template": "licences/faces/base.html",
            "issuing_departments": [],
        },
    )


@pytest.fixture
def search_world(regions, wuhan_dept, province_dept, huangshi_dept):
    """食品经营许可 in Wuhan, 江夏 and Huangshi (Huangshi the most popular, 江夏 the least, so ranking
    by region must beat ranking by popularity); 个体工商户设立登记 at 江夏 (行政审批局) and at 纸坊街道
    (便民服务中心); a 公共服务 item for people at 纸坊街道."""
    jiangxia = make_department(region="420115", name="武汉市江夏区行政审批局", kind="approval")
    zhifang = make_department(region="420115001000", name="江夏区纸坊街道便民服务中心", kind="service_center")
    food = make_basic_item(name="食品经营许可", service_objects=["1", "2"])
    trader = make_basic_item(name="个体工商户设立登记", service_objects=["1"])
    items = {
        "food_wuhan": make_item(wuhan_dept, food, level="3", popularity=800),
        "food_jiangxia": make_item(jiangxia, food, level="4", popularity=100),
        "food_huangshi": make_item(huangshi_dept, food, level="3", popularity=950),
        "trader_county": make_item(
            jiangxia, trader, level="4", popularity=300, case_type="1", promised_limit=0
        ),
        "trader_township": make_item(
            zhifang, trader, level="5", popularity=200, case_type="1", promised_limit=0, nearby=True
        ),
        "pension": make_item(
            zhifang,
            make_basic_item(name="城乡居民养老保险参保登记", item_type="20", service_objects=["1"]),
            level="5",
            popularity=50,
        ),
    }
    return {"jiangxia": jiangxia, "zhifang": zhifang, "wuhan": wuhan_dept, **items}
