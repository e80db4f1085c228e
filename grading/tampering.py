"""After the run: submissions whose code tampered with the course's test helpers, for review.

Inside one Python process nothing stops a student's cell from patching what the test cells
call (``utils.checks.check = lambda *a, **k: None``, or redefining an imported ``check``).
It can be seen, though: every line that ran is in the autograded notebook. This module reads
the cells a student could edit (solution cells and cells they added; locked cells and tests
come from the gradebook) and reports

* assignments to, or deletion of, attributes of the course's modules (``utils`` and below),
  ``setattr``/``delattr`` on them, and writes to ``sys.modules`` or ``builtins``;
* names imported from the course (``check``, ``passed``, ...) bound again by the student;
* code the reading cannot follow: ``exec``, ``eval``, ``compile``, ``__import__``,
  ``importlib``, ``ctypes``, ``gc``, ``__code__``/``__globals__``.

A finding is a reason to look, not a verdict: grades are not changed.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

__all__ = ["findings", "notebook_findings", "submissions_to_review"]

COURSE_PACKAGE = "utils"
OPAQUE_CALLS = {"exec", "eval", "compile", "__import__", "setattr", "delattr", "globals", "vars"}
OPAQUE_MODULES = {"importlib", "ctypes", "gc", "builtins", "inspect"}
OPAQUE_ATTRIBUTES = {"__code__", "__globals__", "__dict__", "__builtins__", "modules"}


def _is_course_module(name: str) -> bool:
    return name == COURSE_PACKAGE or name.startswith(COURSE_PACKAGE + ".")


def _dotted(node: ast.AST) -> str | None:
    """`a.b.c` for Name/Attribute chains, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


class _Names(ast.NodeVisitor):
    """What the course's imports bind: module aliases and imported helpers."""

    def __init__(self):
        self.modules: dict[str, str] = {}  # local name -> course module
        self.helpers: dict[str, str] = {}  # local name -> course.module.helper

    def visit_Import(self, node):
        for alias in node.names:
            if _is_course_module(alias.name):
                local = alias.asname or alias.name.split(".")[0]
                self.modules[local] = alias.name if alias.asname else alias.name.split(".")[0]

    def visit_ImportFrom(self, node):
        if node.module and _is_course_module(node.module) and not node.level:
            for alias in node.names:
                self.helpers[alias.asname or alias.name] = f"{node.module}.{alias.name}"


def _resolve(dotted: str | None, names: _Names) -> str | None:
    """The course object a dotted name refers to, if any (`checks.check` -> `utils.checks.check`)."""
    if not dotted:
        return None
    head, _, rest = dotted.partition(".")
    if head in names.modules:
        return names.modules[head] + ("." + rest if rest else "")
    if head in names.helpers:
        return names.helpers[head] + ("." + rest if rest else "")
    return None


def findings(student_code: list[str], course_code: list[str] = ()) -> list[str]:
    """What in `student_code` (cell sources) touches the course's helpers. `course_code` (the locked
    and test cells) only tells which names the course imports."""
    names = _Names()
    trees = []
    for source in [*course_code, *student_code]:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            tree = None
        if source in student_code:
            trees.append(tree)
        if tree is not None:
            names.visit(tree)
    found = []
    for tree in trees:
        if tree is None:
            continue
        for node in ast.walk(tree):
            found += _node_findings(node, names)
    return list(dict.fromkeys(found))


def _leaves(targets):
    """The names, attributes and subscripts an assignment binds (inside tuples and starred targets)."""
    for target in targets:
        if isinstance(target, (ast.Tuple, ast.List)):
            yield from _leaves(target.elts)
        elif isinstance(target, ast.Starred):
            yield from _leaves([target.value])
        else:
            yield target


def _node_findings(node: ast.AST, names: _Names) -> list[str]:
    out = []
    targets = []
    if isinstance(node, (ast.Assign, ast.Delete)):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    elif isinstance(node, (ast.For, ast.AsyncFor, ast.With)):
        targets = [node.target] if isinstance(node, (ast.For, ast.AsyncFor)) else [
            i.optional_vars for i in node.items if i.optional_vars is not None]
    for part in _leaves(targets):
        if isinstance(part, ast.Attribute):
            course = _resolve(_dotted(part), names)
            if course:
                out.append(f"changes {course}")
            elif (_dotted(part.value) or "").split(".")[-1] in ("builtins", "__builtins__"):
                out.append(f"changes builtins.{part.attr}")
            elif part.attr in OPAQUE_ATTRIBUTES:
                out.append(f"assigns {part.attr}")
        elif isinstance(part, ast.Subscript) and (_dotted(part.value) or "").endswith("sys.modules"):
            out.append("changes sys.modules")
        elif isinstance(part, ast.Name) and part.id in names.helpers:
            out.append(f"redefines {part.id} (the course's {names.helpers[part.id]})")
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in names.helpers:
        out.append(f"redefines {node.name} (the course's {names.helpers[node.name]})")
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            module = node.module if isinstance(node, ast.ImportFrom) else alias.name
            local = alias.asname or alias.name
            if module and module.split(".")[0] in OPAQUE_MODULES:
                out.append(f"imports {module}")
            if local in names.helpers and not (module and _is_course_module(module)):
                out.append(f"redefines {local} (the course's {names.helpers[local]})")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in OPAQUE_CALLS:
        out.append(f"calls {node.func.id}()")
    if isinstance(node, ast.Attribute) and node.attr in ("__code__", "__globals__") and isinstance(node.ctx, ast.Load):
        out.append(f"reads {node.attr}")
    return out


def _is_student_cell(cell: dict) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if not meta:
        return True  # a cell the student added
    return bool(meta.get("solution")) and not meta.get("locked")


def notebook_findings(notebook: dict) -> list[str]:
    code = [c for c in notebook.get("cells", []) if c.get("cell_type") == "code"]
    source = lambda c: "".join(c.get("source", ""))  # noqa: E731
    return findings([source(c) for c in code if _is_student_cell(c)],
                    [source(c) for c in code if not _is_student_cell(c)])


def submissions_to_review(autograded: Path, assignments: list[str]) -> dict[tuple[str, str], list[str]]:
    """{(student, notebook path relative to autograded/): findings} for every autograded notebook."""
    review = {}
    for notebook_path in sorted(autograded.glob("*/*/*.ipynb")):
        student, assignment = notebook_path.parent.parent.name, notebook_path.parent.name
        if assignment not in assignments:
            continue
        try:
            notebook = json.loads(notebook_path.read_text())
        except (OSError, ValueError):
            continue
        found = notebook_findings(notebook)
        if found:
            review[(student, notebook_path.relative_to(autograded).as_posix())] = found
    return review
