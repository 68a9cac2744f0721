"""The compile-time policy: RestrictedPython's rules plus what procedure scripts do not need.

On top of RestrictedPython (no imports, no ``_``-names or attributes, no exec/eval, guarded attribute,
item and iteration access) this policy:

- refuses class definitions and generators (``yield``): procedures compute values, they do not need
  them, and generator frames are a classic way to reach interpreter internals;
- refuses calls to builtins that open doors (``open``, ``getattr``, ``type``, ``globals``...), so the
  process owner learns at deploy time rather than from a ``NameError`` at run time;
- refuses ``.format``/``.format_map`` (a format string can walk ``{0.__class__...}``) already at
  compile time, so deploy-time checks catch it; the run-time guard stays as a second line;
- routes ``+ * ** << %`` through ``_binop_`` so one operation cannot build a gigantic value;
- weighs container displays, comprehensions, comparison operands and f-string values
  (``_weigh_``) so shared references cannot make hashing, comparing or printing run for minutes;
- refuses f-string format specs that are dynamic or ask for huge widths;
- inserts ``_tick_()`` at the top of ``while``, function, lambda, ``except`` and ``finally`` bodies
  (``for`` loops and comprehensions tick through ``_getiter_``); see ``budget.py`` for why this
  rather than ``sys.settrace``.
"""

from __future__ import annotations

import ast
import re

from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

#: Builtins whose call is refused at compile time (they are not provided at run time either).
FORBIDDEN_CALLS = frozenset({
    "open", "getattr", "setattr", "delattr", "hasattr", "globals", "locals", "vars", "dir", "type",
    "object", "compile", "input", "breakpoint", "help", "memoryview", "exit", "quit", "super",
    "classmethod", "staticmethod", "property", "iter", "next", "bytearray", "bytes", "format",
    "id", "print", "exec", "eval",
})

_GUARDED_BINOPS = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}
_BIG_WIDTH = re.compile(r"\d{5,}")


def _weighed(node: ast.expr) -> ast.expr:
    call = ast.Call(func=ast.Name("_weigh_", ast.Load()), args=[node], keywords=[])
    copy_locations(call, node)
    return call


def _tick_statement(at: ast.AST) -> ast.stmt:
    call = ast.Expr(ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[]))
    ast.copy_location(call, at)
    ast.fix_missing_locations(call)
    return call


class ProcedureScriptPolicy(RestrictingNodeTransformer):
    """RestrictedPython's transformer, tightened for scripts and expressions in process models."""

    # -- refused constructs -------------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef):
        self.error(node, "Class definitions are not allowed in procedure scripts.")
        return node

    def visit_Yield(self, node: ast.Yield):
        self.error(node, "Generators (yield) are not allowed in procedure scripts.")
        return node

    def visit_YieldFrom(self, node: ast.YieldFrom):
        self.error(node, "Generators (yield from) are not allowed in procedure scripts.")
        return node

    def visit_Import(self, node: ast.Import):
        self.error(node, "Imports are not allowed in procedure scripts.")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom):
        self.error(node, "Imports are not allowed in procedure scripts.")
        return node

    def visit_Call(self, node: ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS - {"exec", "eval"}:
            self.error(node, f"Calling '{node.func.id}' is not available in procedure scripts.")
        return super().visit_Call(node)

    def visit_Attribute(self, node: ast.Attribute):
        if node.attr in ("format", "format_map"):
            self.error(node, f"'.{node.attr}()' is not allowed in procedure scripts (str.format can reach "
                             "internal attributes); use an f-string.")
        return super().visit_Attribute(node)

    def visit_FormattedValue(self, node: ast.FormattedValue):
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            for part in parts:
                if not isinstance(part, ast.Constant):
                    self.error(node, "A dynamic f-string format spec is not allowed.")
                elif _BIG_WIDTH.search(str(part.value)):
                    self.error(node, "An f-string format spec with a huge width is not allowed.")
        node = super().visit_FormattedValue(node)
        node.value = _weighed(node.value)
        return node

    # -- weight guards (see guards.weigh) ------------------------------------------------------------
    def _weigh_display(self, node: ast.expr, visit) -> ast.expr:
        node = visit(node)
        if isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            return _weighed(node)
        return node  # a tuple or list on the left of an assignment is a target, not a value

    def visit_List(self, node: ast.List):
        return self._weigh_display(node, super().visit_List)

    def visit_Tuple(self, node: ast.Tuple):
        return self._weigh_display(node, super().visit_Tuple)

    def visit_Set(self, node: ast.Set):
        return self._weigh_display(node, super().visit_Set)

    def visit_Dict(self, node: ast.Dict):
        return self._weigh_display(node, super().visit_Dict)

    def visit_ListComp(self, node: ast.ListComp):
        return self._weigh_display(node, super().visit_ListComp)

    def visit_SetComp(self, node: ast.SetComp):
        return self._weigh_display(node, super().visit_SetComp)

    def visit_DictComp(self, node: ast.DictComp):
        return self._weigh_display(node, super().visit_DictComp)

    def visit_Compare(self, node: ast.Compare):
        node = super().visit_Compare(node)
        node.left = _weighed(node.left)
        node.comparators = [_weighed(c) for c in node.comparators]
        return node

    # -- size guards ------------------------------------------------------------------------------
    def visit_BinOp(self, node: ast.BinOp):
        node = self.node_contents_visit(node)
        symbol = _GUARDED_BINOPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()),
                        args=[ast.Constant(symbol), node.left, node.right], keywords=[])
        copy_locations(call, node)
        return call

    # -- ticks ------------------------------------------------------------------------------------
    def visit_While(self, node: ast.While):
        node = super().visit_While(node)
        node.body.insert(0, _tick_statement(node))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, _tick_statement(node))
        return node

    def visit_Lambda(self, node: ast.Lambda):
        node = super().visit_Lambda(node)
        # lambda: body  ->  lambda: (_tick_(), body)[1]
        pair = ast.Tuple(elts=[ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[]),
                               node.body], ctx=ast.Load())
        node.body = ast.Subscript(value=pair, slice=ast.Constant(1), ctx=ast.Load())
        ast.copy_location(node.body, node)
        ast.fix_missing_locations(node)
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler):
        node = super().visit_ExceptHandler(node)
        node.body.insert(0, _tick_statement(node))
        return node

    def visit_Try(self, node: ast.Try):
        node = super().visit_Try(node)
        if node.finalbody:
            node.finalbody.insert(0, _tick_statement(node))
        return node
