"""Policy library search at province scale: 10⁶ policy documents, search p95 by kind of query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opub_bench \\
        .venv/bin/python bench/policy_search.py --docs 1000000 [--queries 400] [--reuse]

A benchmark, not a test. It (re)creates the PostgreSQL database named in DATABASE_URL (the name
must contain "bench"; `--reuse` keeps a database already loaded with --docs documents), migrates
it, creates the issuing bodies (the provincial government, its general office and ten
departments, each city's government, general office and departments, each county's government
and office) through `core.services`, and loads the documents with COPY from a generator of
Hubei-style policy documents (文号 per issuer and year, titles, subject, document kind, dates
2000–2026 weighted to recent years, a text of 10–20 sentences from templates and word lists,
97 % published, 2 % repealed, 1 % drafts that must never be found). The search text is what the
publication service stores: `core.search.index_text(title, number, text)` — computed here per
sentence (jieba never joins words across the 。 that ends each sentence, so the union of the
sentences' tokens is the text's tokens) with the sentence tokens cached, which is what makes
10⁶ documents loadable in minutes. The full-text GIN and the public date index are dropped for
the load and built after it (as a bulk load would), then VACUUM ANALYZE.

Then, query by query in shuffled order, it times:

- query: `openness.queries.search_policies(check_filters(params))` in this process: what the
         library page runs (count, candidates, one page of rows);
- page:  GET /openness/?... through django.test.Client (the same, plus the template).

Kinds of query: a common word (营商环境, 管理 ...), a rarer word, several words, a 文号, a word
with an issuer or with a subject and years, a browse (no words) by year, issuer or subject, and
word searches sorted by date. Prints a table, EXPLAIN ANALYZE of the slowest searches, and
writes var/bench/policy_search.json. Target: query p95 ≤ 50 ms over 10⁶ documents.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchlib import (  # noqa: E402 - beside this script
    SMOKE_DIR,
    explain_captured,
    parse_args_with_smoke,
    percentile,
    report_head,
    run_main,
    summary,
)
from benchlib import vacuum_analyze as benchlib_vacuum  # noqa: E402 - beside this script

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")

TARGET_P95_MS = 50.0
ACTOR = "system:bench"
MODES = ("query", "page")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--docs", type=int, default=1_000_000, help="policy documents to generate")
    p.add_argument("--queries", type=int, default=400, help="timed searches (each run both ways)")
    p.add_argument("--reuse", action="store_true", help="keep a database already holding --docs documents")
    p.add_argument("--seed", type=int, default=2026, help="seed of the documents and of the query order")
    p.add_argument("--batch", type=int, default=20_000, help="documents per COPY")
    p.add_argument("--explain", type=int, default=4, help="EXPLAIN ANALYZE this many of the slowest searches")
    p.add_argument("--out", default=str(ROOT / "var" / "bench" / "policy_search.json"))
    tiny = {
        "docs": 300,
        "queries": 24,
        "explain": 1,
        "batch": 100,
        "out": str(SMOKE_DIR / "policy_search.json"),
    }
    return parse_args_with_smoke(p, tiny)


# --- The generator ---------------------------------------------------------------------------------

# (sector, provincial name, city name, 文号 word, subject, topics)
SECTORS = (
    ("gov", "人民政府", "人民政府", "政发", "general", ()),
    ("office", "人民政府办公厅", "人民政府办公室", "政办发", "general", ()),
    (
        "ndrc",
        "发展和改革委员会",
        "发展和改革委员会",
        "发改",
        "economy",
        (
            "营商环境",
            "项目审批",
            "价格管理",
            "重大项目",
            "投资项目核准",
            "社会信用体系",
            "招标投标",
            "能源保供",
        ),
    ),
    (
        "finance",
        "财政厅",
        "财政局",
        "财",
        "finance",
        ("政府采购", "预算管理", "专项资金", "国有资产", "财政补贴", "非税收入", "政府债务", "会计管理"),
    ),
    (
        "hrss",
        "人力资源和社会保障厅",
        "人力资源和社会保障局",
        "人社发",
        "labour",
        ("社会保险", "稳就业", "职业技能培训", "工伤保险", "失业保险", "人才引进", "工资支付", "养老保险"),
    ),
    (
        "market",
        "市场监督管理局",
        "市场监督管理局",
        "市监",
        "market",
        (
            "食品经营许可",
            "市场主体登记",
            "药品零售",
            "特种设备",
            "计量器具",
            "产品质量",
            "广告监管",
            "知识产权",
        ),
    ),
    (
        "housing",
        "住房和城乡建设厅",
        "住房和城乡建设局",
        "建",
        "construction",
        (
            "住房公积金",
            "建筑施工许可",
            "物业管理",
            "老旧小区改造",
            "保障性住房",
            "城市更新",
            "建筑市场",
            "燃气安全",
        ),
    ),
    (
        "land",
        "自然资源厅",
        "自然资源和规划局",
        "自然资",
        "land",
        (
            "不动产登记",
            "国土空间规划",
            "耕地保护",
            "矿产资源",
            "林木采伐",
            "土地供应",
            "测绘地理信息",
            "地质灾害",
        ),
    ),
    (
        "env",
        "生态环境厅",
        "生态环境局",
        "环",
        "construction",
        (
            "排污许可",
            "环境影响评价",
            "大气污染防治",
            "水污染防治",
            "固体废物",
            "生态保护",
            "碳排放",
            "噪声污染",
        ),
    ),
    (
        "edu",
        "教育厅",
        "教育局",
        "教",
        "science",
        ("义务教育", "教师资格", "学前教育", "职业教育", "学生资助", "招生考试", "校外培训", "高等教育"),
    ),
    (
        "health",
        "卫生健康委员会",
        "卫生健康委员会",
        "卫",
        "health",
        (
            "医疗机构",
            "出生医学证明",
            "传染病防治",
            "基层医疗",
            "医师执业",
            "健康促进",
            "母婴保健",
            "疫苗管理",
        ),
    ),
    (
        "transport",
        "交通运输厅",
        "交通运输局",
        "交",
        "industry",
        ("道路运输", "公路建设", "网约车", "港口管理", "客运管理", "货运车辆", "交通安全", "城市公交"),
    ),
)
GENERAL_TOPICS = (
    "营商环境",
    "政务服务",
    "一网通办",
    "数字政府",
    "安全生产",
    "乡村振兴",
    "民营经济",
    "科技创新",
    "对外开放",
    "防汛抗旱",
    "社会救助",
    "养老服务",
    "消费促进",
    "制造业",
    "中小企业",
    "就业创业",
)
VERBS = (
    "进一步优化",
    "加快推进",
    "全面加强",
    "深化",
    "做好",
    "规范",
    "完善",
    "支持",
    "促进",
    "加强",
    "推进",
    "实施",
)
SUFFIX = (
    "工作",
    "改革",
    "管理",
    "若干措施",
    "实施方案",
    "三年行动",
    "试点",
    "监督检查",
    "体制机制",
    "专项整治",
)
DOC_TYPES = (("notice", 40), ("opinion", 18), ("measures", 10), ("scheme", 10), ("provisions", 5))
DOC_TYPES += (("decision", 4), ("announcement", 3), ("public_notice", 3), ("plan", 3), ("reply", 2))
DOC_TYPES += (("letter", 2),)
DOC_WORDS = {
    "notice": "通知",
    "opinion": "意见",
    "measures": "办法",
    "scheme": "方案",
    "provisions": "规定",
    "decision": "决定",
    "announcement": "公告",
    "public_notice": "通告",
    "plan": "规划",
    "reply": "批复",
    "letter": "函",
}
PLACES = (
    "武汉",
    "黄石",
    "十堰",
    "宜昌",
    "襄阳",
    "鄂州",
    "荆门",
    "孝感",
    "荆州",
    "黄冈",
    "咸宁",
    "随州",
    "恩施",
)
PLACES += ("仙桃", "潜江", "天门", "神农架", "江夏", "洪山", "武昌", "汉阳", "东湖高新区")
SENTENCES = (
    "为{verb}{topic}{suffix}，根据有关法律法规和国家有关规定，结合本地实际，制定本{doc}。",
    "{topic}是推动高质量发展的重要内容，各地各部门要提高认识，切实加强组织领导。",
    "到{year}年，全省{topic}体系基本建立，{other}水平明显提升。",
    "各级{dept}要按照职责分工，{verb}{other}，确保各项任务落到实处。",
    "本{doc}所称{topic}，是指依法由行政机关实施的相关管理和服务活动。",
    "{place}等地要先行先试，探索{topic}与{other}协同推进的新路径。",
    "申请人办理{topic}相关事项，可通过湖北政务服务网或鄂汇办在线提交申请。",
    "对符合条件的市场主体，实行告知承诺制，材料齐全的当场办结。",
    "建立{topic}工作联席会议制度，定期研究解决{other}中的重大问题。",
    "加大财政资金支持力度，统筹安排{other}专项资金，提高资金使用效益。",
    "强化监督检查，对{topic}工作推进不力的，依法依规严肃追究责任。",
    "各地要加强{topic}政策宣传解读，及时回应社会关切，营造良好氛围。",
    "本{doc}自印发之日起施行，有效期{n}年。",
    "此前有关规定与本{doc}不一致的，以本{doc}为准。",
    "推行{topic}事项清单管理，实现同一事项无差别受理、同标准办理。",
    "依托全省一体化在线政务服务平台，推动{topic}数据共享和业务协同。",
    "鼓励社会资本参与{topic}建设，形成多元投入格局。",
    "{place}市{dept}应当于每年{month}月底前报送{topic}工作进展情况。",
    "严格落实安全生产责任制，防范化解{other}领域重大风险。",
    "优化{topic}办理流程，压减办理时限，减少申请材料和跑动次数。",
)
DEPT_WORDS = (
    "人民政府",
    "发展改革部门",
    "财政部门",
    "人力资源社会保障部门",
    "市场监管部门",
    "住房城乡建设部门",
)
DEPT_WORDS += ("自然资源部门", "生态环境部门", "教育部门", "卫生健康部门", "交通运输部门")


def sentence_pool(rng: random.Random, n: int) -> dict[str, list[str]]:
    """Sentences per topic (n per topic): the text of a document about a topic comes from its
    topic's sentences and the general ones."""
    topics = {t for s in SECTORS for t in s[5]} | set(GENERAL_TOPICS)
    all_topics = sorted(topics)
    pool: dict[str, list[str]] = {}
    for topic in sorted(topics):
        out = []
        for _ in range(n):
            template = rng.choice(SENTENCES)
            out.append(
                template.format(
                    verb=rng.choice(VERBS),
                    topic=topic,
                    suffix=rng.choice(SUFFIX),
                    doc=rng.choice(("通知", "意见", "办法", "方案")),
                    year=rng.randint(2025, 2035),
                    other=rng.choice(all_topics),
                    dept=rng.choice(DEPT_WORDS),
                    place=rng.choice(PLACES),
                    n=rng.choice((2, 3, 5)),
                    month=rng.randint(1, 12),
                )
            )
        pool[topic] = out
    return pool


def weighted(rng: random.Random, pairs) -> str:
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for value, w in pairs:
        x -= w
        if x <= 0:
            return value
    return pairs[-1][0]


def publication_date(rng: random.Random) -> dt.date:
    """2000–2026, more recent years more often (the number published grows)."""
    year = 2000 + int(26 * (rng.random() ** 0.6))
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365 if year < 2026 else 330))


def ensure_issuers(stdout=sys.stdout) -> list[dict]:
    """The issuing bodies, created through core.services (reused when present)."""
    from tongban.core import queries as core_queries
    from tongban.core import services as core_services
    from tongban.core.enums import RegionLevel
    from tongban.core.identifiers import make_credit_code
    from tongban.core.models import Region

    if not core_queries.provinces().exists():
        print("loading regions", file=stdout)
        core_services.do_load_regions(actor=ACTOR)
    rng = random.Random("policy-bench-issuers")
    existing = {(d.region_id, d.name): d for d in core_queries.departments()}
    used = {d.credit_code for d in existing.values()}
    issuers = []
    for region in Region.objects.filter(level__lte=RegionLevel.COUNTY).order_by("code"):
        province = region.level == RegionLevel.PROVINCE
        city = region.level == RegionLevel.CITY
        sectors = SECTORS if (province or city) else SECTORS[:2]
        short = "鄂" if province else region.name[:2]
        for _key, prov_name, local_name, word, subject, topics in sectors:
            name = (
                f"湖北省{prov_name}" if province else f"{region.full_name.removeprefix('湖北省')}{local_name}"
            )
            dept = existing.get((region.code, name))
            if dept is None:
                code = make_credit_code(rng, region=region.code[:6], kind="11")
                while code in used:
                    code = make_credit_code(rng, region=region.code[:6], kind="11")
                dept = core_services.do_upsert_department(
                    actor=ACTOR, name=name, credit_code=code, region_code=region.code, kind="bureau"
                )
                used.add(code)
            issuers.append(
                {
                    "id": dept.pk,
                    "code": dept.credit_code,
                    "name": name,
                    "prefix": short + word,
                    "subject": subject,
                    "topics": topics or GENERAL_TOPICS,
                    "weight": 6 if province else (3 if city else 1),
                }
            )
    return issuers


def documents(rng: random.Random, issuers: list[dict], n: int, pool: dict[str, list[str]], start: int = 0):
    """Yield (row values, tokens) for n documents; numbers count per issuer and year."""
    from tongban.core.search import index_text

    weights = [i["weight"] for i in issuers]
    serial: dict[tuple[int, int], int] = {}
    now = dt.datetime.now(dt.UTC)
    cum = []
    total = 0
    for w in weights:
        total += w
        cum.append(total)
    import bisect

    for _k in range(start, start + n):
        issuer = issuers[bisect.bisect_left(cum, rng.uniform(0, total))]
        doc_type = weighted(rng, DOC_TYPES)
        topic = rng.choice(issuer["topics"]) if rng.random() < 0.8 else rng.choice(GENERAL_TOPICS)
        published = publication_date(rng)
        key = (issuer["id"], published.year)
        serial[key] = serial.get(key, 0) + 1
        number = f"{issuer['prefix']}〔{published.year}〕{serial[key]}号"
        title = f"{issuer['name']}关于{rng.choice(VERBS)}{topic}{rng.choice(SUFFIX)}的{DOC_WORDS[doc_type]}"
        sentences = [rng.choice(pool[topic]) for _ in range(rng.randint(10, 20))]
        other = rng.choice(GENERAL_TOPICS)
        sentences += [rng.choice(pool[other]) for _ in range(2)]
        text = "\n".join(sentences)
        roll = rng.random()
        state, validity, repealed = "published", "valid", None
        if roll < 0.01:
            state = "draft"
        elif roll < 0.03:
            state, validity = "repealed", "repealed"
            repealed = published + dt.timedelta(days=rng.randint(200, 3000))
        public = state != "draft"
        search = index_text(title, number, *sentences) if public else ""
        written = published - dt.timedelta(days=rng.randint(3, 30))
        yield (
            number,
            title,
            issuer["id"],
            issuer["subject"]
            if rng.random() < 0.85
            else rng.choice(("general", "economy", "labour", "market")),
            doc_type,
            written,
            published if public else None,
            published + dt.timedelta(days=rng.choice((0, 0, 30))) if public else None,
            repealed,
            validity,
            sentences[0],
            text,
            state,
            search,
            None,
            now,
            now,
            0,
        )


COLUMNS = (
    "number",
    "title",
    "issuer_id",
    "subject",
    "doc_type",
    "written_on",
    "published_on",
    "effective_on",
    "repealed_on",
    "validity",
    "summary",
    "text",
    "state",
    "search_text",
    "created_by_id",
    "created_at",
    "updated_at",
    "lock_version",
)
GIN = "openness_policy_fts_gin"
DATE_INDEX = "openness_policy_public_date"


def _index_definitions(cur) -> dict[str, str]:
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'openness_policy'")
    return dict(cur.fetchall())


def load_documents(n: int, seed: int, batch: int) -> dict | None:
    """Generate and COPY n documents (the indexes that slow a bulk load are rebuilt after)."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from tongban.openness.models import Policy

    have = Policy.objects.count()
    if have == n:
        print(f"the database already holds {have:,} policies: not loading")
        return None
    if have:
        sys.exit(f"the database holds {have:,} policies, not --docs {n:,}: run without --reuse")
    t0 = time.perf_counter()
    issuers = ensure_issuers()
    rng = random.Random(seed)
    pool = sentence_pool(rng, 400)
    print(f"{len(issuers)} issuing bodies; generating {n:,} documents", flush=True)
    t_gen = t_copy = 0.0
    with connection.cursor() as cur:
        defs = _index_definitions(cur)
        dropped = {name: sql for name, sql in defs.items() if name in (GIN, DATE_INDEX)}
        for name in dropped:
            cur.execute(f'DROP INDEX "{name}"')
        raw = cur.cursor  # psycopg's own cursor: COPY
        done = 0
        gen = documents(rng, issuers, n, pool)
        started = time.monotonic()
        while done < n:
            t = time.perf_counter()
            rows = [next(gen) for _ in range(min(batch, n - done))]
            t_gen += time.perf_counter() - t
            t = time.perf_counter()
            with raw.copy(f"COPY openness_policy ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            t_copy += time.perf_counter() - t
            done += len(rows)
            if done % (batch * 10) == 0 or done == n:
                rate = done / (time.monotonic() - started)
                print(f"  {done:,}/{n:,} documents ({rate:,.0f}/s)", flush=True)
        t = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '256MB'")
        for name, sql in dropped.items():
            print(f"  building {name}", flush=True)
            cur.execute(sql)
        t_index = time.perf_counter() - t
    from django.db import transaction

    from tongban.core import audit

    with transaction.atomic():
        audit.record(
            actor=ACTOR, action="bench.policies.load", object_type="openness.policy", data={"docs": n}
        )
    return {
        "docs": n,
        "issuers": len(issuers),
        "generate_seconds": round(t_gen, 1),
        "copy_seconds": round(t_copy, 1),
        "index_seconds": round(t_index, 1),
        "total_seconds": round(time.perf_counter() - t0, 1),
    }


def vacuum_analyze() -> float:
    return benchlib_vacuum("openness_policy")


def database_facts() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0]
        cur.execute(
            "SELECT pg_size_pretty(pg_table_size('openness_policy')),"
            " pg_size_pretty(pg_indexes_size('openness_policy')),"
            f" pg_size_pretty(pg_relation_size('{GIN}')),"
            " (SELECT count(*) FROM openness_policy),"
            " (SELECT count(*) FROM openness_policy WHERE state IN ('published', 'repealed'))"
        )
        table, indexes, gin, docs, public = cur.fetchone()
        settings = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "jit"):
            cur.execute(f"SHOW {name}")
            settings[name] = cur.fetchone()[0]
    return {
        "version": version,
        "docs": docs,
        "public": public,
        "table_size": table,
        "indexes_size": indexes,
        "gin_size": gin,
        "settings": settings,
    }


# --- Queries ---------------------------------------------------------------------------------------

COMMON = ("营商环境", "管理", "政务服务", "安全生产", "社会保险", "实施方案", "告知承诺", "数据共享")
RARER = ("林木采伐", "出生医学证明", "网约车", "校外培训", "噪声污染", "计量器具", "燃气安全", "疫苗管理")
MULTI = ("公积金 提取", "武汉 营商环境", "食品经营许可 告知承诺", "不动产登记 一网通办", "排污许可 试点")
MULTI += ("教师资格 认定", "稳就业 补贴", "养老服务 专项资金", "我想查社保的政策")


def build_plan(rng: random.Random, total: int) -> list[tuple[str, dict]]:
    """(kind, query parameters) pairs, shuffled."""
    from django.db.models import Max, Min

    from tongban.openness.models import Policy

    bounds = Policy.objects.filter(state="published").aggregate(lo=Min("pk"), hi=Max("pk"))
    samples = []
    while len(samples) < 40:
        pk = rng.randint(bounds["lo"], bounds["hi"])
        row = (
            Policy.objects.filter(pk__gte=pk, state="published")
            .order_by("pk")
            .values("number", "issuer__credit_code", "subject", "published_on")
            .first()
        )
        if row:
            samples.append(row)
    kinds = {
        "word_common": lambda i: {"q": COMMON[i % len(COMMON)]},
        "word_rare": lambda i: {"q": RARER[i % len(RARER)]},
        "multi": lambda i: {"q": MULTI[i % len(MULTI)]},
        "number": lambda i: {"q": samples[i % len(samples)]["number"]},
        "word_issuer": lambda i: {
            "q": COMMON[i % len(COMMON)],
            "issuer": samples[i % len(samples)]["issuer__credit_code"],
        },
        "word_subject_years": lambda i: {
            "q": RARER[i % len(RARER)] if i % 2 else COMMON[i % len(COMMON)],
            "subject": samples[i % len(samples)]["subject"],
            "from": str(2018 + i % 5),
            "to": "2026",
        },
        "word_by_date": lambda i: {"q": COMMON[i % len(COMMON)], "sort": "date", "page": str(1 + i % 3)},
        "browse_year": lambda i: {"year": str(2010 + i % 17)},
        "browse_issuer": lambda i: {
            "issuer": samples[i % len(samples)]["issuer__credit_code"],
            "page": str(1 + i % 2),
        },
        "browse_subject": lambda i: {"subject": samples[i % len(samples)]["subject"]},
    }
    names = list(kinds)
    plan = [(names[i % len(names)], kinds[names[i % len(names)]](i // len(names))) for i in range(total)]
    rng.shuffle(plan)
    return plan


def run_query(params: dict) -> int:
    from tongban.openness import queries

    return queries.search_policies(queries.check_filters(params)).total


def run(plan: list[tuple[str, dict]], rng: random.Random) -> list[dict]:
    import urllib.parse

    from django.test import Client

    client = Client()

    def page(params: dict) -> int:
        response = client.get("/openness/?" + urllib.parse.urlencode(params))
        if response.status_code != 200:
            raise RuntimeError(f"/openness/?{params} -> {response.status_code}: {response.content[:300]!r}")
        return len(response.content)

    for _, params in plan:  # warm up: every distinct search once
        run_query(params)
    page(plan[0][1])
    searchers = {"query": run_query, "page": page}
    rows = []
    started = time.monotonic()
    for i, (kind, params) in enumerate(plan, start=1):
        row = {"kind": kind, "params": params}
        for mode in rng.sample(MODES, len(MODES)):
            t = time.perf_counter()
            value = searchers[mode](params)
            row[mode + "_ms"] = (time.perf_counter() - t) * 1000
            row[mode + "_value"] = value
        rows.append(row)
        if i % 50 == 0 or i == len(plan):
            print(f"  {i}/{len(plan)} searches ({time.monotonic() - started:.0f}s)", flush=True)
    return rows


def tabulate(rows: list[dict]) -> dict:
    out = {}
    kinds = [*list(dict.fromkeys(r["kind"] for r in rows)), "all"]
    for kind in [*sorted(kinds[:-1]), "all"]:
        sel = [r for r in rows if kind in ("all", r["kind"])]
        stats = {mode: summary([r[mode + "_ms"] for r in sel]) for mode in MODES}
        stats["matches_p50"] = percentile([r["query_value"] for r in sel], 50)
        stats["matches_max"] = max(r["query_value"] for r in sel)
        out[kind] = stats
    return out


def print_table(stats: dict) -> None:
    head = (
        f"{'queries':<20}{'n':>4} | {'query p50':>9}{'p95':>8}{'p99':>8}{'max':>8} | "
        f"{'page p50':>9}{'p95':>8}{'p99':>8} | {'matches p50/max':>18}"
    )
    print(head)
    print("-" * len(head))
    for kind, s in stats.items():
        q, p = s["query"], s["page"]
        print(
            f"{kind:<20}{q['n']:>4} | {q['p50']:>9.1f}{q['p95']:>8.1f}{q['p99']:>8.1f}{q['max']:>8.1f} | "
            f"{p['p50']:>9.1f}{p['p95']:>8.1f}{p['p99']:>8.1f} | {s['matches_p50']:>8,}/{s['matches_max']:,}"
        )
    print("(milliseconds; query = search_policies in-process, page = GET /openness/ through the test client)")


def explain_slowest(rows: list[dict], n: int) -> list[dict]:

    slowest = sorted(rows, key=lambda r: -r["query_ms"])[:n]
    plans = []
    for r in slowest:
        for sql, plan in explain_captured(lambda r=r: run_query(r["params"]), "openness_policy"):
            plans.append(
                {"params": r["params"], "query_ms": round(r["query_ms"], 1), "sql": sql, "plan": plan}
            )
    return plans


def main() -> None:
    run_main(parse_args, run_bench, "opub_bench")


def run_bench(args, db_name: str, started: dt.datetime) -> None:
    import django

    django.setup()
    load = load_documents(args.docs, args.seed, args.batch)
    print("VACUUM ANALYZE ...", flush=True)
    vacuum_seconds = vacuum_analyze()
    facts = database_facts()
    print(
        f"database {db_name}: {facts['docs']:,} policies ({facts['public']:,} public), table {facts['table_size']}, "
        f"indexes {facts['indexes_size']} (GIN {facts['gin_size']}); vacuum+analyze {vacuum_seconds:.0f}s"
    )
    rng = random.Random(args.seed)
    plan = build_plan(rng, args.queries)
    load_before = os.getloadavg()
    rows = run(plan, rng)
    load_after = os.getloadavg()
    stats = tabulate(rows)
    print()
    print_table(stats)
    verdict = "meets" if stats["all"]["query"]["p95"] <= TARGET_P95_MS else "MISSES"
    print(f"query p95 {stats['all']['query']['p95']:.1f} ms {verdict} the {TARGET_P95_MS:.0f} ms target")
    plans = explain_slowest(rows, args.explain) if args.explain else []
    for p in plans:
        print(f"\n--- EXPLAIN ANALYZE for {p['params']} ({p['query_ms']} ms)\n{p['sql']}\n{p['plan']}")
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    report = {
        **report_head("policy_search", started, load_before, load_after),
        "database": facts,
        "load": load,
        "vacuum_analyze_seconds": round(vacuum_seconds, 1),
        "target_p95_ms": TARGET_P95_MS,
        "results": stats,
        "searches": [{k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()} for r in rows],
        "explain": plans,
    }
    out_path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print(f"\nwrote {out_path}")


if __name__ == "__main__":
    main()
