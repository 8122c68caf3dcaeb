"""Run a notebook inside this process, in a fresh namespace each time: the fast path of `stpkit reports`.

A Jupyter kernel costs a process start and the imports of pandas, Altair and stpkit on every run
(about a second here before any work). This engine keeps one IPython shell per process and, for
every run, empties its namespace and puts back the process-wide settings a notebook can change:
pandas and NumPy display options, Altair's renderers, data transformers and themes, IPython's
display formatters, warning filters (and the once-only warning registries), environment variables,
the working directory, `sys.path` and `__main__`. A run therefore starts from what a fresh kernel
would give it, with the libraries already imported; and afterwards the process gets back the
settings it had before the run (so a host such as a test session is left as it was).

Outputs are captured the way ipykernel sends them (streams, display data with display ids and
updates, clear_output, execute results, errors; data JSON-cleaned as on the wire), and papermill's
own functions parameterise the notebook and record their metadata, so the executed notebook is the
one `papermill` would have written. `execute_in_kernel` runs the same notebook through real
papermill with a fresh kernel: the tests compare the two.

What cannot be put back is the state of arbitrary modules a notebook changes on purpose (for
example a notebook that edits a dictionary inside stpkit). stpkit's notebooks do not; the tests
check that a locality's report is the same whether it runs alone in a fresh kernel or after
another locality in the same process. vl-convert's internal SVG id counter also keeps counting
across runs (`clip1`, `clip2` ...): those ids are labels, not figures, and the HTML export
renumbers them per chart (`stpkit.report.export`). Chart drawings are remembered by spec within
a process (`_remember_svg_renders`): a chart that is the same for every locality is drawn once.

One process runs one notebook at a time (a lock), so threads of a Dask worker queue up.
"""

from __future__ import annotations

import builtins
import copy
import json
import os
import sys
import threading
import time
import warnings
from dataclasses import dataclass

import nbformat

ENGINE_NAME = "stpkit-inprocess"
_LOCK = threading.RLock()
_STATE: "_ProcessState | None" = None


@dataclass
class RunResult:
    """An executed notebook and, when a cell failed, what went wrong."""

    nb: nbformat.NotebookNode
    error: dict | None = None  # {"ename", "evalue", "cell", "traceback"} of the first failing cell
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


# ---------------------------------------------------------------------------------------------
# Output capture (what ipykernel would send, as nbclient would store it)


def _wire(value):
    """A value as it comes out of a kernel message: JSON-cleaned, images base64, through json."""
    from ipykernel.jsonutil import encode_images, json_clean
    from jupyter_client.jsonutil import json_default

    return json.loads(json.dumps(json_clean(encode_images(value)), default=json_default))


def _output(output_type: str, **fields) -> nbformat.NotebookNode:
    """An output as nbformat.v4.new_output makes it, less its schema check on every output (about 5 ms
    each, with display data: the notebook is checked whole where papermill checks it)."""
    node = nbformat.NotebookNode(output_type=output_type)
    if output_type in ("display_data", "execute_result"):
        node["data"] = nbformat.from_dict(fields.pop("data", {}))
        node["metadata"] = nbformat.from_dict(fields.pop("metadata", {}))
    node.update(fields)
    return node


class _Cell:
    """Collects the outputs of the cell being run."""

    def __init__(self, outputs: list):
        self.outputs = outputs
        self.clear_pending = False
        self.display_ids: dict[str, list[int]] = {}

    def _add(self, output) -> None:
        if self.clear_pending:
            self.outputs[:] = []
            self.display_ids.clear()
            self.clear_pending = False
        self.outputs.append(output)

    def stream(self, name: str, text: str) -> None:
        if self.clear_pending:
            self._add(_output("stream", name=name, text=text))
            return
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last.get("output_type") == "stream" and last.get("name") == name:
            last["text"] += text
        else:
            self._add(_output("stream", name=name, text=text))

    def display(self, data, metadata, transient, update: bool) -> None:
        data = _wire(data)
        metadata = _wire(metadata or {})
        display_id = (transient or {}).get("display_id")
        if update:
            for index in self.display_ids.get(display_id, []):
                self.outputs[index]["data"] = data
                self.outputs[index]["metadata"] = metadata
            return
        self._add(_output("display_data", data=data, metadata=metadata))
        if display_id:
            self.display_ids.setdefault(display_id, []).append(len(self.outputs) - 1)

    def result(self, data, metadata, execution_count: int) -> None:
        self._add(_output("execute_result", data=_wire(data), metadata=_wire(metadata or {}),
                          execution_count=execution_count))

    def error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        self._add(_output("error", ename=ename, evalue=evalue, traceback=list(traceback)))

    def clear(self, wait: bool) -> None:
        if wait:
            self.clear_pending = True
        else:
            self.outputs[:] = []
            self.display_ids.clear()


class _Stream:
    """sys.stdout / sys.stderr while a cell runs: every write becomes a stream output."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, name: str):
        self.name = name

    def write(self, text) -> int:
        if not isinstance(text, str):
            text = text.decode("utf-8", "replace")
        cell = _STATE.cell if _STATE is not None else None
        if cell is not None and text:
            cell.stream(self.name, text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("a notebook's output stream has no file descriptor")

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


# ---------------------------------------------------------------------------------------------
# The process-wide shell and the settings put back before every run


def _altair_registries() -> list:
    """Every Altair plugin registry (renderers, data transformers, themes ...) loaded so far."""
    try:
        from altair.utils.plugin_registry import PluginRegistry
    except ImportError:
        return []
    found = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith("altair") or module is None:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, PluginRegistry):
                found[id(value)] = value
    return list(found.values())


def _shell_classes():
    """IPython classes whose display and error hooks feed the cell being run."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Type

    def current() -> "_Cell | None":
        return _STATE.cell if _STATE is not None else None

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            if (cell := current()) is not None:
                cell.display(data, metadata, transient, update)

        def clear_output(self, wait=False):
            if (cell := current()) is not None:
                cell.clear(wait)

    class Hook(DisplayHook):
        def start_displayhook(self):
            pass

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            if (cell := current()) is not None and format_dict:
                cell.result(format_dict, md_dict, self.prompt_count)

        def finish_displayhook(self):
            pass

        def flush(self):
            """IPython's flush of the output cache, less its gc.collect (0.1 s a time with Altair loaded)."""
            for n in range(1, self.prompt_count + 1):
                self.shell.user_ns_hidden.pop(f"_{n}", None)
                self.shell.user_ns.pop(f"_{n}", None)
            output_history = self.shell.user_ns.get("_oh")
            if output_history is not None:
                output_history.clear()
            self._, self.__, self.___ = "", "", ""
            if "_" not in builtins.__dict__:
                self.shell.user_ns.update({"_": self._, "__": self.__, "___": self.___})

    class Shell(InteractiveShell):
        displayhook_class = Type(Hook)
        display_pub_class = Type(Publisher)

        def _showtraceback(self, etype, evalue, stb):
            if (cell := current()) is not None:
                cell.error(str(etype.__name__), str(evalue), stb)

    return Shell


class _ProcessState:
    """The IPython shell of this process and a snapshot of the settings a fresh kernel starts with."""

    def __init__(self):
        from traitlets.config import Config

        self.cell: _Cell | None = None
        config = Config()
        config.HistoryManager.enabled = False
        config.HistoryManager.hist_file = ":memory:"
        main_module = sys.modules.get("__main__")
        from ipykernel.compiler import XCachingCompiler  # cell file names as in a kernel's tracebacks

        self.shell = _shell_classes().instance(config=config, compiler_class=XCachingCompiler)
        self.user_main = self.shell.user_module
        if main_module is not None:  # the shell put its own module there; it goes back only during runs
            sys.modules["__main__"] = main_module
        self.baseline = self.capture()  # what a fresh kernel has, imports done

    def capture(self) -> dict:
        """The process-wide settings as they are now."""
        import numpy as np
        import pandas as pd

        display = self.shell.display_formatter
        formatters = {mime: (dict(f.type_printers), dict(f.deferred_printers),
                             dict(getattr(f, "singleton_printers", {})), f.enabled)
                      for mime, f in display.formatters.items()}
        return {"pandas": copy.deepcopy(pd._config.config._global_config), "numpy_print": np.get_printoptions(),
                "numpy_err": np.geterr(), "altair": [(r, r._get_state()) for r in _altair_registries()],
                "active_types": list(display.active_types), "formatters": formatters}

    def apply(self, saved: dict) -> None:
        """Put back settings taken by `capture`."""
        import numpy as np

        np.set_printoptions(**saved["numpy_print"])
        np.seterr(**saved["numpy_err"])
        _set_pandas_options(saved["pandas"])
        for registry, state in saved["altair"]:
            registry._set_state({key: (value.copy() if isinstance(value, dict) else value)
                                 for key, value in state.items()})
        display = self.shell.display_formatter
        display.active_types = list(saved["active_types"])
        for mime, formatter in display.formatters.items():
            if mime in saved["formatters"]:
                types, deferred, singletons, enabled = saved["formatters"][mime]
                formatter.type_printers = dict(types)
                formatter.deferred_printers = dict(deferred)
                if hasattr(formatter, "singleton_printers"):
                    formatter.singleton_printers = dict(singletons)
                formatter.enabled = enabled

    def restore(self) -> None:
        """A fresh kernel's settings and an empty namespace, for the next run."""
        self.apply(self.baseline)
        self.shell.reset(new_session=True)
        self.shell.execution_count = 1


def _set_pandas_options(saved: dict) -> None:
    import pandas as pd

    current = pd._config.config._global_config
    current.clear()
    current.update(copy.deepcopy(saved))


def _remember_svg_renders(size: int = 256) -> None:
    """Make vl-convert's SVG renderer remember its last `size` drawings, by spec.

    Drawing a chart is a pure function of its spec, and the slowest step of most reports (0.2-1 s a
    chart here); many charts are the same for every locality (the footprint's investment phasing,
    the Rose calculator ...). A remembered drawing is the same drawing, except vl-convert's own
    id counter (clip1, clip2 ...), which the HTML export renumbers anyway. The tests check that
    reports made this way equal a fresh kernel's byte for byte.
    """
    try:
        import vl_convert
    except ImportError:  # pragma: no cover - vl-convert is a dependency
        return
    original = vl_convert.vegalite_to_svg
    if getattr(original, "_stpkit_remembers", False):
        return
    import functools
    import hashlib
    from collections import OrderedDict

    drawn: OrderedDict = OrderedDict()
    guard = threading.Lock()

    @functools.wraps(original)
    def vegalite_to_svg(vl_spec, *args, **kwargs):
        try:
            key = hashlib.sha256(json.dumps([vl_spec, args, kwargs]).encode()).hexdigest()
        except (TypeError, ValueError):
            return original(vl_spec, *args, **kwargs)
        with guard:
            if key in drawn:
                drawn.move_to_end(key)
                return drawn[key]
        svg = original(vl_spec, *args, **kwargs)
        with guard:
            drawn[key] = svg
            while len(drawn) > size:
                drawn.popitem(last=False)
        return svg

    vegalite_to_svg._stpkit_remembers = True
    vl_convert.vegalite_to_svg = vegalite_to_svg


def process_state() -> _ProcessState:
    """This process's shell, created on first use (after the imports it should take as given)."""
    global _STATE
    with _LOCK:
        if _STATE is None:
            import altair  # noqa: F401  (imported before the snapshot, as a kernel's notebook would)
            import numpy  # noqa: F401
            import pandas  # noqa: F401

            _STATE = _ProcessState()
            _remember_svg_renders()
        return _STATE


# ---------------------------------------------------------------------------------------------
# Running cells


def _show_warning(message) -> None:
    """Python's own way of showing a warning (on sys.stderr, here the running cell's stderr)."""
    stream = message.file if message.file is not None else sys.stderr
    if stream is None:
        return
    try:
        stream.write(warnings._formatwarnmsg_impl(message))
    except OSError:
        pass


def _language_info() -> dict:
    """What ipykernel reports as language_info (nbclient stores it in the notebook)."""
    from ipykernel.ipkernel import IPythonKernel

    return copy.deepcopy(IPythonKernel.language_info)


def _run_cells(nb_man) -> None:
    """Execute every code cell of nb_man.nb in the shell, as nbclient does with a kernel."""
    state = process_state()
    shell = state.shell
    nb = nb_man.nb
    for index, cell in enumerate(nb.cells):
        failed = False
        try:
            nb_man.cell_start(cell, index)
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            if "skip-execution" in cell.metadata.get("tags", []):
                continue
            cell.outputs = []
            state.cell = _Cell(cell.outputs)
            cell.execution_count = shell.execution_count
            try:
                result = shell.run_cell(cell.source, store_history=True)
            finally:
                state.cell = None
            if not result.success and "raises-exception" not in cell.metadata.get("tags", []):
                failed = True
                nb_man.cell_exception(nb.cells[index], cell_index=index)
        finally:
            nb_man.cell_complete(nb.cells[index], cell_index=index)
        if failed:
            break
    nb.metadata["language_info"] = _language_info()


def _register_engine() -> None:
    from papermill.engines import Engine, papermill_engines

    class InProcessEngine(Engine):
        """papermill engine: cells run in this process's shell (see stpkit.report.engine)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            _run_cells(nb_man)

    papermill_engines.register(ENGINE_NAME, InProcessEngine)


def _prepare(notebook, parameters: dict, input_path: str | None):
    """A parameterised copy of the notebook, exactly as papermill prepares it."""
    from papermill.execute import prepare_notebook_metadata, remove_error_markers
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    if not isinstance(notebook, nbformat.NotebookNode):
        notebook = nbformat.reads(notebook if isinstance(notebook, str) else json.dumps(notebook), as_version=4)
    nb = load_notebook_node(notebook)  # a copy, with papermill's metadata defaults
    if parameters:  # as papermill: no injected cell without parameters
        nb = parameterize_notebook(nb, parameters, report_mode=False, engine_name=ENGINE_NAME)
    for cell in nb.cells:  # a stable id for the injected cell, so reruns give the same file
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    nb = prepare_notebook_metadata(nb, input_path, None)
    return remove_error_markers(nb)


def execute(notebook, parameters: dict, *, env: dict | None = None, input_path: str | None = None,
            cwd: str | None = None) -> RunResult:
    """Run a notebook (a NotebookNode, its JSON text or dict) with papermill parameters, in this process.

    env: environment variables set for the run only (e.g. STPKIT_DISCLOSURE). cwd: the working
    directory for the run (default: unchanged). Never raises for an error inside the notebook: the
    executed notebook comes back with the error marked as papermill marks it, and `error` set.
    """
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import raise_for_execution_errors

    start = time.perf_counter()
    with _LOCK:
        state = process_state()
        if ENGINE_NAME not in papermill_engines._engines:
            _register_engine()
        nb = _prepare(notebook, parameters, input_path)
        saved_env = dict(os.environ)
        saved_cwd = os.getcwd()
        saved_path = list(sys.path)
        saved_main = sys.modules.get("__main__")
        saved_out, saved_err = sys.stdout, sys.stderr
        host = state.capture()  # the process is left as it was found (the tests run notebooks in pytest's)
        try:
            state.restore()
            os.environ.update({key: str(value) for key, value in (env or {}).items()})
            if cwd:
                os.chdir(cwd)
            sys.modules["__main__"] = state.user_main
            sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")
            with warnings.catch_warnings():  # resets the once-only registries, restores filters after
                warnings.showwarning = warnings._showwarning_orig  # printed to the notebook's stderr, as in a kernel,
                warnings._showwarnmsg_impl = _show_warning  # even where a host (pytest) records warnings instead
                nb = papermill_engines.execute_notebook_with_engine(
                    ENGINE_NAME, nb, kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
                    input_path=input_path, output_path=None, progress_bar=False, log_output=False)
        finally:
            sys.stdout, sys.stderr = saved_out, saved_err
            if saved_main is not None:
                sys.modules["__main__"] = saved_main
            sys.path[:] = saved_path
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
            state.apply(host)
            state.shell.reset(new_session=True)  # let go of the run's objects now, not at the next run
        error = None
        try:
            raise_for_execution_errors(nb, None)  # papermill's verdict; on failure it adds its marker cells
        except PapermillExecutionError as failure:
            error = {"ename": failure.ename, "evalue": failure.evalue, "cell": failure.cell_index,
                     "execution_count": failure.exec_count, "traceback": list(failure.traceback)}
    return RunResult(nb=nb, error=error, seconds=time.perf_counter() - start)


def execute_in_kernel(notebook_path: str, parameters: dict, *, env: dict | None = None,
                      kernel_name: str | None = None) -> RunResult:
    """Run a notebook through real papermill with a fresh kernel (the plain way; for tests and benchmarks)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    import tempfile

    start = time.perf_counter()
    saved_env = dict(os.environ)
    os.environ.update({key: str(value) for key, value in (env or {}).items()})
    with tempfile.TemporaryDirectory(prefix="stpkit-kernel-") as folder:
        output = os.path.join(folder, "executed.ipynb")  # papermill writes a failed notebook only to a file
        try:
            nb = papermill.execute_notebook(str(notebook_path), output, parameters=parameters,
                                            kernel_name=kernel_name, progress_bar=False, log_output=False)
            error = None
        except PapermillExecutionError as failure:
            nb = nbformat.read(output, as_version=4)
            error = {"ename": failure.ename, "evalue": failure.evalue, "cell": failure.cell_index,
                     "execution_count": failure.exec_count, "traceback": list(failure.traceback)}
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
    return RunResult(nb=nb, error=error, seconds=time.perf_counter() - start)
