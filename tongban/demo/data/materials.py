"""Materials (申请材料) shared by many guides, and the e-licence types (电子证照类型) they accept.

A licence type code is the defining ministry's unified social credit code followed by a
3-digit sequence (GB/T 36904). The ministries' codes here are synthetic but valid, generated
from the ministry's name, so the same licence type has the same code on every run.

Guides name materials by key (``"身份证"``). A key may carry a prefix: ``?`` optional
(非必要), ``~`` deferrable (容缺后补). A name that is not a key is an applicant-supplied
document (one original).
"""

from __future__ import annotations

import random
from functools import cache

from tongban.core.identifiers import make_credit_code

MINISTRIES = (
    "国家市场监督管理总局",
    "中华人民共和国公安部",
    "中华人民共和国民政部",
    "国家卫生健康委员会",
    "中华人民共和国自然资源部",
    "中华人民共和国人力资源和社会保障部",
    "国家林业和草原局",
    "中华人民共和国教育部",
    "中国残疾人联合会",
)


@cache
def ministry_code(name: str) -> str:
    return make_credit_code(random.Random(f"tongban-demo:ministry:{name}"), region="100000", kind="11")


# licence name -> (defining ministry, sequence)
_LICENSES = {
    "营业执照": ("国家市场监督管理总局", 1),
    "食品经营许可证": ("国家市场监督管理总局", 2),
    "个体工商户营业执照": ("国家市场监督管理总局", 3),
    "居民身份证": ("中华人民共和国公安部", 1),
    "居民户口簿": ("中华人民共和国公安部", 2),
    "机动车驾驶证": ("中华人民共和国公安部", 3),
    "机动车行驶证": ("中华人民共和国公安部", 4),
    "结婚证": ("中华人民共和国民政部", 1),
    "离婚证": ("中华人民共和国民政部", 2),
    "出生医学证明": ("国家卫生健康委员会", 1),
    "医师执业证书": ("国家卫生健康委员会", 2),
    "护士执业证书": ("国家卫生健康委员会", 3),
    "不动产权证书": ("中华人民共和国自然资源部", 1),
    "社会保障卡": ("中华人民共和国人力资源和社会保障部", 1),
    "特殊工时工作制审批决定书": ("中华人民共和国人力资源和社会保障部", 2),
    "林木采伐许可证": ("国家林业和草原局", 1),
    "教师资格证书": ("中华人民共和国教育部", 1),
    "残疾人证": ("中国残疾人联合会", 1),
}


def license_type(name: str) -> tuple[str, str]:
    """(code, name) of an e-licence type."""
    ministry, seq = _LICENSES[name]
    return f"{ministry_code(ministry)}{seq:03d}", name


def license_types() -> list[tuple[str, str]]:
    return [license_type(n) for n in _LICENSES]


# key -> material fields (tongban.catalog.services.MATERIAL_FIELDS), plus "license".
_CATALOGUE: dict[str, dict] = {
    "身份证": {
        "name": "申请人居民身份证",
        "source": "2",
        "source_note": "公安机关核发",
        "originals": 1,
        "copies": 0,
        "license": "居民身份证",
        "spec": "在有效期内；电子证照库已有的，经授权后免提交",
    },
    "法定代表人身份证": {
        "name": "法定代表人（负责人）居民身份证",
        "source": "2",
        "source_note": "公安机关核发",
        "originals": 1,
        "copies": 0,
        "license": "居民身份证",
    },
    "营业执照": {
        "name": "营业执照",
        "source": "2",
        "source_note": "市场监督管理部门核发",
        "originals": 0,
        "copies": 1,
        "license": "营业执照",
        "spec": "通过电子营业执照共享获取的，申请人免提交",
    },
    "户口簿": {
        "name": "居民户口簿",
        "source": "2",
        "source_note": "公安机关核发",
        "originals": 1,
        "copies": 0,
        "license": "居民户口簿",
        "spec": "户主页及本人页",
    },
    "结婚证": {
        "name": "结婚证",
        "source": "2",
        "source_note": "婚姻登记机关核发",
        "originals": 1,
        "copies": 0,
        "license": "结婚证",
    },
    "离婚证": {
        "name": "离婚证或离婚判决书（调解书）",
        "source": "2",
        "source_note": "婚姻登记机关或人民法院",
        "originals": 1,
        "copies": 0,
        "license": "离婚证",
    },
    "出生医学证明": {
        "name": "出生医学证明",
        "source": "2",
        "source_note": "助产机构签发",
        "originals": 1,
        "copies": 0,
        "license": "出生医学证明",
        "spec": "新生儿出生医学证明第一联",
    },
    "不动产权证书": {
        "name": "不动产权证书（不动产登记证明）",
        "source": "2",
        "source_note": "不动产登记机构核发",
        "originals": 1,
        "copies": 0,
        "license": "不动产权证书",
        "spec": "已纳入电子证照库的，经授权后免提交",
    },
    "社保卡": {
        "name": "社会保障卡",
        "source": "2",
        "source_note": "人力资源社会保障部门核发",
        "originals": 1,
        "copies": 0,
        "license": "社会保障卡",
        "medium": "both",
    },
    "驾驶证": {
        "name": "机动车驾驶证",
        "source": "2",
        "source_note": "公安机关交通管理部门核发",
        "originals": 1,
        "copies": 0,
        "license": "机动车驾驶证",
    },
    "行驶证": {
        "name": "机动车行驶证",
        "source": "2",
        "source_note": "公安机关交通管理部门核发",
        "originals": 1,
        "copies": 0,
        "license": "机动车行驶证",
    },
    "食品经营许可证": {
        "name": "食品经营许可证正、副本",
        "source": "2",
        "source_note": "市场监督管理部门核发",
        "originals": 1,
        "copies": 0,
        "license": "食品经营许可证",
    },
    "医师执业证书": {
        "name": "医师执业证书",
        "source": "2",
        "source_note": "卫生健康主管部门核发",
        "originals": 1,
        "copies": 0,
        "license": "医师执业证书",
    },
    "残疾人证": {
        "name": "中华人民共和国残疾人证",
        "source": "2",
        "source_note": "残疾人联合会核发",
        "originals": 1,
        "copies": 0,
        "license": "残疾人证",
    },
    "委托书": {
        "name": "授权委托书及受托人居民身份证",
        "source": "1",
        "originals": 1,
        "copies": 0,
        "requirement": "optional",
        "spec": "委托他人代办时提交；委托书须载明委托事项和权限",
    },
    "照片": {
        "name": "近期免冠彩色证件照片",
        "source": "1",
        "originals": 2,
        "copies": 0,
        "medium": "paper",
        "spec": "白色背景，符合证件照规格；窗口可现场免费采集",
    },
    "银行账户": {
        "name": "本人社会保障卡金融账户或银行账户信息",
        "source": "1",
        "originals": 0,
        "copies": 1,
        "spec": "用于待遇发放，账户户名须与申请人一致",
    },
    "章程": {
        "name": "公司章程",
        "source": "1",
        "originals": 1,
        "copies": 0,
        "spec": "全体股东签署；可使用系统提供的章程范本在线生成",
    },
    "住所证明": {
        "name": "住所（经营场所）使用证明",
        "source": "1",
        "originals": 0,
        "copies": 1,
        "requirement": "optional",
        "spec": "实行住所申报承诺制的，填写《住所（经营场所）申报承诺书》即可",
    },
    "承诺书": {
        "name": "告知承诺书",
        "source": "1",
        "originals": 1,
        "copies": 0,
        "spec": "实行告知承诺的，申请人签署后可免交相关证明材料",
    },
    "平面图": {
        "name": "经营场所平面布局图及设备设施布局图",
        "source": "1",
        "originals": 1,
        "copies": 0,
        "requirement": "deferrable",
        "spec": "标明功能区划分和主要设备位置；可容缺后补，30日内补齐",
    },
    "管理制度": {
        "name": "质量安全管理制度文本",
        "source": "1",
        "originals": 1,
        "copies": 0,
        "requirement": "deferrable",
    },
    "人员证明": {
        "name": "专业技术人员资格证明及劳动合同",
        "source": "1",
        "originals": 0,
        "copies": 1,
    },
    "陈述申辩": {
        "name": "陈述、申辩意见（书面）",
        "source": "1",
        "originals": 1,
        "copies": 0,
        "requirement": "optional",
        "spec": "当事人自收到行政处罚事先告知书之日起5个工作日内提出",
    },
    "听证申请": {
        "name": "听证申请书",
        "source": "1",
        "originals": 1,
        "copies": 0,
        "requirement": "optional",
        "spec": "符合听证条件的，自告知之日起5个工作日内提出",
    },
    "主体证明": {
        "name": "当事人身份证明（居民身份证或营业执照）",
        "source": "2",
        "originals": 0,
        "copies": 1,
        "license": "营业执照",
    },
    "现场笔录": {
        "name": "现场笔录及查封、扣押物品清单（执法机关制作，当事人签字确认）",
        "source": "9",
        "source_note": "执法机关现场制作",
        "originals": 1,
        "copies": 0,
    },
    "检查记录": {
        "name": "检查记录表（执法人员现场填写，被检查人签字）",
        "source": "9",
        "source_note": "执法人员现场制作",
        "originals": 1,
        "copies": 0,
    },
    "自查报告": {
        "name": "自查报告及整改情况说明",
        "source": "1",
        "originals": 1,
        "copies": 0,
        "requirement": "optional",
    },
    "证明材料": {
        "name": "相关事实的证明材料",
        "source": "1",
        "originals": 1,
        "copies": 1,
    },
    "收入证明": {
        "name": "家庭成员收入及财产状况说明",
        "source": "1",
        "originals": 1,
        "copies": 0,
        "spec": "可签署《家庭经济状况核对授权书》，由民政部门通过信息核对获取",
    },
    "核对授权书": {
        "name": "家庭经济状况核对授权书",
        "source": "1",
        "originals": 1,
        "copies": 0,
        "spec": "共同生活的家庭成员均须签字",
    },
    "医疗票据": {
        "name": "医疗费用票据、费用明细清单及出院记录（病历）",
        "source": "1",
        "originals": 1,
        "copies": 0,
    },
    "劳动合同": {
        "name": "劳动合同或聘用合同",
        "source": "1",
        "originals": 0,
        "copies": 1,
    },
    "项目文件": {
        "name": "项目批准、核准或备案文件",
        "source": "2",
        "source_note": "投资主管部门出具，可通过投资项目在线审批监管平台共享",
        "originals": 0,
        "copies": 1,
    },
    "用地文件": {
        "name": "用地批准文件或不动产权证书",
        "source": "2",
        "originals": 0,
        "copies": 1,
        "license": "不动产权证书",
    },
    "设计文件": {
        "name": "设计方案或施工图设计文件",
        "source": "3",
        "source_note": "具备相应资质的设计单位出具",
        "originals": 1,
        "copies": 0,
    },
    "评价报告": {
        "name": "技术评价报告（报告书或报告表）",
        "source": "3",
        "source_note": "技术单位编制",
        "originals": 1,
        "copies": 0,
    },
    "死亡证明": {
        "name": "居民死亡医学证明（推断）书或其他死亡证明",
        "source": "2",
        "source_note": "医疗卫生机构或公安机关出具",
        "originals": 1,
        "copies": 0,
    },
}


def material(entry: str, *, item_name: str) -> dict:
    """One material row from a guide's entry (see the module docstring)."""
    requirement = "required"
    if entry[:1] in "?~":
        requirement = "optional" if entry[0] == "?" else "deferrable"
        entry = entry[1:]
    if entry == "申请表":
        row = {
            "name": f"《{item_name}申请表》",
            "source": "1",
            "originals": 1,
            "copies": 0,
            "spec": "网上申请时在线填写，系统自动生成；窗口申请的可现场领取或下载空白表格",
        }
    elif entry in _CATALOGUE:
        row = dict(_CATALOGUE[entry])
    else:
        row = {"name": entry, "source": "1", "originals": 1, "copies": 0}
    licence = row.pop("license", None)
    if licence:
        row["license_type_code"], row["license_type_name"] = license_type(licence)
    if requirement != "required":
        row["requirement"] = requirement
    if row.get("requirement") == "deferrable" and not row.get("note"):
        row["note"] = "容缺受理：申请人书面承诺后先行受理，限期补交"
    return row
