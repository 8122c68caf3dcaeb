"""What must match between two runs of a notebook: its outputs, without the parts that are only labels.

Two executions of the same notebook with the same parameters must show the same figures, whether
they ran in a fresh kernel or in a warm `stpkit reports` worker. `figures` reduces an executed
notebook to its cells' outputs and drops or renumbers what legitimately differs between runs:
execution timestamps and durations, cell ids, widget model ids, the random element ids Altair puts
in HTML charts, vl-convert's SVG id counter (clip1, clip2 ... keeps counting within a process), and
how a kernel happened to split a stream into messages. Everything else, every digit included, must
be equal; `differences` lists the cells where it is not.
"""

from __future__ import annotations

import re

_ALTAIR_ID = re.compile(r"altair-viz-[0-9a-f]{32}")
_MODEL_ID = re.compile(r'"model_id":\s*"[0-9a-f]{32}"')
_CELL_FILE = re.compile(r"ipykernel_\d+")  # a kernel's cell files are named after its process id
_SVG_ID = re.compile(r'(\bid=")([^"]+)(")|(url\(#)([^)"\']+)(\))|((?:xlink:)?href="#)([^"]+)(")')


def renumber_svg_ids(svg: str, prefix: str = "svg") -> str:
    """SVG ids renamed in order of first appearance (prefix-1, prefix-2 ...), references kept in step."""
    names: dict[str, str] = {}

    def new_name(old: str) -> str:
        if old not in names:
            names[old] = f"{prefix}-{len(names) + 1}"
        return names[old]

    def swap(match: re.Match) -> str:
        if match.group(1):
            return f"{match.group(1)}{new_name(match.group(2))}{match.group(3)}"
        if match.group(4):
            return f"{match.group(4)}{new_name(match.group(5))}{match.group(6)}"
        return f"{match.group(7)}{new_name(match.group(8))}{match.group(9)}"

    return _SVG_ID.sub(swap, svg)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _data(data: dict) -> dict:
    result = {}
    for mime, value in data.items():
        if mime == "application/vnd.jupyter.widget-view+json":
            result[mime] = "<widget>"
            continue
        if isinstance(value, (dict, list)) and not mime.startswith("text/") and not mime.startswith("image/svg"):
            result[mime] = value
            continue
        text = _text(value)
        if mime == "image/svg+xml" or (mime == "text/html" and "<svg" in text):
            text = renumber_svg_ids(text)
        text = _ALTAIR_ID.sub("altair-viz-<id>", text)
        text = _MODEL_ID.sub('"model_id": "<id>"', text)
        if mime == "text/plain":
            text = re.sub(r" at 0x[0-9a-f]+>", " at 0x<address>>", text)
        result[mime] = text
    return result


def outputs(cell) -> list:
    """A cell's outputs, normalised (consecutive streams of the same name joined)."""
    result = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            if result and result[-1][0] == "stream" and result[-1][1] == output["name"]:
                text = _CELL_FILE.sub("ipykernel", _text(output["text"]))
                result[-1] = ("stream", output["name"], result[-1][2] + text)
            else:
                result.append(("stream", output["name"], _CELL_FILE.sub("ipykernel", _text(output["text"]))))
        elif kind == "display_data":
            result.append((kind, _data(output.get("data", {})), output.get("metadata", {})))
        elif kind == "execute_result":
            result.append((kind, _data(output.get("data", {})), output.get("metadata", {}),
                           output.get("execution_count")))
        elif kind == "error":
            result.append(("error", output.get("ename"), output.get("evalue")))
    return result


def figures(nb) -> list:
    """Every code cell's source and normalised outputs, in order."""
    return [(cell.get("source"), cell.get("execution_count"), outputs(cell))
            for cell in nb.get("cells", []) if cell.get("cell_type") == "code"]


def differences(first, second) -> list[str]:
    """One line per cell whose outputs differ between two executed notebooks (empty when they match)."""
    a, b = figures(first), figures(second)
    lines = []
    if len(a) != len(b):
        lines.append(f"{len(a)} code cells against {len(b)}")
    for index, (left, right) in enumerate(zip(a, b)):
        if left != right:
            lines.append(f"code cell {index}: {str(left)[:300]!r} != {str(right)[:300]!r}")
    return lines
