"""After the run: submissions whose code reaches into the grading, listed for review.

A student's notebook runs in one kernel with the test cells. Receipts
(:mod:`grading.receipts`) make a test cell score only when it ran to its end, and the
sandbox keeps the notebook away from the course; but inside the kernel nothing stops a
cell from patching what the tests call. It can be seen, though: every line that ran is
in the autograded notebook. This module reads the cells a student could edit (solution
cells and cells they added; locked cells and tests come from the gradebook), after
IPython's own rewriting of magics, and reports two kinds of findings, each naming the
cell and the line:

``tampers``: code that changes what the grading relies on
  * the course's helpers: assignments to ``utils`` and below, names imported from it
    (``check``, ``passed``, ...) bound again;
  * IPython's extension points: ``get_ipython()`` beyond running a magic, input and AST
    transformers, ``set_custom_exc``, ``showtraceback``, events, display hooks, magics
    registered at run time;
  * the interpreter: ``sys.settrace``/``setprofile``, ``sys.excepthook``/``displayhook``,
    ``sys.stdout``/``stderr``, ``sys.modules``, frames (``f_lineno``, ``f_globals``, ...);
  * attributes of any imported module or object assigned, deleted or ``setattr``'d
    (``numpy.allclose = ...``, ``numpy.testing.assert_allclose = ...``, ``builtins.print = ...``);

``unreadable``: code whose target the reading cannot follow
  ``exec``, ``eval``, ``compile``, ``__import__``, ``importlib``, ``ctypes``, ``gc``,
  ``inspect``, ``getattr``/``setattr``/``delattr`` with a computed name, ``globals()``,
  ``vars()``, decoded strings (``base64``, ``codecs``, ``bytes.fromhex``, ``marshal``,
  ``pickle``), magics other than the everyday ones.

A finding is a reason to look, not a verdict: grades are not changed. A student's own
prints, plots and ``display()`` calls are not findings.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Finding", "TAMPERS", "UNREADABLE", "findings", "notebook_findings", "submissions_to_review"]

TAMPERS = "tampers"
UNREADABLE = "unreadable"

COURSE_PACKAGE = "utils"
#: Attributes of IPython's shell (and kernel) that change how later cells run or are shown.
IPYTHON_HOOKS = {
    "input_transformers_post", "input_transformers_cleanup", "input_transformer_manager", "ast_transformers",
    "set_custom_exc", "custom_exceptions", "CustomTB", "showtraceback", "_showtraceback", "showsyntaxerror",
    "showindentationerror", "InteractiveTB", "SyntaxTB", "events", "display_formatter", "displayhook",
    "display_pub", "register_magic_function", "register_magics", "magics_manager", "run_cell", "run_cell_async",
    "run_ast_nodes", "run_code", "transform_cell", "transform_ast", "excepthook", "user_ns_hidden", "kernel",
    "shell_handlers", "do_execute", "execute_request", "compile", "pre_run_cell", "post_run_cell",
}
#: Magics a student may use: they show or time things, and change nothing the tests rely on.
EVERYDAY_MAGICS = {"matplotlib", "time", "timeit", "capture", "pip", "conda", "who", "whos", "pwd", "ls", "history",
                   "precision", "env", "config"}
SHELL_CALLS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}  # what a transformed magic calls
#: Names so particular to IPython's and Python's hooks that any use of them is worth a look.
DISTINCTIVE_HOOKS = {"input_transformers_post", "input_transformers_cleanup", "input_transformer_manager",
                     "ast_transformers", "set_custom_exc", "custom_exceptions", "showtraceback", "_showtraceback",
                     "showsyntaxerror", "register_magic_function", "register_magics", "display_pub",
                     "display_formatter", "InteractiveTB", "SyntaxTB", "settrace", "setprofile", "excepthook",
                     "displayhook", "pre_run_cell", "post_run_cell"}
SYS_HOOKS = {"settrace", "setprofile", "excepthook", "displayhook", "stdout", "stderr", "stdin", "modules",
             "meta_path", "path_hooks", "audit", "addaudithook", "_getframe", "breakpointhook", "setrecursionlimit"}
THREADING_HOOKS = {"settrace", "setprofile", "settrace_all_threads", "setprofile_all_threads", "excepthook"}
FRAME_ATTRIBUTES = {"f_lineno", "f_globals", "f_locals", "f_back", "f_trace", "f_builtins", "tb_frame",
                    "gi_frame", "cr_frame", "__code__", "__globals__", "__closure__", "__builtins__"}
OPAQUE_CALLS = {"exec", "eval", "compile", "__import__", "globals", "vars", "breakpoint"}
OPAQUE_MODULES = {"importlib", "ctypes", "gc", "inspect", "base64", "codecs", "marshal", "pickle", "zlib", "binascii",
                  "types", "runpy", "code", "dis", "sys", "threading", "builtins", "IPython", "ipykernel"}
#: Of OPAQUE_MODULES, those whose import alone says nothing: what is used of them is read like any code.
READ_BY_USE = {"sys", "threading", "builtins", "IPython", "ipykernel", "types"}
DECODERS = {"fromhex", "b64decode", "b32decode", "b16decode", "a85decode", "b85decode", "decodebytes", "unhexlify"}


@dataclass(frozen=True)
class Finding:
    kind: str  # TAMPERS or UNREADABLE
    cell: str  # the solution cell's grade_id, or "an added cell (N)"
    line: int  # in the cell, from 1
    what: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.cell}, line {self.line}: {self.what}"


def _is_course_module(name: str) -> bool:
    return name == COURSE_PACKAGE or name.startswith(COURSE_PACKAGE + ".")


def _dotted(node: ast.AST) -> str | None:
    """`a.b.c` for Name/Attribute chains (a call in the chain reads as `f()`), else None."""
    parts = []
    while isinstance(node, (ast.Attribute, ast.Call)):
        if isinstance(node, ast.Call):
            node = node.func
            parts.append("()")
            continue
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        text = node.id
        for part in reversed(parts):
            text = text + part if part == "()" else f"{text}.{part}"
        return text
    return None


def python_source(source: str) -> str:
    """A cell's source as IPython runs it: magics and shell escapes become calls of get_ipython()."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython is part of the course's environment
        return source
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - a cell IPython cannot read is read as it is
        return source


class _Imports(ast.NodeVisitor):
    """What the notebook's imports bind: local name -> what it is (a module or an object of one)."""

    def __init__(self):
        self.bound: dict[str, str] = {}

    def visit_Import(self, node):
        for alias in node.names:
            self.bound[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                alias.name.split(".")[0]

    def visit_ImportFrom(self, node):
        if node.module and not node.level:
            for alias in node.names:
                self.bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"


class _Reader:
    def __init__(self, imports: dict[str, str], cell: str):
        self.imports = imports
        self.cell = cell
        self.found: list[Finding] = []

    def add(self, kind: str, node: ast.AST, what: str) -> None:
        self.found.append(Finding(kind, self.cell, getattr(node, "lineno", 0), what))

    def resolve(self, node: ast.AST) -> str | None:
        """The imported thing a name chain starts from (`np.testing` -> `numpy.testing`), if any."""
        dotted = _dotted(node)
        if not dotted:
            return None
        head, _, rest = dotted.partition(".")
        if head.endswith("()") or head not in self.imports:
            return None
        return self.imports[head] + ("." + rest if rest else "")

    def changed(self, target: ast.AST, node: ast.AST, how: str = "changes") -> None:
        """An assignment or deletion of `target`."""
        if isinstance(target, ast.Attribute):
            owner = self.resolve(target.value)
            dotted = _dotted(target.value) or ""
            if owner:
                kind = "the course's helper" if _is_course_module(owner) else "the imported"
                self.add(TAMPERS, node, f"{how} {owner}.{target.attr} ({kind} {owner.split('.')[0]})")
            elif target.attr in IPYTHON_HOOKS and "get_ipython()" in dotted:
                self.add(TAMPERS, node, f"{how} IPython's {target.attr}")
            elif dotted.split(".")[-1] in ("builtins", "__builtins__"):
                self.add(TAMPERS, node, f"{how} builtins.{target.attr}")
            elif target.attr in FRAME_ATTRIBUTES:
                self.add(TAMPERS, node, f"{how} {target.attr} (a frame or a function's insides)")
        elif isinstance(target, ast.Subscript):
            owner = self.resolve(target.value) or _dotted(target.value) or ""
            if owner.endswith(("sys.modules", "__builtins__", "builtins.__dict__")):
                self.add(TAMPERS, node, f"{how} {owner}[...]")
        elif isinstance(target, ast.Name):
            bound = self.imports.get(target.id)
            if bound and _is_course_module(bound):
                self.add(TAMPERS, node, f"redefines {target.id} (the course's {bound})")

    def visit(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            self.node(node)

    def node(self, node: ast.AST) -> None:
        targets = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            targets = [node.target]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
        for target in _leaves(targets):
            self.changed(target, node, "deletes" if isinstance(node, ast.Delete) else "changes")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound = self.imports.get(node.name)
            if bound and _is_course_module(bound):
                self.add(TAMPERS, node, f"redefines {node.name} (the course's {bound})")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.imported(node)
        if isinstance(node, ast.Call):
            self.call(node)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            self.attribute(node)
        if isinstance(node, ast.Name) and node.id == "get_ipython":
            self.shell(node)

    def imported(self, node) -> None:
        for alias in node.names:
            module = node.module if isinstance(node, ast.ImportFrom) else alias.name
            top = (module or "").split(".")[0]
            if top in OPAQUE_MODULES and top not in READ_BY_USE:
                self.add(UNREADABLE, node, f"imports {module}")
            local = alias.asname or alias.name
            if isinstance(node, ast.ImportFrom) and top in READ_BY_USE and alias.name in (SYS_HOOKS | THREADING_HOOKS):
                self.add(TAMPERS, node, f"imports {module}.{alias.name}")
            bound = self.imports.get(local)
            if bound and _is_course_module(bound) and not (module and _is_course_module(module)):
                self.add(TAMPERS, node, f"redefines {local} (the course's {bound})")

    def call(self, node: ast.Call) -> None:
        function = node.func
        name = function.id if isinstance(function, ast.Name) else None
        if name in OPAQUE_CALLS:
            self.add(UNREADABLE, node, f"calls {name}()")
        if name in ("getattr", "setattr", "delattr", "hasattr") and len(node.args) >= 2:
            attribute = node.args[1]
            if not (isinstance(attribute, ast.Constant) and isinstance(attribute.value, str)):
                self.add(UNREADABLE, node, f"calls {name}() with a computed name")
            elif name in ("setattr", "delattr"):
                self.changed(ast.Attribute(value=node.args[0], attr=attribute.value, ctx=ast.Store()), node,
                             "changes" if name == "setattr" else "deletes")
            elif attribute.value in IPYTHON_HOOKS | FRAME_ATTRIBUTES:
                self.add(TAMPERS, node, f"reads {attribute.value} through {name}()")
        if isinstance(function, ast.Attribute):
            if function.attr in DECODERS:
                self.add(UNREADABLE, node, f"decodes a string or bytes ({function.attr})")
            owner = self.resolve(function.value) or ""
            if function.attr in ("run_line_magic", "run_cell_magic"):
                magic = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
                if magic not in EVERYDAY_MAGICS:
                    self.add(UNREADABLE, node, f"runs the magic %{magic}")
            if owner in ("sys", "threading") and function.attr in (SYS_HOOKS | THREADING_HOOKS):
                self.add(TAMPERS, node, f"calls {owner}.{function.attr}()")

    def attribute(self, node: ast.Attribute) -> None:
        owner = self.resolve(node.value) or ""
        called = isinstance(getattr(node, "parent", None), ast.Call) and node.parent.func is node
        if owner in ("sys", "threading") and node.attr in SYS_HOOKS | THREADING_HOOKS:
            if not called:  # a call is named by call()
                self.add(TAMPERS, node, f"uses {owner}.{node.attr}")
        elif node.attr in DISTINCTIVE_HOOKS:
            self.add(TAMPERS, node, f"uses {node.attr} (a hook of IPython or of the interpreter)")
        elif node.attr in FRAME_ATTRIBUTES and node.attr not in ("__code__", "__globals__", "__closure__"):
            self.add(TAMPERS, node, f"reads {node.attr} (a frame)")
        elif node.attr in ("__code__", "__globals__", "__closure__", "__builtins__"):
            self.add(UNREADABLE, node, f"reads {node.attr}")

    def shell(self, node: ast.Name) -> None:
        """`get_ipython` is fine only as `get_ipython().run_line_magic(...)` and the like: how magics run."""
        call = getattr(node, "parent", None)
        method = getattr(call, "parent", None)
        if (isinstance(call, ast.Call) and call.func is node and isinstance(method, ast.Attribute)
                and method.attr in SHELL_CALLS and isinstance(getattr(method, "parent", None), ast.Call)):
            return
        self.add(TAMPERS, node, "uses IPython's shell (get_ipython() beyond running a magic)")


def _leaves(targets):
    """The names, attributes and subscripts an assignment binds (inside tuples and starred targets)."""
    for target in targets:
        if isinstance(target, (ast.Tuple, ast.List)):
            yield from _leaves(target.elts)
        elif isinstance(target, ast.Starred):
            yield from _leaves([target.value])
        else:
            yield target


def _parse(source: str) -> ast.AST | None:
    try:
        return ast.parse(python_source(source))
    except SyntaxError:
        return None  # it cannot have run either


def findings(student_cells: dict[str, str], course_code: list[str] = ()) -> list[Finding]:
    """What the student's cells (name -> source) do to the grading. `course_code` (the locked and test
    cells) only tells what the notebook imports."""
    imports = _Imports()
    trees = {}
    for source in course_code:
        tree = _parse(source)
        if tree is not None:
            imports.visit(tree)
    for name, source in student_cells.items():
        trees[name] = _parse(source)
        if trees[name] is not None:
            imports.visit(trees[name])
    found = []
    for name, tree in trees.items():
        if tree is None:
            continue
        reader = _Reader(imports.bound, name)
        for node in ast.walk(tree):  # each node knows its parent: `sys.settrace(f)` is one finding, not two
            for child in ast.iter_child_nodes(node):
                child.parent = node
        reader.visit(tree)
        found += reader.found
    return list(dict.fromkeys(found))


def _is_student_cell(cell: dict) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if not meta:
        return True  # a cell the student added
    return bool(meta.get("solution")) and not meta.get("locked")


def notebook_findings(notebook: dict) -> list[Finding]:
    code = [c for c in notebook.get("cells", []) if c.get("cell_type") == "code"]
    source = lambda c: "".join(c.get("source", ""))  # noqa: E731
    student = {}
    for index, cell in enumerate(code, start=1):
        if _is_student_cell(cell):
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            student[f"cell {grade_id}" if grade_id else f"an added cell (code cell {index})"] = source(cell)
    return findings(student, [source(c) for c in code if not _is_student_cell(c)])


def submissions_to_review(autograded: Path, assignments: list[str]) -> dict[tuple[str, str], list[str]]:
    """{(student, notebook path relative to autograded/): findings, tampering first} for every autograded notebook."""
    review = {}
    for notebook_path in sorted(autograded.glob("*/*/*.ipynb")):
        student, assignment = notebook_path.parent.parent.name, notebook_path.parent.name
        if assignment not in assignments:
            continue
        try:
            notebook = json.loads(notebook_path.read_text())
        except (OSError, ValueError):
            continue
        found = sorted(notebook_findings(notebook), key=lambda f: (f.kind != TAMPERS, f.cell, f.line))
        if found:
            review[(student, notebook_path.relative_to(autograded).as_posix())] = [str(f) for f in found]
    return review
