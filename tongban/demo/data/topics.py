"""Topics (主题): life events for people (个人办事) and stages for enterprises (法人办事)."""

from __future__ import annotations

# (slug, name, audience, description); order is the position in the list.
TOPICS = (
    ("birth", "出生", "person", "出生医学证明、新生儿落户、医保参保、预防接种"),
    ("school", "上学", "person", "入学、考试报名、成绩与录取查询、学生资助"),
    ("work", "就业", "person", "就业失业登记、创业补贴、职业培训、劳动维权"),
    ("marriage", "婚育", "person", "结婚登记、生育登记、生育津贴"),
    ("housing", "住房", "person", "不动产登记、公积金、住房保障、农村建房"),
    ("social-insurance", "社保", "person", "社保参保缴费、社保卡、待遇领取、关系转移"),
    ("health", "医疗", "person", "医保参保、异地就医、费用报销、门诊慢特病"),
    ("travel", "出行", "person", "出入境证件、机动车和驾驶证、居住证"),
    ("retirement", "退休", "person", "退休审批、养老金领取、高龄津贴"),
    ("bereavement", "身后事", "person", "户口注销、丧葬补助、殡葬补贴"),
    ("start-business", "开办", "enterprise", "企业开办、营业执照、公章刻制、发票申领"),
    ("permits", "准营", "enterprise", "食品经营、药品零售、娱乐场所等经营许可"),
    ("operations", "经营", "enterprise", "用工、社保、纳税、年报、安全生产"),
    ("changes", "变更", "enterprise", "登记事项变更、许可证变更延续"),
    ("construction", "投资建设", "enterprise", "用地规划、施工许可、环评、竣工验收"),
    ("closure", "注销", "enterprise", "企业注销、许可证注销、税务清税"),
)
