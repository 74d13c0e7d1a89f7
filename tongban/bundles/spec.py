"""The theme spec (一件事主题的定义): a JSON document stored per theme version, parsed into frozen
dataclasses, and the pure functions both halves of the app use on it.

    parse(doc) -> ThemeSpec             structure and internal references (field paths named)
    order(spec) -> [[key, ...], ...]    dependency layers; a cycle raises
    applicable(spec, answers)           the members the questionnaire (情形引导) answers choose
    combined_form(spec, members, item_forms)        一表申请: shared fields once, the rest per member
    material_plan(spec, members, held_licence_types, item_materials=)   de-duplicated materials

Nothing here reads the database: the catalogue checks (item codes, licence types a member's
item issues) live in `services.check_spec`, so the spec can be checked in a test or an import
before anything is written. The document's shape is the contract in the app README.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tongban.core.errors import FieldProblem, InvalidInput

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
POLICIES = ("cancel", "pause", "continue")
FIELD_TYPES = (
    "text",
    "textarea",
    "number",
    "date",
    "select",
    "checkbox",
    "mobile",
    "email",
    "id_number",
    "credit_code",
)
MAX_MEMBERS = 30
MAX_QUESTIONS = 20
MAX_DAYS = 365


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    choices: tuple[Choice, ...]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)


@dataclass(frozen=True)
class SharedField:
    key: str
    label: str
    type: str = "text"
    required: bool = True


@dataclass(frozen=True)
class SharedMaterial:
    key: str
    name: str
    licence_type: str = ""


@dataclass(frozen=True)
class Condition:
    question: str
    values: tuple[str, ...]  # "in" in the document

    def holds(self, answers: Mapping[str, str]) -> bool:
        return answers.get(self.question) in self.values


@dataclass(frozen=True)
class Requirement:
    member: str
    result: str  # licence type code the required member's item issues


@dataclass(frozen=True)
class Member:
    key: str
    item_code: str
    when: tuple[Condition, ...] = ()
    requires: tuple[Requirement, ...] = ()
    on_requirement_refused: str = "cancel"
    fields: tuple[tuple[str, str], ...] = ()  # (member form field name, shared field key)
    materials: tuple[tuple[str, str], ...] = ()  # (member material name, shared material key)

    @property
    def field_map(self) -> dict[str, str]:
        return dict(self.fields)

    @property
    def material_map(self) -> dict[str, str]:
        return dict(self.materials)

    @property
    def required_keys(self) -> tuple[str, ...]:
        return tuple(r.member for r in self.requires)


@dataclass(frozen=True)
class ThemeSpec:
    promised_days: int
    members: tuple[Member, ...]
    questions: tuple[Question, ...] = ()
    shared_fields: tuple[SharedField, ...] = ()
    shared_materials: tuple[SharedMaterial, ...] = ()

    def member(self, key: str) -> Member:
        for m in self.members:
            if m.key == key:
                return m
        raise KeyError(key)

    @property
    def item_codes(self) -> list[str]:
        return [m.item_code for m in self.members]

    def to_doc(self) -> dict:
        """The JSON document again (parse(spec.to_doc()) == spec)."""
        return {
            "promised_days": self.promised_days,
            "questions": [
                {
                    "key": q.key,
                    "text": q.text,
                    "choices": [{"value": c.value, "label": c.label} for c in q.choices],
                }
                for q in self.questions
            ],
            "shared_fields": [
                {"key": f.key, "label": f.label, "type": f.type, "required": f.required}
                for f in self.shared_fields
            ],
            "shared_materials": [
                {"key": m.key, "name": m.name, "licence_type": m.licence_type} for m in self.shared_materials
            ],
            "members": [
                {
                    "key": m.key,
                    "item_code": m.item_code,
                    "when": [{"question": c.question, "in": list(c.values)} for c in m.when],
                    "requires": [{"member": r.member, "result": r.result} for r in m.requires],
                    "on_requirement_refused": m.on_requirement_refused,
                    "fields": dict(m.fields),
                    "materials": dict(m.materials),
                }
                for m in self.members
            ],
        }


# --- Parsing ------------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(FieldProblem(path, message))

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            message = str(first) if len(self.items) == 1 else f"{first}（另有 {len(self.items) - 1} 处问题）"
            raise InvalidInput(message, problems=self.items)


def _text(value, path: str, p: _Problems, *, required: bool = True, limit: int = 200) -> str:
    if value is None or value == "":
        if required:
            p.add(path, "必填")
        return ""
    if not isinstance(value, str):
        p.add(path, "应为文字")
        return ""
    value = value.strip()
    if required and not value:
        p.add(path, "必填")
    if len(value) > limit:
        p.add(path, f"不能超过{limit}个字")
    if "\x00" in value:
        p.add(path, "含有不允许的字符")
    return value


def _key(value, path: str, p: _Problems) -> str:
    if not isinstance(value, str) or not KEY_RE.match(value):
        p.add(path, "应为小写字母开头的英文标识（字母、数字、下划线，最多40位）")
        return ""
    return value


def _list(value, path: str, p: _Problems) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        p.add(path, "应为列表")
        return []
    return value


def _dict(value, path: str, p: _Problems) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        p.add(path, "应为对象")
        return {}
    return value


def _unique(keys: list[str], path: str, what: str, p: _Problems) -> None:
    seen: set[str] = set()
    for i, k in enumerate(keys):
        if k and k in seen:
            p.add(f"{path}[{i}].key", f"{what}标识“{k}”重复")
        seen.add(k)


def parse(doc) -> ThemeSpec:
    """The spec of a JSON document, or InvalidInput naming every problem by its path
    (`members[2].requires[0].member`). Checks the shape and the references inside the spec:
    conditions name known questions and values, requirements known members (not themselves),
    mappings known shared fields and materials. Cycles are `order`'s business."""
    p = _Problems()
    if not isinstance(doc, dict):
        p.add("spec", "应为 JSON 对象")
        p.raise_if_any()
    known = {"promised_days", "questions", "shared_fields", "shared_materials", "members"}
    for extra in sorted(set(doc) - known):
        p.add(extra, "不是主题定义的组成部分")

    days = doc.get("promised_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS:
        p.add("promised_days", f"承诺办结时限应为 0 至 {MAX_DAYS} 的整数（工作日）")
        days = 0

    questions: list[Question] = []
    raw_questions = _list(doc.get("questions"), "questions", p)
    if len(raw_questions) > MAX_QUESTIONS:
        p.add("questions", f"情形问题不能超过{MAX_QUESTIONS}个")
    for i, raw in enumerate(raw_questions):
        path = f"questions[{i}]"
        raw = _dict(raw, path, p)
        key = _key(raw.get("key"), f"{path}.key", p)
        text = _text(raw.get("text"), f"{path}.text", p)
        choices = []
        raw_choices = _list(raw.get("choices"), f"{path}.choices", p)
        if len(raw_choices) < 2:
            p.add(f"{path}.choices", "每个问题至少有两个选项")
        values: set[str] = set()
        for j, rc in enumerate(raw_choices):
            rc = _dict(rc, f"{path}.choices[{j}]", p)
            value = _text(rc.get("value"), f"{path}.choices[{j}].value", p, limit=40)
            label = _text(rc.get("label"), f"{path}.choices[{j}].label", p, limit=100)
            if value in values:
                p.add(f"{path}.choices[{j}].value", f"选项值“{value}”重复")
            values.add(value)
            choices.append(Choice(value, label))
        questions.append(Question(key, text, tuple(choices)))
    _unique([q.key for q in questions], "questions", "问题", p)
    by_question = {q.key: q for q in questions}

    shared_fields: list[SharedField] = []
    for i, raw in enumerate(_list(doc.get("shared_fields"), "shared_fields", p)):
        path = f"shared_fields[{i}]"
        raw = _dict(raw, path, p)
        key = _key(raw.get("key"), f"{path}.key", p)
        label = _text(raw.get("label"), f"{path}.label", p, limit=100)
        kind = raw.get("type") or "text"
        if kind not in FIELD_TYPES:
            p.add(f"{path}.type", "字段类型不受支持")
        required = raw.get("required", True)
        if not isinstance(required, bool):
            p.add(f"{path}.required", "应为 true 或 false")
            required = True
        shared_fields.append(SharedField(key, label, kind, required))
    _unique([f.key for f in shared_fields], "shared_fields", "共享字段", p)
    field_keys = {f.key for f in shared_fields}

    shared_materials: list[SharedMaterial] = []
    for i, raw in enumerate(_list(doc.get("shared_materials"), "shared_materials", p)):
        path = f"shared_materials[{i}]"
        raw = _dict(raw, path, p)
        key = _key(raw.get("key"), f"{path}.key", p)
        name = _text(raw.get("name"), f"{path}.name", p)
        licence = _text(raw.get("licence_type"), f"{path}.licence_type", p, required=False, limit=40).upper()
        shared_materials.append(SharedMaterial(key, name, licence))
    _unique([m.key for m in shared_materials], "shared_materials", "共享材料", p)
    material_keys = {m.key for m in shared_materials}

    raw_members = _list(doc.get("members"), "members", p)
    if not raw_members:
        p.add("members", "主题至少要有一个成员事项")
    if len(raw_members) > MAX_MEMBERS:
        p.add("members", f"成员事项不能超过{MAX_MEMBERS}个")
    member_keys = [
        raw.get("key") if isinstance(raw, dict) and isinstance(raw.get("key"), str) else ""
        for raw in raw_members
    ]
    members: list[Member] = []
    for i, raw in enumerate(raw_members):
        path = f"members[{i}]"
        raw = _dict(raw, path, p)
        for extra in sorted(
            set(raw)
            - {"key", "item_code", "when", "requires", "on_requirement_refused", "fields", "materials"}
        ):
            p.add(f"{path}.{extra}", "不是成员事项的组成部分")
        key = _key(raw.get("key"), f"{path}.key", p)
        code = _text(raw.get("item_code"), f"{path}.item_code", p, limit=36).upper()
        if code and not (code.isascii() and code.isalnum()):
            p.add(f"{path}.item_code", "实施编码应为数字和大写字母")
        when = []
        for j, rc in enumerate(_list(raw.get("when"), f"{path}.when", p)):
            cpath = f"{path}.when[{j}]"
            rc = _dict(rc, cpath, p)
            q = rc.get("question")
            values = _list(rc.get("in"), f"{cpath}.in", p)
            if q not in by_question:
                p.add(f"{cpath}.question", f"没有标识为“{q}”的情形问题")
            else:
                if not values:
                    p.add(f"{cpath}.in", "至少选择一个答案")
                for k, v in enumerate(values):
                    if v not in by_question[q].values:
                        p.add(f"{cpath}.in[{k}]", f"问题“{q}”没有“{v}”这个选项")
            when.append(Condition(str(q), tuple(str(v) for v in values)))
        requires = []
        for j, rr in enumerate(_list(raw.get("requires"), f"{path}.requires", p)):
            rpath = f"{path}.requires[{j}]"
            rr = _dict(rr, rpath, p)
            other = rr.get("member")
            if other == key:
                p.add(f"{rpath}.member", "成员事项不能依赖自己")
            elif other not in member_keys:
                p.add(f"{rpath}.member", f"没有标识为“{other}”的成员事项")
            result = _text(rr.get("result"), f"{rpath}.result", p, limit=40).upper()
            requires.append(Requirement(str(other), result))
        policy = raw.get("on_requirement_refused") or "cancel"
        if policy not in POLICIES:
            p.add(f"{path}.on_requirement_refused", "应为 cancel（撤销）、pause（暂停）或 continue（继续）")
        fields = []
        for name, shared in _dict(raw.get("fields"), f"{path}.fields", p).items():
            if not isinstance(name, str) or not KEY_RE.match(name):
                p.add(f"{path}.fields", f"表单字段名“{name}”不合规")
            if shared not in field_keys:
                p.add(f"{path}.fields.{name}", f"没有标识为“{shared}”的共享字段")
            fields.append((str(name), str(shared)))
        materials = []
        for name, shared in _dict(raw.get("materials"), f"{path}.materials", p).items():
            if not str(name).strip():
                p.add(f"{path}.materials", "材料名称不能为空")
            if shared not in material_keys:
                p.add(f"{path}.materials.{name}", f"没有标识为“{shared}”的共享材料")
            materials.append((str(name).strip(), str(shared)))
        members.append(
            Member(key, code, tuple(when), tuple(requires), str(policy), tuple(fields), tuple(materials))
        )
    _unique([m.key for m in members], "members", "成员事项", p)
    p.raise_if_any()
    return ThemeSpec(
        promised_days=days,
        members=tuple(members),
        questions=tuple(questions),
        shared_fields=tuple(shared_fields),
        shared_materials=tuple(shared_materials),
    )


# --- Dependencies -------------------------------------------------------------------------


def order(spec: ThemeSpec, members: Iterable[Member] | None = None) -> list[list[str]]:
    """Topological layers of the members' keys (Kahn): layer 0 depends on nothing, each later
    layer only on earlier ones; members keep their spec order inside a layer. Restricted to
    `members` (the applicable ones), requirements on members left out are dropped. A cycle
    raises InvalidInput naming the first member on it (`members[i].requires`)."""
    chosen = list(spec.members if members is None else members)
    keys = {m.key for m in chosen}
    pending = {m.key: {k for k in m.required_keys if k in keys} for m in chosen}
    layers: list[list[str]] = []
    done: set[str] = set()
    while pending:
        layer = [m.key for m in chosen if m.key in pending and pending[m.key] <= done]
        if not layer:
            stuck = [m.key for m in chosen if m.key in pending]
            index = [m.key for m in spec.members].index(stuck[0])
            cycle = find_cycle(spec, stuck)
            raise InvalidInput(
                f"members[{index}].requires：成员事项的依赖关系存在循环（{' → '.join(cycle)}）",
                problems=[
                    FieldProblem(f"members[{index}].requires", f"依赖关系存在循环：{' → '.join(cycle)}")
                ],
            )
        layers.append(layer)
        done.update(layer)
        for k in layer:
            del pending[k]
    return layers


def find_cycle(spec: ThemeSpec, among: list[str]) -> list[str]:
    """One dependency cycle among these keys, as a closed walk (a → b → a)."""
    within = set(among)
    edges = {m.key: [k for k in m.required_keys if k in within] for m in spec.members if m.key in within}
    start = among[0]
    path = [start]
    seen = {start: 0}
    node = start
    while True:
        nxt = edges[node][0]
        if nxt in seen:
            return [*path[seen[nxt] :], nxt]
        seen[nxt] = len(path)
        path.append(nxt)
        node = nxt


def dependants(spec: ThemeSpec, key: str) -> list[str]:
    """Every member that depends on `key`, directly or through others, in spec order."""
    found: set[str] = set()
    frontier = {key}
    while frontier:
        nxt = {m.key for m in spec.members if set(m.required_keys) & frontier} - found
        found |= nxt
        frontier = nxt
    return [m.key for m in spec.members if m.key in found]


# --- Questionnaire (情形引导) ----------------------------------------------------------------


def questions_needed(spec: ThemeSpec) -> list[Question]:
    """The questions some member's condition names (others are informational only)."""
    named = {c.question for m in spec.members for c in m.when}
    return [q for q in spec.questions if q.key in named]


def applicable(spec: ThemeSpec, answers: Mapping[str, str] | None) -> list[Member]:
    """The members whose every condition holds for these answers, in spec order. A missing or
    unknown answer to a question a condition names, or answers that leave no member, raise
    InvalidInput on `answers` (`answers.<question>` for one answer). A requirement on a member
    that does not apply is dropped (the dependant goes ahead without it)."""
    answers = dict(answers or {})
    problems = []
    for q in questions_needed(spec):
        value = answers.get(q.key)
        if value in (None, ""):
            problems.append(FieldProblem(f"answers.{q.key}", f"请回答：{q.text}"))
        elif value not in q.values:
            problems.append(FieldProblem(f"answers.{q.key}", f"“{value}”不是该问题的选项"))
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    chosen = [m for m in spec.members if all(c.holds(answers) for c in m.when)]
    if not chosen:
        raise InvalidInput.field(
            "answers", "按您的情形，本主题没有需要办理的事项，请检查回答或单独办理相关事项"
        )
    return chosen


# --- Combined form (一表申请) ----------------------------------------------------------------


@dataclass(frozen=True)
class MemberSection:
    member: str
    title: str
    fields: tuple[dict, ...]
    when: dict | None = None


@dataclass(frozen=True)
class CombinedForm:
    shared: tuple[SharedField, ...]
    sections: tuple[MemberSection, ...]
    # shared field key -> [(member key, member field name)]: where each shared answer goes
    targets: dict = field(default_factory=dict)

    @property
    def member_field_count(self) -> int:
        return sum(len(s.fields) for s in self.sections)


def combined_form(spec: ThemeSpec, members: Iterable[Member], item_forms: Mapping[str, dict]) -> CombinedForm:
    """一表申请 for these (applicable) members. `item_forms` maps a member key to its item's
    application form (cases' form schema, `{"sections": [{"title", "fields", "when"?}]}`).
    Shared fields some member maps are asked once; each member's unmapped fields stay in its
    own sections (member-only fields). Member field names are kept as they are: the member
    form's data is `member_values(...)`."""
    members = list(members)
    targets: dict[str, list[tuple[str, str]]] = {}
    sections: list[MemberSection] = []
    for m in members:
        mapping = m.field_map
        for name, shared in mapping.items():
            targets.setdefault(shared, []).append((m.key, name))
        for section in (item_forms.get(m.key) or {}).get("sections", []):
            own = tuple(f for f in section.get("fields", []) if f.get("name") not in mapping)
            if own:
                sections.append(MemberSection(m.key, section.get("title", ""), own, section.get("when")))
    shared = tuple(f for f in spec.shared_fields if f.key in targets)
    return CombinedForm(shared, tuple(sections), {k: list(v) for k, v in targets.items()})


def member_values(
    member: Member, shared_values: Mapping[str, object], own_values: Mapping[str, object]
) -> dict:
    """The data of one member's application form: its own answers, plus each mapped field
    filled from the shared answer it maps to (the shared answer wins over a stray own one)."""
    data = dict(own_values)
    for name, shared in member.fields:
        if shared in shared_values:
            data[name] = shared_values[shared]
    return data


# --- Materials: de-duplication and 免提交 ---------------------------------------------------


@dataclass(frozen=True)
class ItemMaterial:
    """A material of a member's catalogue item, as the plan needs it."""

    name: str
    licence_type: str = ""
    required: bool = True


@dataclass(frozen=True)
class PlannedMaterial:
    key: str  # the shared material's key; "licence:<type>", "produced:<type>:<member>" or "name:<name>"
    name: str
    members: tuple[str, ...]  # the members it serves
    licence_type: str = ""
    exempt: str = ""  # "" (to upload) | "held" (the library holds it) | "produced" (a member issues it)
    produced_by: str = ""  # the member whose result serves it, when "produced"

    @property
    def to_upload(self) -> bool:
        return not self.exempt


def material_plan(
    spec: ThemeSpec,
    members: Iterable[Member],
    held_licence_types: Iterable[str] = (),
    *,
    item_materials: Mapping[str, Iterable[ItemMaterial]] | None = None,
) -> list[PlannedMaterial]:
    """The materials of these members, each once. A shared material serves every member that
    maps a material to it; member materials not mapped are merged when they carry the same
    licence type (one licence serves all) or, without one, the same name (as a shared one). 免提交: a licence type a member of this bundle will
    issue is "produced" for the members that require that member's result (the 营业执照 the
    设立登记 issues counts for the 印章备案), kept apart from the same type needed by members
    that do not wait for it; a licence type the applicant already holds
    (`held_licence_types`, from the e-licence library) is "held". Without `item_materials`
    (member key -> the item's materials) only the shared materials are planned."""
    members = list(members)
    held = {t for t in held_licence_types if t}
    chosen = {m.key for m in members}
    shared_by_key = {s.key: s for s in spec.shared_materials}
    # member -> {licence type: the chosen member whose result it is}
    producers: dict[str, dict[str, str]] = {}
    for m in members:
        for r in m.requires:
            if r.member in chosen and r.result:
                producers.setdefault(m.key, {})[r.result] = r.member
    serving: dict[str, list[str]] = {}
    entries: dict[str, tuple[str, str, str]] = {}  # key -> (name, licence type, produced by)

    def _serve(key: str, member: str, name: str, licence: str, produced_by: str = "") -> None:
        if key not in serving:
            serving[key] = []
            entries[key] = (name, licence, produced_by)
        if member not in serving[key]:
            serving[key].append(member)

    for m in members:
        for shared in dict.fromkeys(m.material_map.values()):
            s = shared_by_key[shared]
            _serve(s.key, m.key, s.name, s.licence_type)
    by_name = {entries[k][0]: k for k in entries}  # a shared material a member names alike
    for m in members:
        mapped = m.material_map
        for mat in (item_materials or {}).get(m.key, ()):
            licence = mat.licence_type
            if mat.name in mapped:
                continue
            producer = producers.get(m.key, {}).get(licence) if licence else None
            if producer:
                _serve(f"produced:{licence}:{producer}", m.key, mat.name, licence, producer)
            elif licence:
                _serve(f"licence:{licence}", m.key, mat.name, licence)
            elif mat.required:
                key = by_name.setdefault(mat.name, f"name:{mat.name}")
                _serve(key, m.key, mat.name, licence)

    plan = []
    for key, (name, licence, produced_by) in entries.items():
        exempt = "produced" if produced_by else ""
        if not exempt and licence and licence in held:
            exempt = "held"
        elif not exempt and licence and key in shared_by_key:
            sources = {producers.get(member, {}).get(licence) for member in serving[key]}
            if None not in sources and len(sources) == 1:
                exempt, produced_by = "produced", sources.pop()
        plan.append(PlannedMaterial(key, name, tuple(serving[key]), licence, exempt, produced_by))
    return plan
