"""Topics (主题): life events for people (个人办事) and stages for enterprises (法人办事)."""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_

# (slug, name, audience, description); order is the position in the list. Names and descriptions are
# stored in Chinese and shown in the active language ({% translate topic.name %} in the portal):
# their English is in tongban/locale/en/LC_MESSAGES/django.po.
TOPICS = (
    ("birth", N_("出生"), "person", N_("出生医学证明、新生儿落户、医保参保、预防接种")),
    ("school", N_("上学"), "person", N_("入学、考试报名、成绩与录取查询、学生资助")),
    ("work", N_("就业"), "person", N_("就业失业登记、创业补贴、职业培训、劳动维权")),
    ("marriage", N_("婚育"), "person", N_("结婚登记、生育登记、生育津贴")),
    ("housing", N_("住房"), "person", N_("不动产登记、公积金、住房保障、农村建房")),
    ("social-insurance", N_("社保"), "person", N_("社保参保缴费、社保卡、待遇领取、关系转移")),
    ("health", N_("医疗"), "person", N_("医保参保、异地就医、费用报销、门诊慢特病")),
    ("travel", N_("出行"), "person", N_("出入境证件、机动车和驾驶证、居住证")),
    ("retirement", N_("退休"), "person", N_("退休审批、养老金领取、高龄津贴")),
    ("bereavement", N_("身后事"), "person", N_("户口注销、丧葬补助、殡葬补贴")),
    ("start-business", N_("开办"), "enterprise", N_("企业开办、营业执照、公章刻制、发票申领")),
    ("permits", N_("准营"), "enterprise", N_("食品经营、药品零售、娱乐场所等经营许可")),
    ("operations", N_("经营"), "enterprise", N_("用工、社保、纳税、年报、安全生产")),
    ("changes", N_("变更"), "enterprise", N_("登记事项变更、许可证变更延续")),
    ("construction", N_("投资建设"), "enterprise", N_("用地规划、施工许可、环评、竣工验收")),
    ("closure", N_("注销"), "enterprise", N_("企业注销、许可证注销、税务清税")),
)
