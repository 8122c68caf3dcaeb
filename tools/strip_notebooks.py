"""Keep committed notebooks clean: no outputs, no execution counts, a kernel, and a `parameters` cell.

    python tools/strip_notebooks.py               strip every notebook in notebooks/ in place
    python tools/strip_notebooks.py --check       list what is wrong and exit 1 (what the tests run)
    python tools/strip_notebooks.py PATH ...      only these notebooks

Stripping removes outputs, execution counts and run metadata (papermill's, widget state, cell
timings) but keeps cell tags, so the `parameters` tag papermill needs survives. The check also
wants what papermill and Voila need: metadata.kernelspec and metadata.language_info, and a first
code cell tagged `parameters` that only assigns plain values (nothing derived from other names).
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info", "title")
KEEP_CELL_METADATA = ("tags", "jupyter", "editable", "deletable", "slideshow")


def stripped(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the notebook without outputs, execution counts or run metadata."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.metadata = nbformat.from_dict({k: v for k, v in nb.metadata.items() if k in KEEP_NOTEBOOK_METADATA})
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA})
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def _literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def parameter_problems(source: str) -> list[str]:
    """What is wrong with a parameters cell: anything but `name = <plain value>` lines."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return [f"parameters cell does not parse: {error}"]
    problems = []
    for statement in tree.body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name) and _literal(statement.value)):
            line = ast.get_source_segment(source, statement) or ""
            problems.append(f"parameters cell line {statement.lineno} is not a plain value: {line.strip()[:60]}")
    if not tree.body:
        problems.append("parameters cell is empty")
    return problems


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """Everything that stops a notebook from being committed as it is."""
    found = []
    if not nb.metadata.get("kernelspec", {}).get("name"):
        found.append("no metadata.kernelspec (papermill: 'No kernel name found in notebook')")
    if not nb.metadata.get("language_info", {}).get("name"):
        found.append("no metadata.language_info (papermill: 'No language found')")
    for key in ("widgets", "papermill"):
        if key in nb.metadata:
            found.append(f"run metadata left in the notebook: metadata.{key}")
    code = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {i} has outputs")
        if cell.get("execution_count") is not None:
            found.append(f"cell {i} has an execution count")
    if not code:
        found.append("no code cell")
    else:
        first = code[0]
        if "parameters" not in first.metadata.get("tags", []):
            found.append("the first code cell is not tagged 'parameters'")
        else:
            found += parameter_problems(first.source)
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        if len(tagged) > 1:
            found.append("more than one cell is tagged 'parameters'")
        if any("injected-parameters" in c.metadata.get("tags", []) for c in code):
            found.append("a papermill 'injected-parameters' cell was committed")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)")
    parser.add_argument("--check", action="store_true", help="change nothing; list problems and exit 1 if any")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOKS.glob("*.ipynb"))
    failed = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if args.check:
            found = problems(nb)
            for problem in found:
                print(f"{path}: {problem}")
            failed += bool(found)
            continue
        clean = stripped(nb)
        text = nbformat.writes(clean) + "\n"
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"stripped {path}")
        rest = [p for p in problems(clean) if "output" not in p and "execution count" not in p]
        for problem in rest:
            print(f"{path}: {problem}")
        failed += bool(rest)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
