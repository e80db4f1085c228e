"""The kernel autograding runs: ipykernel's, except that every test cell runs as the course wrote it.

A student's cells run in the same kernel as the tests, before them. Whatever they change in
the kernel (IPython's input and AST transformers, its exception handlers and events, the
interpreter's trace and import hooks, the course's helpers, NumPy's and the builtins'
functions), and by whatever route (``get_ipython()``, ``sys.modules``, the garbage collector,
an alias, ``__dict__``, a module handed in beside the notebook, a function that a test calls),
is put back before each test cell runs; a thread running the student's code, which could
change it again while the test runs, is stopped first. :class:`GradingKernel` takes its snapshot when the
kernel starts, before any cell: it imports the course's helpers then, so the tests' imports
find them as they were.

The grader starts it with ``--IPKernelApp.kernel_class=dqn_grading_kernel.GradingKernel``,
with this folder alone on ``PYTHONPATH`` and ``PYTHONSAFEPATH=1``: neither Python nor IPython
puts the notebook's folder on ``sys.path``, so nothing handed in beside the notebook can be
imported (``grading/sandbox.py`` and ``nbgrader_config.py``). The grader marks each test
cell with :data:`TEST_CELL` as its first line.

This module must not import the course's ``grading`` package: inside the sandbox only this
folder is visible.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import sys
import sysconfig
import threading
import types

from ipykernel.ipkernel import IPythonKernel

__all__ = ["COURSE_PACKAGE", "GUARDED_MODULES", "SHELL_HOOKS", "TEST_CELL", "GradingKernel", "Pristine"]

#: The first line of every test cell the grader sends.
TEST_CELL = "# a test cell of the course, run as the course wrote it\n"
COURSE_PACKAGE = "utils"
#: Course modules imported at start-up (all but the one that loads TensorFlow, which no test imports).
COURSE_MODULES = ("utils", "utils.buffer", "utils.checks", "utils.display", "utils.envs", "utils.exercises",
                  "utils.fastmode", "utils.fixtures", "utils.networks", "utils.quiet", "utils.stubs")
#: Libraries whose functions the tests call, put back as they were (others are left to the review).
GUARDED_MODULES = ("builtins", "numpy", "numpy.testing", "random", "math", "operator", "functools")
#: Attributes of IPython's shell and kernel that change how a cell runs or is shown.
SHELL_HOOKS = (
    "input_transformers_post", "input_transformer_manager", "ast_transformers", "set_custom_exc",
    "custom_exceptions", "CustomTB", "showtraceback", "_showtraceback", "showsyntaxerror", "showindentationerror",
    "InteractiveTB", "SyntaxTB", "events", "display_formatter", "displayhook", "display_pub", "display_trap",
    "builtin_trap", "run_cell", "run_cell_async", "_run_cell", "run_ast_nodes", "run_code", "transform_cell",
    "transform_ast", "should_run_async", "excepthook", "compile", "hooks", "ExecutionResult", "do_execute",
    "execute_request", "shell_handlers", "dispatch_shell", "_publish_execute_input", "_forward_input",
    "magics_manager", "prefilter_manager", "get_exception_only", "_get_exc_info", "user_expressions",
)
_SYS_HOOKS = ("excepthook", "displayhook", "breakpointhook", "stdout", "stderr", "stdin")


def _library_roots() -> tuple[str, ...]:
    """Where installed libraries and the course's helpers live (not the standard library: its generic
    classes, such as types.SimpleNamespace, would let any function through)."""
    paths = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    utils = sys.modules.get(COURSE_PACKAGE)
    if utils is not None and getattr(utils, "__file__", None):
        paths.add(os.path.dirname(utils.__file__))
    return tuple(os.path.realpath(p) + os.sep for p in paths)


class Pristine:
    """The kernel as it was before any cell ran, and :meth:`restore` to put it back."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.shell = shell = kernel.shell
        for name in COURSE_MODULES + GUARDED_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a course without one of them: the rest is still guarded
                pass
        self.roots = _library_roots()
        # Code from these folders is not a student's: the installed libraries, the standard library, the course.
        self.trusted = tuple({os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
                             | set(self.roots))
        self.modules = {name: module for name, module in sys.modules.items()
                        if name in GUARDED_MODULES or name == COURSE_PACKAGE
                        or name.startswith(COURSE_PACKAGE + ".")}
        self.module_dicts = {name: dict(vars(module)) for name, module in self.modules.items()}
        self.functions = {}  # the course's functions and the methods of its classes: their insides
        self.classes = {}
        for name, module in self.modules.items():
            if name in GUARDED_MODULES:
                continue
            for value in vars(module).values():
                if isinstance(value, type) and value.__module__ == name:
                    self.classes[value] = dict(vars(value))
                    values = list(vars(value).values())
                else:
                    values = [value]
                for function in values:
                    function = getattr(function, "__func__", function)
                    if isinstance(function, types.FunctionType):
                        self.functions[function] = (function.__code__, function.__defaults__,
                                                    function.__kwdefaults__)
        for cls in (*type(shell).__mro__, *type(kernel).__mro__, *type(shell.events).__mro__):
            if cls is not object:
                self.classes[cls] = dict(vars(cls))
        self.instances = {obj: {name: vars(obj)[name] for name in SHELL_HOOKS if name in vars(obj)}
                          for obj in (shell, kernel)}
        self.lists = {
            "input_transformers_post": tuple(shell.input_transformers_post),
            "ast_transformers": tuple(shell.ast_transformers),
        }
        manager = shell.input_transformer_manager
        self.manager_lists = {name: tuple(getattr(manager, name)) for name in
                              ("cleanup_transforms", "line_transforms", "token_transformers")}
        self.manager_class = dict(vars(type(manager)))
        self.events = {event: list(callbacks) for event, callbacks in shell.events.callbacks.items()}
        self.events_dict = shell.events.callbacks
        self.sys = {name: getattr(sys, name) for name in _SYS_HOOKS}
        self.path = tuple(sys.path)
        self.meta_path = tuple(sys.meta_path)
        self.path_hooks = tuple(sys.path_hooks)

    def _installed(self, obj) -> bool:
        """Whether `obj` (a function, method or finder) is code of an installed library or the course's."""
        function = getattr(obj, "__func__", obj)
        code = getattr(function, "__code__", None)
        if code is not None:
            return os.path.realpath(code.co_filename).startswith(self.roots)
        cls = type(obj)
        module = sys.modules.get(getattr(cls, "__module__", ""))
        path = getattr(module, "__file__", None)
        return (path is not None and vars(module).get(cls.__name__) is cls
                and os.path.realpath(path).startswith(self.roots))

    def _kept(self, now, then) -> list:
        """`then`, and what libraries added to it since (a student's additions go)."""
        return [*then, *(item for item in now if item not in then and self._installed(item))]

    def stop_student_threads(self, wait: float = 0.5) -> None:
        """Stop every thread that runs a student's code (a frame of its stack is the notebook's), which could
        change what a test calls while the test runs: each gets SystemExit raised in it."""
        frames = sys._current_frames()
        stopped = []
        for thread in threading.enumerate():
            frame = frames.get(thread.ident)
            if thread is threading.current_thread() or frame is None:
                continue
            while frame is not None and os.path.realpath(frame.f_code.co_filename).startswith(self.trusted):
                frame = frame.f_back
            if frame is not None:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(SystemExit))
                stopped.append(thread)
        for thread in stopped:
            thread.join(wait / len(stopped))

    def restore(self) -> None:
        self.stop_student_threads()
        sys.settrace(None)
        sys.setprofile(None)
        threading.settrace(None)
        threading.setprofile(None)
        for name, value in self.sys.items():
            setattr(sys, name, value)
        sys.path[:] = self.path
        sys.meta_path[:] = self._kept(sys.meta_path, self.meta_path)
        sys.path_hooks[:] = self.path_hooks
        sys.path_importer_cache.clear()
        for cls, attributes in self.classes.items():
            _put_back(cls, attributes)
        for obj, attributes in self.instances.items():
            for name in SHELL_HOOKS:
                if name in attributes:
                    if vars(obj).get(name) is not attributes[name]:
                        vars(obj)[name] = attributes[name]
                elif name in vars(obj) and not isinstance(getattr(type(obj), name, None), property):
                    del vars(obj)[name]  # an instance attribute hiding a method of its class
        shell = self.shell
        for name, items in self.lists.items():
            current = getattr(shell, name)
            current[:] = items
        manager = shell.input_transformer_manager
        _put_back(type(manager), self.manager_class)
        for name, items in self.manager_lists.items():
            getattr(manager, name)[:] = items
        shell.events.callbacks = self.events_dict
        for event, callbacks in list(self.events_dict.items()):
            callbacks[:] = self._kept(callbacks, self.events.get(event, []))
        for name, module in self.modules.items():
            sys.modules[name] = module
            _put_back_module(module, self.module_dicts[name])
        for function, (code, defaults, kwdefaults) in self.functions.items():
            if function.__code__ is not code:
                function.__code__ = code
            function.__defaults__, function.__kwdefaults__ = defaults, kwdefaults


def _put_back(cls, attributes: dict) -> None:
    for name, value in attributes.items():
        if cls.__dict__.get(name, _MISSING) is not value:
            try:
                setattr(cls, name, value)
            except (AttributeError, TypeError):  # read-only attributes of a class (__dict__, __doc__ of a builtin)
                pass
    for name in set(cls.__dict__) - set(attributes):
        if name in SHELL_HOOKS:
            delattr(cls, name)


def _put_back_module(module, attributes: dict) -> None:
    namespace = vars(module)
    for name, value in attributes.items():
        if namespace.get(name, _MISSING) is not value:
            namespace[name] = value


_MISSING = object()


class GradingKernel(IPythonKernel):
    """ipykernel's kernel, which puts the kernel back as it started (:class:`Pristine`) before each test cell."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._pristine = Pristine(self)

    async def do_execute(self, code, silent, store_history=True, user_expressions=None, allow_stdin=False, *,
                         cell_meta=None, cell_id=None):
        if code.startswith(TEST_CELL):
            self._pristine.restore()
        return await super().do_execute(code, silent, store_history, user_expressions, allow_stdin,
                                        cell_meta=cell_meta, cell_id=cell_id)

