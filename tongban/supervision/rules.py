"""The risk-rule language (风险规则表达式): a small, safe expression language staff write rules in.

    licence.state == "revoked" and trades_in("hazardous")
    credit.class in ("C", "D") and complaints.last_90_days >= 3

It is tokenised and parsed here (recursive descent) into an AST, type-checked against the
whitelist of attributes (`ATTRIBUTES`) and functions (`FUNCTIONS`), and evaluated by walking the
AST over a context of plain values. Nothing in a rule ever reaches Python's `eval`, `exec`,
`compile` or attribute lookup: an attribute is a key into a dict of whitelisted names.

Grammar (lowest precedence first):

    rule       := or_expr EOF
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := operand [ ("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in") operand ]
    operand    := NUMBER | STRING | "true" | "false" | name ("." name)* | name "(" [args] ")"
                | "(" or_expr ")" | "(" or_expr "," [or_expr ("," or_expr)*] ")"     (a tuple)

Every error (syntax, unknown attribute or function, wrong argument count or type, a comparison
of unlike types, a rule that is not a yes/no question) is a `RuleError` naming the 1-based
character position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_LENGTH = 2000
MAX_DEPTH = 40

STR, NUM, BOOL = "str", "num", "bool"
LIST_STR, LIST_NUM = "list[str]", "list[num]"

TYPE_NAMES = {STR: "文本", NUM: "数字", BOOL: "是/否", LIST_STR: "文本列表", LIST_NUM: "数字列表"}

# The attributes a rule may read, with their types and meaning (shown on the rule editor).
ATTRIBUTES: dict[str, tuple[str, str]] = {
    "entity.kind": (STR, "主体类型：enterprise / individual / institution / social"),
    "entity.region": (STR, "行政区划代码（6 位）"),
    "entity.industry": (STR, "行业代码（GB/T 4754）"),
    "credit.class": (STR, "信用等级 A–D"),
    "credit.score": (NUM, "信用分"),
    "licence.state": (STR, "证照最差状态：revoked / suspended / expired / valid / none"),
    "licence.count": (NUM, "有效证照数"),
    "complaints.last_90_days": (NUM, "近 90 天 12345 投诉数"),
    "complaints.last_year": (NUM, "近一年 12345 投诉数"),
    "penalties.last_year": (NUM, "近一年行政处罚数"),
    "penalties.total": (NUM, "行政处罚总数"),
    "inspections.problems": (NUM, "近三年抽查发现问题次数"),
    "inspections.total": (NUM, "近三年抽查次数"),
    "abnormal.listed": (BOOL, "是否在经营异常名录中"),
    "abnormal.years": (NUM, "列入经营异常名录的年数"),
    "serious.listed": (BOOL, "是否在严重违法失信名单中"),
}

# The functions a rule may call: (argument types, result type, meaning).
FUNCTIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "trades_in": ((STR,), BOOL, '是否属于某类行业，如 trades_in("hazardous")'),
    "in_region": ((STR,), BOOL, '行政区划代码是否以给定前缀开头，如 in_region("4201")'),
    "has_licence": ((STR,), BOOL, "是否持有某类有效证照（证照类型代码）"),
}

KEYWORDS = {"and", "or", "not", "in", "true", "false"}
COMPARATORS = {"==", "!=", "<", "<=", ">", ">="}


class RuleError(Exception):
    """A rule refused: `message` in Chinese, `position` 1-based in the source."""

    def __init__(self, message: str, position: int):
        self.message = message
        self.position = position
        super().__init__(f"第 {position} 个字符处：{message}")


# --- Tokens --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "str", "name", "op", "eof"
    value: Any
    pos: int  # 0-based


def tokenize(source: str) -> list[Token]:
    if len(source) > MAX_LENGTH:
        raise RuleError(f"规则不能超过 {MAX_LENGTH} 个字符", MAX_LENGTH + 1)
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch in " \t\r\n":
            i += 1
        elif ch.isascii() and (ch.isdigit() or (ch == "." and i + 1 < n and source[i + 1].isdigit())):
            start = i
            while i < n and source[i].isascii() and (source[i].isdigit() or source[i] == "."):
                i += 1
            text = source[start:i]
            try:
                value = Decimal(text)
            except InvalidOperation:
                raise RuleError(f"数字格式不正确：{text}", start + 1) from None
            if text.count(".") > 1:
                raise RuleError(f"数字格式不正确：{text}", start + 1)
            tokens.append(Token("num", value, start))
        elif ch in "\"'":
            start, quote = i, ch
            i += 1
            chars: list[str] = []
            while i < n and source[i] != quote:
                if source[i] == "\\" and i + 1 < n and source[i + 1] in (quote, "\\"):
                    i += 1
                if source[i] in "\r\n":
                    raise RuleError("字符串不能换行", i + 1)
                chars.append(source[i])
                i += 1
            if i >= n:
                raise RuleError("字符串缺少结束引号", start + 1)
            i += 1
            tokens.append(Token("str", "".join(chars), start))
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            start = i
            while i < n and source[i].isascii() and (source[i].isalnum() or source[i] == "_"):
                i += 1
            word = source[start:i]
            tokens.append(Token("op" if word in KEYWORDS else "name", word, start))
        elif source.startswith(("==", "!=", "<=", ">="), i):
            tokens.append(Token("op", source[i : i + 2], i))
            i += 2
        elif ch in "<>(),.":
            tokens.append(Token("op", ch, i))
            i += 1
        elif ch == "=":
            raise RuleError("比较相等请用 ==", i + 1)
        else:
            raise RuleError(f"无法识别的字符：{ch!r}", i + 1)
    tokens.append(Token("eof", None, n))
    return tokens


# --- AST ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    pos: int
    type: str = field(default="", compare=False)


@dataclass(frozen=True)
class Literal(Node):
    value: Any = None


@dataclass(frozen=True)
class Attribute(Node):
    name: str = ""


@dataclass(frozen=True)
class Call(Node):
    name: str = ""
    args: tuple = ()


@dataclass(frozen=True)
class TupleLit(Node):
    items: tuple = ()


@dataclass(frozen=True)
class Not(Node):
    operand: Node | None = None


@dataclass(frozen=True)
class BoolOp(Node):
    op: str = ""
    operands: tuple = ()


@dataclass(frozen=True)
class Compare(Node):
    op: str = ""
    left: Node | None = None
    right: Node | None = None


# --- Parser and type checker ----------------------------------------------------------------------


class _Parser:
    def __init__(self, source: str):
        self.tokens = tokenize(source)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _is(self, value: str) -> bool:
        return self.tok.kind == "op" and self.tok.value == value

    def _expect(self, value: str, what: str) -> Token:
        if not self._is(value):
            raise RuleError(f"此处应为 {what}", self.tok.pos + 1)
        token = self.tok
        self.i += 1
        return token

    def _enter(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleError("规则嵌套过深", self.tok.pos + 1)

    def parse(self) -> Node:
        if self.tok.kind == "eof":
            raise RuleError("规则为空", 1)
        node = self.or_expr()
        if self.tok.kind != "eof":
            raise RuleError(f"多余的内容：{self._show(self.tok)}", self.tok.pos + 1)
        if node.type != BOOL:
            raise RuleError(f"规则的结果应为是/否，而不是{TYPE_NAMES[node.type]}", node.pos + 1)
        return node

    @staticmethod
    def _show(token: Token) -> str:
        return (
            "结尾" if token.kind == "eof" else str(token.value if token.kind != "str" else f'"{token.value}"')
        )

    def _bool_operands(self, op: str, first: Node, parse_next) -> Node:
        operands = [first]
        while self._is(op):
            self.i += 1
            operands.append(parse_next())
        if len(operands) == 1:
            return first
        for operand in operands:
            if operand.type != BOOL:
                raise RuleError(f"{op} 两边应为是/否，此处是{TYPE_NAMES[operand.type]}", operand.pos + 1)
        return BoolOp(first.pos, BOOL, op=op, operands=tuple(operands))

    def or_expr(self) -> Node:
        self._enter()
        try:
            return self._bool_operands("or", self.and_expr(), self.and_expr)
        finally:
            self.depth -= 1

    def and_expr(self) -> Node:
        return self._bool_operands("and", self.not_expr(), self.not_expr)

    def not_expr(self) -> Node:
        if self._is("not"):
            pos = self.tok.pos
            self.i += 1
            self._enter()
            try:
                operand = self.not_expr()
            finally:
                self.depth -= 1
            if operand.type != BOOL:
                raise RuleError(f"not 后应为是/否，此处是{TYPE_NAMES[operand.type]}", operand.pos + 1)
            return Not(pos, BOOL, operand=operand)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        op_token = self.tok
        if op_token.kind == "op" and op_token.value in COMPARATORS:
            self.i += 1
            right = self.operand()
            return self._check_compare(op_token.value, left, right, op_token.pos)
        if self._is("in") or (self._is("not") and self._peek_is("in")):
            op = "in"
            if self._is("not"):
                self.i += 1
                op = "not in"
            self.i += 1
            right = self.operand()
            return self._check_compare(op, left, right, op_token.pos)
        return left

    def _peek_is(self, value: str) -> bool:
        nxt = self.tokens[self.i + 1]
        return nxt.kind == "op" and nxt.value == value

    def _check_compare(self, op: str, left: Node, right: Node, pos: int) -> Node:
        if op in ("in", "not in"):
            if right.type not in (LIST_STR, LIST_NUM):
                raise RuleError(f'{op} 右边应为列表，如 ("C", "D")', right.pos + 1)
            if f"list[{left.type}]" != right.type:
                raise RuleError(
                    f"{op} 两边类型不一致：{TYPE_NAMES[left.type]}与{TYPE_NAMES[right.type]}", pos + 1
                )
        elif left.type != right.type:
            raise RuleError(
                f"{op} 两边类型不一致：{TYPE_NAMES[left.type]}与{TYPE_NAMES[right.type]}", pos + 1
            )
        elif op in ("<", "<=", ">", ">=") and left.type != NUM:
            raise RuleError(f"{op} 只能比较数字", pos + 1)
        elif left.type in (LIST_STR, LIST_NUM):
            raise RuleError("列表不能直接比较", pos + 1)
        return Compare(left.pos, BOOL, op=op, left=left, right=right)

    def operand(self) -> Node:
        token = self.tok
        if token.kind == "num":
            self.i += 1
            return Literal(token.pos, NUM, value=token.value)
        if token.kind == "str":
            self.i += 1
            return Literal(token.pos, STR, value=token.value)
        if token.kind == "op" and token.value in ("true", "false"):
            self.i += 1
            return Literal(token.pos, BOOL, value=token.value == "true")
        if token.kind == "name":
            return self.name()
        if self._is("("):
            return self.parenthesised()
        raise RuleError(f"此处应为值、属性或函数，而不是{self._show(token)}", token.pos + 1)

    def name(self) -> Node:
        start = self.tok
        parts = [start.value]
        self.i += 1
        if self._is("("):
            return self.call(start)
        while self._is("."):
            self.i += 1
            if self.tok.kind != "name":
                raise RuleError(". 后应为属性名", self.tok.pos + 1)
            parts.append(self.tok.value)
            self.i += 1
        dotted = ".".join(parts)
        if dotted not in ATTRIBUTES:
            hint = "函数调用需要括号" if dotted in FUNCTIONS else "可用属性见规则说明"
            raise RuleError(f"未知属性：{dotted}（{hint}）", start.pos + 1)
        return Attribute(start.pos, ATTRIBUTES[dotted][0], name=dotted)

    def call(self, start: Token) -> Node:
        if start.value not in FUNCTIONS:
            raise RuleError(f"未知函数：{start.value}", start.pos + 1)
        self.i += 1  # "("
        args: list[Node] = []
        if not self._is(")"):
            while True:
                args.append(self.or_expr())
                if self._is(","):
                    self.i += 1
                    continue
                break
        self._expect(")", ")")
        params, result, _doc = FUNCTIONS[start.value]
        if len(args) != len(params):
            raise RuleError(
                f"函数 {start.value} 需要 {len(params)} 个参数，给了 {len(args)} 个", start.pos + 1
            )
        for arg, expected in zip(args, params, strict=True):
            if arg.type != expected:
                raise RuleError(
                    f"函数 {start.value} 的参数应为{TYPE_NAMES[expected]}，此处是{TYPE_NAMES[arg.type]}",
                    arg.pos + 1,
                )
            if not isinstance(arg, Literal):
                raise RuleError(f"函数 {start.value} 的参数应为常量", arg.pos + 1)
        return Call(start.pos, result, name=start.value, args=tuple(args))

    def parenthesised(self) -> Node:
        open_pos = self.tok.pos
        self.i += 1
        first = self.or_expr()
        if self._is(")"):
            self.i += 1
            return first
        self._expect(",", ", 或 )")
        items = [first]
        while not self._is(")"):
            items.append(self.or_expr())
            if not self._is(","):
                break
            self.i += 1
        self._expect(")", ")")
        for item in items:
            if not isinstance(item, Literal) or item.type not in (STR, NUM):
                raise RuleError("列表只能包含文本或数字常量", item.pos + 1)
            if item.type != first.type:
                raise RuleError("列表中的值类型应一致", item.pos + 1)
        return TupleLit(open_pos, f"list[{first.type}]", items=tuple(items))


def parse(source: str) -> Node:
    """The checked AST of `source`, or RuleError naming the position."""
    if not isinstance(source, str):
        raise RuleError("规则应为文本", 1)
    if "\x00" in source:
        raise RuleError("规则不能包含空字符", source.index("\x00") + 1)
    return _Parser(source).parse()


def names_used(node: Node) -> tuple[set[str], set[str]]:
    """The attributes and functions a rule reads."""
    attrs: set[str] = set()
    funcs: set[str] = set()

    def walk(n):
        if isinstance(n, Attribute):
            attrs.add(n.name)
        elif isinstance(n, Call):
            funcs.add(n.name)
        for child in _children(n):
            walk(child)

    walk(node)
    return attrs, funcs


def _children(n: Node):
    if isinstance(n, Not):
        return (n.operand,)
    if isinstance(n, BoolOp):
        return n.operands
    if isinstance(n, Compare):
        return (n.left, n.right)
    if isinstance(n, Call):
        return n.args
    if isinstance(n, TupleLit):
        return n.items
    return ()


# --- Evaluation -----------------------------------------------------------------------------------


class Context:
    """What a rule sees of one entity: `values` by attribute name, and the data its functions
    read (`industry`, `region`, `licence_types`). Built by `risk.context_for`."""

    def __init__(
        self, values: dict[str, Any], *, industry: str, region: str, licence_types: set[str], categories
    ):
        self.values = values
        self.industry = industry
        self.region = region
        self.licence_types = licence_types
        self.categories = categories

    def call(self, name: str, arg: str) -> bool:
        if name == "trades_in":
            prefixes = self.categories.get(arg, ())
            return any(self.industry.startswith(p) for p in prefixes)
        if name == "in_region":
            return bool(arg) and self.region.startswith(arg)
        if name == "has_licence":
            return arg in self.licence_types
        raise RuleError(f"未知函数：{name}", 1)  # parse() refuses these; never reached


def evaluate(node: Node, context: Context) -> tuple[bool, dict[str, Any]]:
    """The rule's truth for the context, and the evidence: every attribute and call it read,
    with its value."""
    evidence: dict[str, Any] = {}

    def value(n: Node):
        if isinstance(n, Literal):
            return n.value
        if isinstance(n, Attribute):
            v = context.values[n.name]
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                v = Decimal(str(v))
            evidence[n.name] = _json_value(v)
            return v
        if isinstance(n, Call):
            arg = n.args[0].value
            result = context.call(n.name, arg)
            evidence[f'{n.name}("{arg}")'] = result
            return result
        if isinstance(n, TupleLit):
            return tuple(item.value for item in n.items)
        if isinstance(n, Not):
            return not value(n.operand)
        if isinstance(n, BoolOp):
            if n.op == "and":
                return all(value(o) for o in n.operands)
            return any(value(o) for o in n.operands)
        if isinstance(n, Compare):
            left, right = value(n.left), value(n.right)
            if n.op == "in":
                return left in right
            if n.op == "not in":
                return left not in right
            return {
                "==": lambda: left == right,
                "!=": lambda: left != right,
                "<": lambda: left < right,
                "<=": lambda: left <= right,
                ">": lambda: left > right,
                ">=": lambda: left >= right,
            }[n.op]()
        raise TypeError(type(n).__name__)

    return bool(value(node)), evidence


def _json_value(v):
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v
