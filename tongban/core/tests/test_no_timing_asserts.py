"""No test asserts a duration: on a shared machine (CI, nine suites on two cores) a timing proves
nothing and fails at random. Speed is measured by the benchmarks (bench/, `make bench`), whose
smoke run checks counts and consistency only. A test may wait with a clock (a deadline for a
server to answer); it may not assert on what a clock measured."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TIMERS = {"perf_counter", "perf_counter_ns", "monotonic", "monotonic_ns", "process_time", "default_timer"}


def _is_timer_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    if isinstance(f, ast.Name):
        return f.id in TIMERS or f.id == "timeit"
    if isinstance(f, ast.Attribute):
        base = f.value.id if isinstance(f.value, ast.Name) else ""
        return f.attr in TIMERS or f.attr == "timeit" or (base == "time" and f.attr in ("time", "time_ns"))
    return False


def timing_asserts(source: str) -> list[int]:
    """Line numbers of asserts on a clock reading, or on a name assigned from one (in the same
    function or module)."""
    tree = ast.parse(source)
    found = []
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))]
    for scope in scopes:
        nodes = list(ast.walk(scope))
        timed = {
            target.id
            for n in nodes
            if isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign)
            and n.value is not None
            and any(_is_timer_call(x) for x in ast.walk(n.value))
            for target in (n.targets if isinstance(n, ast.Assign) else [n.target])
            if isinstance(target, ast.Name)
        }
        for n in nodes:
            if isinstance(n, ast.Assert) and any(
                _is_timer_call(x) or (isinstance(x, ast.Name) and x.id in timed) for x in ast.walk(n.test)
            ):
                found.append(n.lineno)
    return sorted(set(found))


def test_the_rule_sees_a_timing_assert():
    source = (
        "import time\n"
        "def test_fast():\n"
        "    t = time.perf_counter()\n"
        "    work()\n"
        "    elapsed = time.perf_counter() - t\n"
        "    assert elapsed < 0.5\n"
        "def test_waits_but_asserts_a_count():\n"
        "    deadline = time.monotonic() + 5\n"
        "    while time.monotonic() < deadline:\n"
        "        pass\n"
        "    assert rows == 3\n"
    )
    assert timing_asserts(source) == [6]


def test_no_test_asserts_a_duration():
    files = sorted({*ROOT.glob("tongban/**/test*.py"), *ROOT.glob("bench/test_*.py")})
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in files
        if (lines := timing_asserts(path.read_text(encoding="utf-8")))
    }
    assert len(files) > 50
    assert offenders == {}
