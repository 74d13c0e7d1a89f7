"""The national-platform adapter: `manage.py exchange export-national` writes the whole published
catalogue (every share and open type, data items included) in the national exchange format, as
JSON or XML, to a file or standard output."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.management import CommandError, call_command

from . import export_world


@pytest.fixture
def world(db):
    return export_world.build()


def run(*args) -> str:
    out = io.StringIO()
    call_command("exchange", "export-national", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_json_holds_every_published_current_entry_in_the_national_shape(world):
    document = json.loads(run())
    assert document["格式"] == "政务信息资源目录交换格式"
    assert document["格式版本"] == "1.0"
    assert document["信息资源数"] == 5
    codes = [e["信息资源代码"] for e in document["信息资源"]]
    assert codes == [
        "FR-001",
        "HG-001",
        "JT-001",
        "KJ-001",
        "RK-001",
    ]  # closed RK-001 too; no draft, no retired
    fr = document["信息资源"][0]
    market = world["market"]
    assert fr == {
        "信息资源代码": "FR-001",
        "信息资源名称": "法人单位基本信息",
        "信息资源摘要": "市场主体的名称、类型、法定代表人、住所和登记状态。",
        "信息资源提供方": "武汉市市场监督管理局",
        "信息资源提供方代码": market.credit_code,
        "信息资源分类": {
            "资源分类": "基础信息资源",
            "基础信息资源库": "法人单位基础信息库",
            "主题分类": "市场监管",
        },
        "信息资源格式": {"格式分类": "服务接口", "格式类型": "REST"},
        "信息项": [
            {"信息项名称": "名称", "数据类型": "字符型", "数据类型代码": "C", "数据长度": 200},
            {"信息项名称": "法定代表人", "数据类型": "字符型", "数据类型代码": "C", "数据长度": 50},
            {"信息项名称": "成立日期", "数据类型": "日期型", "数据类型代码": "D", "数据长度": 8},
        ],
        "共享属性": {
            "共享类型": "无条件共享",
            "共享条件": "",
            "共享依据": "《政务信息资源共享管理暂行办法》第九条",
            "共享方式": "共享平台方式/接口服务",
        },
        "开放属性": {"开放类型": "向社会开放", "开放条件": ""},
        "更新周期": "每日",
        "发布日期": "2026-03-02",
        "版本": 2,
        "版本发布日期": "2026-06-01",
        "挂接状态": "已挂接",
        "数据最近更新日期": "2026-11-30",
        "来源节点": "",
        "来源节点资源代码": "",
    }
    hg = document["信息资源"][1]
    assert hg["开放属性"] == {
        "开放类型": "有条件开放",
        "开放条件": "经申请并签署数据使用协议后向科研机构开放",
    }
    assert hg["信息资源格式"] == {"格式分类": "电子表格", "格式类型": "CSV"}
    assert hg["共享属性"]["共享方式"] == "共享平台方式/文件下载"
    assert hg["信息项"] == [
        {"信息项名称": "地区生产总值", "数据类型": "货币型", "数据类型代码": "Y", "数据长度": 18}
    ]
    jt = document["信息资源"][2]
    assert jt["挂接状态"] == "未挂接"
    assert document["信息资源"][4]["开放属性"]["开放类型"] == "不向社会开放"
    # No sensitivity class leaves the province.
    assert "sensitivity" not in json.dumps(document) and "个人信息" not in json.dumps(
        document, ensure_ascii=False
    )


def test_xml_says_the_same(world, tmp_path):
    target = tmp_path / "catalogue.xml"
    assert run("--format", "xml", "--out", str(target)) == ""
    root = ET.fromstring(target.read_bytes())  # noqa: S314 (the file this test just wrote)
    assert root.tag == "政务信息资源目录"
    assert root.attrib == {"格式": "政务信息资源目录交换格式", "格式版本": "1.0"}
    assert root.findtext("信息资源数") == "5"
    entries = root.findall("信息资源")
    assert [e.findtext("信息资源代码") for e in entries] == ["FR-001", "HG-001", "JT-001", "KJ-001", "RK-001"]
    items = entries[0].findall("信息项")
    assert [
        (i.findtext("信息项名称"), i.findtext("数据类型代码"), i.findtext("数据长度")) for i in items
    ] == [
        ("名称", "C", "200"),
        ("法定代表人", "C", "50"),
        ("成立日期", "D", "8"),
    ]
    assert entries[0].find("共享属性").findtext("共享类型") == "无条件共享"


def test_json_to_a_file_and_the_english_ui_changes_nothing(world, tmp_path, settings):
    from django.utils import translation

    target = tmp_path / "catalogue.json"
    with translation.override("en"):
        run("--out", str(target))
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["信息资源"][0]["共享属性"]["共享类型"] == "无条件共享"


def test_a_missing_directory_is_refused_and_writes_nothing(world, tmp_path):
    with pytest.raises(CommandError, match="目录不存在"):
        run("--out", str(tmp_path / "nope" / "c.json"))
    assert not (tmp_path / "nope").exists()


def test_an_empty_catalogue_exports_an_empty_list(db):
    document = json.loads(run())
    assert (document["信息资源数"], document["信息资源"]) == (0, [])
