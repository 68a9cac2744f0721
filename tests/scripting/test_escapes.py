"""Each known way out of a Python sandbox is refused, with a reason in Vietnamese and English."""

from __future__ import annotations

import pytest

from engine.errors import ScriptBlocked
from engine.scripting import SandboxEnvironment, SandboxLimits, check_source, describe_refusal

# (name, script, expected reason code)
HOSTILE_SCRIPTS = [
    ("import", "import os", "script_forbidden_code"),
    ("from_import", "from subprocess import Popen", "script_forbidden_code"),
    ("dunder_import", "m = __import__('os')", "script_forbidden_code"),
    ("open", "content = open('/etc/passwd').read()", "script_forbidden_code"),
    ("eval", "v = eval('1 + 1')", "script_forbidden_code"),
    ("exec", "exec('v = 1')", "script_forbidden_code"),
    ("compile", "c = compile('1', 'x', 'eval')", "script_forbidden_code"),
    ("subclasses_to_popen", "p = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen']",
     "script_forbidden_code"),
    ("getattr_globals", "g = getattr(x, '__globals__')", "script_forbidden_code"),
    ("function_globals", "def f():\n    pass\ng = f.__globals__", "script_forbidden_code"),
    ("format_escape", "s = '{0.__class__}'.format(x)", "script_forbidden_code"),
    ("format_via_variable", "t = '{0.__class__.__base__}'\ns = t.format(x)", "script_forbidden_code"),
    ("format_map", "s = '{x}'.format_map({'x': 1})", "script_forbidden_code"),
    ("str_format_unbound", "s = str.format('{0.__class__}', x)", "script_forbidden_code"),
    ("generator_frame", "g = (i for i in [1])\nf = g.gi_frame.f_back", "script_forbidden_code"),
    ("generator_code", "g = (i for i in [1])\nc = g.gi_code", "script_forbidden_code"),
    ("generator_function", "def gen():\n    yield 1\nv = list(gen())", "script_forbidden_code"),
    ("class_definition", "class Evil:\n    pass", "script_forbidden_code"),
    ("type_builtin", "t = type(x)", "script_forbidden_code"),
    ("globals_builtin", "g = globals()", "script_forbidden_code"),
    ("mro_walk", "m = int.mro()", "script_forbidden_attribute"),
    ("huge_string", "s = 'x' * 10**10", "script_too_large"),
    ("huge_list", "s = [0] * 10**9", "script_too_large"),
    ("huge_power", "n = 10 ** 10 ** 8", "script_too_large"),
    ("huge_shift", "n = 1 << 10**9", "script_too_large"),
    ("huge_ljust", "s = 'x'.ljust(10**10)", "script_too_large"),
    ("huge_replace", "s = ('a' * 100000).replace('a', 'a' * 100000)", "script_too_large"),
    ("huge_join", "s = ('x' * 100000).join(['a'] * 100000)", "script_too_large"),
    ("huge_percent_width", "s = '%10000000000d' % 1", "script_too_large"),
    ("huge_fstring_width", "s = f'{x:>10000000000}'", "script_forbidden_code"),
    ("dynamic_fstring_width", "w = 10**9\ns = f'{x:>{w}}'", "script_forbidden_code"),
    ("huge_range_sum", "s = sum(range(10**12))", "script_too_large"),
    ("doubling_in_place", "s = 'x'\nwhile True:\n    s += s", "script_too_large"),
    ("many_allocations", "keep = []\nfor i in range(1000):\n    keep.append('x' * 100000)",
     "script_memory_budget"),
    ("endless_loop", "while True:\n    pass", "script_timeout"),
    ("endless_loop_catching_everything",
     "while True:\n    try:\n        while True:\n            pass\n    except:\n        pass", "script_timeout"),
    ("endless_loop_in_finally", "try:\n    while True:\n        pass\nfinally:\n    while True:\n        pass",
     "script_timeout"),
    ("endless_recursion_with_loops", "def f():\n    while True:\n        try:\n            f()\n        except:\n"
                                     "            pass\nf()", "script_timeout"),
    ("swallowed_refusal", "try:\n    s = 'x' * 10**10\nexcept:\n    s = 'caught'", "script_too_large"),
    # shared references: tiny in memory, but hashing/printing/dumping them walks 2**n elements in C
    ("shared_reference_tuple", "t = ()\nfor i in range(40):\n    t = (t, t)\nh = hash(t)", "script_too_large"),
    ("shared_reference_print", "t = []\nfor i in range(40):\n    t.append(t[:] or [0])\n    t = [t, t]",
     "script_too_large"),
    ("shared_reference_in_data", "x = [0] * 1000\ny = [x] * 1000", "script_too_large"),
    ("shared_reference_compare", "x = [0] * 1000\ny = []\nfor i in range(1000):\n    y.append(x)\n"
                                 "same = y == y[:]", "script_too_large"),
    ("shared_reference_left_in_data", "x = [0] * 1000\ny = []\nfor i in range(1000):\n    y.append(x)",
     "script_too_large"),
    ("non_json_data", "d = datetime.now()", "script_data_not_json"),
    ("nan_in_data", "d = float('nan')", "script_data_not_json"),
]


@pytest.fixture(scope="module")
def env() -> SandboxEnvironment:
    return SandboxEnvironment(SandboxLimits(time_limit_s=0.2))


@pytest.mark.parametrize(("name", "script", "reason"), HOSTILE_SCRIPTS, ids=[c[0] for c in HOSTILE_SCRIPTS])
def test_hostile_script_is_blocked(env, name, script, reason):
    data = {"x": 1}
    with pytest.raises(ScriptBlocked) as caught:
        env.execute(script, data)
    blocked = caught.value
    assert blocked.details["reason"] == reason
    assert blocked.message_vi and blocked.message_en and blocked.message_vi != blocked.message_en
    assert blocked.details["source"].startswith(script[:20])
    assert "__builtins__" not in data


@pytest.mark.parametrize("expression", [
    "().__class__.__base__.__subclasses__()",
    "__import__('os').system('id')",
    "open('/etc/passwd').read()",
    "'{0.__class__}'.format(x)",
    "[c for c in (1).__class__.__mro__]",
])
def test_hostile_expression_is_blocked(env, expression):
    with pytest.raises(ScriptBlocked):
        env.evaluate(expression, {"x": 1})


def test_check_source_reports_reasons_at_deploy_time():
    assert check_source("total = price * qty", "exec") == []
    assert check_source("amount > 100 and status == 'ok'", "eval") == []
    reasons = check_source("import os\nx = ().__class__", "exec")
    assert len(reasons) == 2
    assert any("Imports are not allowed" in r for r in reasons)
    violation = describe_refusal(reasons)
    assert "import" in violation.message_vi and "'_'" in violation.message_vi
    assert check_source("x ==", "eval")[0].startswith("Line 1: SyntaxError")
    assert check_source("   \n", "eval")


def test_expressions_with_xml_whitespace_and_indented_scripts_compile():
    assert check_source("\n      amount &gt; 0\n    ".replace("&gt;", ">"), "eval") == []
    assert check_source("\n    a = 1\n    b = a + 1\n", "exec") == []


def test_runtime_format_guard_backs_up_the_compile_time_refusal():
    """If a format method ever became reachable another way, the attribute guard still refuses it."""
    from engine.scripting.budget import running
    from engine.scripting.guards import HELPERS, guarded_getattr
    from engine.scripting.violations import SandboxViolation

    for target in ("text", HELPERS["str"], str):
        with running(SandboxLimits()), pytest.raises(SandboxViolation) as caught:
            guarded_getattr(target, "format")
        assert caught.value.violation.code == "script_forbidden_format"
