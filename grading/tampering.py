"""After the run: submissions whose code reaches into the grading, listed for review.

A student's notebook runs in one kernel with the test cells. The clean kernel
(:mod:`grading.kernel`) puts back before each test cell what a student's cell may have
changed, receipts (:mod:`grading.receipts`) make a test cell score only when it ran to its
end, and the sandbox keeps the notebook away from the course; what stays possible in
principle can be seen: every line that ran is in the autograded notebook. This module reads
every code cell that is not the course's own (compared by its source with the instructor's
notebook, whatever its metadata says), after IPython's own rewriting of magics, and the
Python files handed in beside it. It reports four kinds of findings, each naming the cell
and the line, or the file:

``tampers``: code that changes what the grading relies on
  * the course's helpers: assignments to ``utils`` and below, names imported from it
    (``check``, ``passed``, ...) bound again;
  * IPython's extension points: ``get_ipython()`` beyond running a magic, input and AST
    transformers, ``set_custom_exc``, ``showtraceback``, events, display hooks, magics
    registered at run time; ``In[...]`` and the other records of the cells' sources;
  * the interpreter: ``sys.settrace``/``setprofile``, ``sys.excepthook``/``displayhook``,
    ``sys.stdout``/``stderr``, ``sys.modules``, ``sys.path``, ``__main__``, frames
    (``f_lineno``, ``f_globals``, ...);
  * attributes of any imported module or object assigned, deleted or ``setattr``'d
    (``numpy.allclose = ...``, ``numpy.testing.assert_allclose = ...``, ``builtins.print = ...``).
  Aliases (``m = utils.checks``), ``__dict__``, ``sys.modules`` by any path (``os.sys.modules``)
  and ``getattr`` with a written name are followed to what they reach;

``metadata``: nbgrader flags of a cell that differ from the release's, or nbgrader metadata on
  a cell the release does not have;

``unreadable``: code whose target the reading cannot follow
  ``exec``, ``eval``, ``compile``, ``__import__``, ``importlib``, ``ctypes``, ``gc``,
  ``inspect``, ``linecache``, ``getattr``/``setattr``/``delattr`` with a computed name,
  ``attrgetter``, ``__getattribute__``, ``globals()``, ``vars()``, decoded strings (``base64``,
  ``codecs``, ``bytes.fromhex``, ``marshal``, ``pickle``), magics other than the everyday ones;

``extra file``: a file handed in that the course did not ask for (anything but the release's
  files and ``my_agent/``); the grading kernel never imports it.

A finding is a reason to look, not a verdict: grades are not changed. A student's own
prints, plots and ``display()`` calls are not findings.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EXTRA_FILE", "METADATA", "Finding", "TAMPERS", "UNREADABLE", "course_cells", "extra_files", "findings",
           "metadata_findings", "notebook_findings", "submissions_to_review"]

TAMPERS = "tampers"
UNREADABLE = "unreadable"
METADATA = "metadata"
EXTRA_FILE = "extra file"

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
                     "displayhook", "pre_run_cell", "post_run_cell", "get_ipython"}
SYS_HOOKS = {"settrace", "setprofile", "excepthook", "displayhook", "stdout", "stderr", "stdin", "modules", "path",
             "meta_path", "path_hooks", "audit", "addaudithook", "_getframe", "breakpointhook", "setrecursionlimit"}
THREADING_HOOKS = {"settrace", "setprofile", "settrace_all_threads", "setprofile_all_threads", "excepthook"}
FRAME_ATTRIBUTES = {"f_lineno", "f_globals", "f_locals", "f_back", "f_trace", "f_builtins", "tb_frame",
                    "gi_frame", "cr_frame", "__code__", "__globals__", "__closure__", "__builtins__"}
OPAQUE_CALLS = {"exec", "eval", "compile", "__import__", "globals", "vars", "breakpoint"}
OPAQUE_MODULES = {"importlib", "ctypes", "gc", "inspect", "base64", "codecs", "marshal", "pickle", "zlib", "binascii",
                  "types", "runpy", "code", "dis", "sys", "threading", "builtins", "IPython", "ipykernel", "linecache",
                  "operator"}
#: Of OPAQUE_MODULES, those whose import alone says nothing: what is used of them is read like any code.
READ_BY_USE = {"sys", "threading", "builtins", "IPython", "ipykernel", "types", "operator"}
#: Calls that reach an attribute by a name the reading does not see.
INDIRECT_CALLS = {"attrgetter", "methodcaller", "__getattribute__", "__setattr__", "__delattr__", "__getattr__"}
#: IPython's record of the cells' sources: a test cell's too, hidden tests and all, while it runs.
INPUT_HISTORY = {"In", "_ih", "_i", "_ii", "_iii", "Out", "_oh"}
DECODERS = {"fromhex", "b64decode", "b32decode", "b16decode", "a85decode", "b85decode", "decodebytes", "unhexlify"}


@dataclass(frozen=True)
class Finding:
    kind: str  # TAMPERS, METADATA, UNREADABLE or EXTRA_FILE
    cell: str  # "cell <grade_id>", "an added cell (...)", or a file's path in the submission
    line: int  # in the cell, from 1; 0 for metadata and files
    what: str

    def __str__(self) -> str:
        where = f"{self.cell}, line {self.line}" if self.line else self.cell
        return f"{self.kind}: {where}: {self.what}"


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
    """What the notebook's imports bind: local name -> what it is (a module or an object of one); and
    aliases of them (`m = utils.checks`, `m = sys.modules["utils.checks"]`), which :meth:`aliases` adds."""

    def __init__(self):
        self.bound: dict[str, str] = {}
        self.aliased: set[str] = set()  # names bound by an assignment, not an import

    def aliases(self, trees) -> None:
        """Names assigned an imported thing without a call (a call's result is the student's own object),
        followed until nothing new is bound."""
        assignments = [(target.id, node.value) for tree in trees for node in ast.walk(tree)
                       if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None
                       for target in _leaves(getattr(node, "targets", None) or [node.target])
                       if isinstance(target, ast.Name)]
        for _ in range(len(assignments) + 1):
            new = {name: path for name, value in assignments
                   if (path := _resolve(value, self.bound)) and self.bound.get(name) != path
                   and "()" not in path}
            if not new:
                return
            self.bound.update(new)
            self.aliased |= set(new)

    def visit_Import(self, node):
        for alias in node.names:
            self.bound[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                alias.name.split(".")[0]

    def visit_ImportFrom(self, node):
        if node.module and not node.level:
            for alias in node.names:
                self.bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"


class _Reader:
    def __init__(self, imports: dict[str, str], cell: str, aliased: set[str] = frozenset()):
        self.imports = imports
        self.aliased = aliased
        self.cell = cell
        self.found: list[Finding] = []

    def add(self, kind: str, node: ast.AST, what: str) -> None:
        self.found.append(Finding(kind, self.cell, getattr(node, "lineno", 0), what))

    def resolve(self, node: ast.AST) -> str | None:
        return _resolve(node, self.imports)

    def changed(self, target: ast.AST, node: ast.AST, how: str = "changes") -> None:
        """An assignment or deletion of `target`."""
        if isinstance(target, ast.Attribute):
            owner = self.resolve(target.value)
            dotted = _dotted(target.value) or ast.unparse(target.value)
            if owner and owner.endswith(".__dict__"):
                self.add(TAMPERS, node, f"{how} {owner}.{target.attr}")
            elif owner:
                kind = "the course's helper" if _is_course_module(owner) else "the imported"
                self.add(TAMPERS, node, f"{how} {owner}.{target.attr} ({kind} {owner.split('.')[0]})")
            elif target.attr in IPYTHON_HOOKS and "get_ipython()" in dotted:
                self.add(TAMPERS, node, f"{how} IPython's {target.attr}")
            elif dotted.split(".")[-1] in ("builtins", "__builtins__"):
                self.add(TAMPERS, node, f"{how} builtins.{target.attr}")
            elif target.attr in FRAME_ATTRIBUTES:
                self.add(TAMPERS, node, f"{how} {target.attr} (a frame or a function's insides)")
            elif any(part in dotted for part in ("sys.modules", "__dict__", "__builtins__", "get_ipython")):
                self.add(TAMPERS, node, f"{how} {dotted}.{target.attr}")
        elif isinstance(target, ast.Subscript):
            owner = self.resolve(target.value) or _dotted(target.value) or ast.unparse(target.value)
            if owner.endswith(("sys.modules", "__builtins__", "__dict__")):
                self.add(TAMPERS, node, f"{how} {owner}[...]")
        elif isinstance(target, ast.Name) and target.id not in self.aliased:
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
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and (
                node.id in INPUT_HISTORY or (node.id.startswith("_i") and node.id[2:].isdigit())):
            self.add(TAMPERS, node, f"reads {node.id}, the cells' sources (a test's, hidden lines and all)")

    def imported(self, node) -> None:
        for alias in node.names:
            module = node.module if isinstance(node, ast.ImportFrom) else alias.name
            top = (module or "").split(".")[0]
            if top in OPAQUE_MODULES and top not in READ_BY_USE:
                self.add(UNREADABLE, node, f"imports {module}")
            if top == "__main__":
                self.add(TAMPERS, node, "imports __main__, the namespace the tests run in")
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
        if (name or getattr(function, "attr", None)) in INDIRECT_CALLS:
            self.add(UNREADABLE, node, f"reaches an attribute through {name or function.attr}()")
        if isinstance(function, ast.Attribute):
            if function.attr in DECODERS:
                self.add(UNREADABLE, node, f"decodes a string or bytes ({function.attr})")
            owner = self.resolve(function.value) or ""
            if function.attr in ("run_line_magic", "run_cell_magic"):
                magic = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
                if magic not in EVERYDAY_MAGICS:
                    self.add(UNREADABLE, node, f"runs the magic %{magic}")
            if _tail(owner) in ("sys", "threading") and function.attr in (SYS_HOOKS | THREADING_HOOKS):
                self.add(TAMPERS, node, f"calls {owner}.{function.attr}()")

    def attribute(self, node: ast.Attribute) -> None:
        owner = self.resolve(node.value) or ""
        called = isinstance(getattr(node, "parent", None), ast.Call) and node.parent.func is node
        if _tail(owner) in ("sys", "threading") and node.attr in SYS_HOOKS | THREADING_HOOKS:
            if not called:  # a call is named by call()
                self.add(TAMPERS, node, f"uses {owner}.{node.attr}")
        elif node.attr in DISTINCTIVE_HOOKS:
            self.add(TAMPERS, node, f"uses {node.attr} (a hook of IPython or of the interpreter)")
        elif node.attr in FRAME_ATTRIBUTES and node.attr not in ("__code__", "__globals__", "__closure__"):
            self.add(TAMPERS, node, f"reads {node.attr} (a frame)")
        elif node.attr in ("__code__", "__globals__", "__closure__", "__builtins__"):
            self.add(UNREADABLE, node, f"reads {node.attr}")
        elif node.attr == "__dict__" and owner:
            self.add(TAMPERS, node, f"reads {owner}.__dict__")

    def shell(self, node: ast.Name) -> None:
        """`get_ipython` is fine only as `get_ipython().run_line_magic(...)` and the like: how magics run."""
        call = getattr(node, "parent", None)
        method = getattr(call, "parent", None)
        if (isinstance(call, ast.Call) and call.func is node and isinstance(method, ast.Attribute)
                and method.attr in SHELL_CALLS and isinstance(getattr(method, "parent", None), ast.Call)):
            return
        self.add(TAMPERS, node, "uses IPython's shell (get_ipython() beyond running a magic)")


def _resolve(node: ast.AST, bound: dict[str, str]) -> str | None:
    """The imported thing an expression names (`np.testing` -> `numpy.testing`,
    `sys.modules["utils.checks"]` and `utils.__dict__["checks"]` -> `utils.checks`), if any; a call in
    the chain reads as `()`."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, bound)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Call):
        base = _resolve(node.func, bound)
        return f"{base}()" if base else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        base = _resolve(node.value, bound) or ""
        if base == "sys.modules" or base.endswith(".sys.modules"):
            return node.slice.value
        if base.endswith(".__dict__"):
            return f"{base.removesuffix('.__dict__')}.{node.slice.value}"
    return None


def _tail(owner: str) -> str:
    """`sys` for `sys` and for `os.sys`: the module an owner ends in."""
    return owner.rsplit(".", 1)[-1]


class _ConstantNames(ast.NodeTransformer):
    """`getattr(x, "name")` read as `x.name`: what it reaches is then read like any attribute."""

    def visit_Call(self, node):
        self.generic_visit(node)
        if (isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) == 2 and not node.keywords
                and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
                and node.args[1].value.isidentifier()):
            return ast.copy_location(ast.Attribute(value=node.args[0], attr=node.args[1].value, ctx=ast.Load()), node)
        return node


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
        return _ConstantNames().visit(ast.parse(python_source(source)))
    except SyntaxError:
        return None  # it cannot have run either


def findings(student_cells: dict[str, str], course_code: list[str] = ()) -> list[Finding]:
    """What the student's cells (name -> source) do to the grading. `course_code` (the given and test
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
    imports.aliases([tree for tree in trees.values() if tree is not None])
    found = []
    for name, tree in trees.items():
        if tree is None:
            continue
        reader = _Reader(imports.bound, name, imports.aliased)
        for node in ast.walk(tree):  # each node knows its parent: `sys.settrace(f)` is one finding, not two
            for child in ast.iter_child_nodes(node):
                child.parent = node
        reader.visit(tree)
        found += reader.found
    return list(dict.fromkeys(found))


def _source(cell: dict) -> str:
    return "".join(cell.get("source", ""))


def _nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def course_cells(source_notebook: dict) -> set[str]:
    """The sources of the course's own code cells (given and test cells, hidden tests included) in the
    instructor's notebook: what autograding puts back. Every other code cell is the student's, whatever
    its metadata says."""
    return {_source(c).strip() for c in source_notebook.get("cells", [])
            if c.get("cell_type") == "code" and not _nbgrader(c).get("solution")}


def notebook_findings(notebook: dict, course: set[str]) -> list[Finding]:
    """Findings of the notebook's code cells that are not the course's own (:func:`course_cells`)."""
    code = [c for c in notebook.get("cells", []) if c.get("cell_type") == "code"]
    student, given = {}, []
    for index, cell in enumerate(code, start=1):
        if _source(cell).strip() in course:
            given.append(_source(cell))
            continue
        grade_id = _nbgrader(cell).get("grade_id")
        student[f"cell {grade_id}" if grade_id else f"an added cell (code cell {index})"] = _source(cell)
    return findings(student, given)


#: nbgrader's flags of a cell, which the release sets and a student has no reason to change.
FLAGS = ("grade", "solution", "locked", "task", "points", "grade_id")


def metadata_findings(submitted: dict, release: dict) -> list[Finding]:
    """The student's edits to nbgrader's metadata: a flag of a release cell changed, or a cell the release
    does not have that carries nbgrader metadata."""
    released = {_nbgrader(c).get("grade_id"): _nbgrader(c) for c in release.get("cells", []) if _nbgrader(c)}
    found = []
    for index, cell in enumerate(submitted.get("cells", []), start=1):
        meta = _nbgrader(cell)
        if not meta:
            continue
        grade_id = meta.get("grade_id")
        if grade_id not in released:
            found.append(Finding(METADATA, f"an added cell (cell {index})", 0,
                                 f"carries nbgrader metadata the release does not have (grade_id {grade_id!r})"))
            continue
        edits = [f"{flag} {released[grade_id].get(flag)!r} -> {meta.get(flag)!r}" for flag in FLAGS
                 if flag in meta and meta.get(flag) != released[grade_id].get(flag)]
        if edits:
            found.append(Finding(METADATA, f"cell {grade_id}", 0, "nbgrader metadata edited: " + ", ".join(edits)))
    return found


#: What a submission may hold besides the release's files: the agent notebook 04 saves, the time nbgrader's
#: submit writes, and what nbgrader leaves out of submissions anyway (CourseDirectory.ignore in nbgrader_config.py).
HANDED_IN = ("my_agent", "timestamp.txt")


def extra_files(folder: Path, release: Path, ignored: tuple[str, ...] = ()) -> list[Finding]:
    """Files handed in beside the notebook that the course did not ask for (never importable when graded),
    and what their Python code does to the grading, read like a cell."""
    import fnmatch

    expected = {p.relative_to(release).as_posix() for p in release.rglob("*")} if release.is_dir() else set()
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        parts = relative.parts
        if (relative.as_posix() in expected or parts[0] in HANDED_IN or path.is_dir()
                or any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in ignored)):
            continue
        found.append(Finding(EXTRA_FILE, relative.as_posix(), 0,
                             "handed in beside the notebook; the course did not ask for it, and grading never "
                             "imports it"))
        if path.suffix == ".py":  # what it would do if a student's kernel imported it
            try:
                found += findings({relative.as_posix(): path.read_text(errors="replace")})
            except (OSError, ValueError):
                pass
    return found


def _notebook(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def submissions_to_review(root: Path, assignments: list[str]) -> dict[tuple[str, str], list[str]]:
    """{(student, notebook path relative to autograded/): findings, tampering first} for every autograded
    notebook of the course at `root`: its code read against the course's own cells (the source folder,
    solutions/), its metadata and its folder against the release (notebooks/)."""
    from .apps import course_config

    settings = (course_config(root) or {}).get("CourseDirectory", {})
    source, release = settings.get("source_directory", "source"), settings.get("release_directory", "release")
    ignored = tuple(settings.get("ignore", ()))
    review = {}
    order = {TAMPERS: 0, METADATA: 1, UNREADABLE: 2, EXTRA_FILE: 3}
    autograded = root / "autograded"
    for notebook_path in sorted(autograded.glob("*/*/*.ipynb")):
        student, assignment = notebook_path.parent.parent.name, notebook_path.parent.name
        if assignment not in assignments:
            continue
        notebook = _notebook(notebook_path)
        if notebook is None:
            continue
        name = notebook_path.name
        course = course_cells(_notebook(root / source / assignment / name) or {})
        found = notebook_findings(notebook, course)
        submitted = root / "submitted" / student / assignment
        released = _notebook(root / release / assignment / name)
        handed_in = _notebook(submitted / name)
        if released is not None and handed_in is not None:
            found += metadata_findings(handed_in, released)
        if submitted.is_dir():
            found += extra_files(submitted, root / release / assignment, ignored)
        found = sorted(dict.fromkeys(found), key=lambda f: (order[f.kind], f.cell, f.line))
        if found:
            review[(student, notebook_path.relative_to(autograded).as_posix())] = [str(f) for f in found]
    return review
