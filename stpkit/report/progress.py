"""The progress bar of `stpkit reports`: localities done, reports done, failures and time left.

Drawn on one terminal line, redrawn at most ten times a second; silent when the output is not a
terminal (a log file or CI gets the final summary only). Messages (a failed report) are printed
above the bar so they stay on screen.
"""

from __future__ import annotations

import shutil
import sys
import time


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class Progress:
    """A progress bar over `total` reports for `localities` localities (each with `per_locality` reports)."""

    def __init__(self, total: int, localities: int, per_locality: int, *, stream=None, enabled: bool | None = None,
                 already: int = 0):
        self.stream = stream or sys.stdout
        if enabled is None:
            enabled = self.stream.isatty() if hasattr(self.stream, "isatty") else False
        self.enabled = enabled
        self.total, self.localities, self.per_locality = total, localities, max(per_locality, 1)
        self.already = already  # reports that were up to date and not run again
        self.done = self.failed = 0
        self.by_locality: dict[str, int] = {}
        self.start = time.monotonic()
        self._last = 0.0
        self._shown = False

    def locality_done_count(self) -> int:
        return sum(1 for count in self.by_locality.values() if count >= self.per_locality)

    def already_done(self, locality: str) -> None:
        """Count a report that was up to date (not run again) towards its locality."""
        self.by_locality[locality] = self.by_locality.get(locality, 0) + 1

    def advance(self, locality: str, failed: bool = False) -> None:
        self.done += 1
        self.failed += int(failed)
        self.by_locality[locality] = self.by_locality.get(locality, 0) + 1
        self.draw()

    def text(self, width: int = 100) -> str:
        to_run = self.total - self.already
        elapsed = time.monotonic() - self.start
        if self.done:
            left = f"{_clock(elapsed / self.done * (to_run - self.done))} left"
        else:
            left = "time left: estimating"
        finished = self.done + self.already
        fraction = finished / self.total if self.total else 1.0
        parts = (f" {self.locality_done_count()}/{self.localities} localities, {finished}/{self.total} reports, "
                 f"{self.failed} failed, {left}")
        bar_width = max(10, min(40, width - len(parts) - 3))
        filled = int(round(fraction * bar_width))
        return f"[{'#' * filled}{'.' * (bar_width - filled)}]{parts}"

    def draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1 and self.done < self.total - self.already:
            return
        self._last = now
        width = shutil.get_terminal_size((100, 20)).columns
        self.stream.write("\r\x1b[2K" + self.text(width)[: width - 1])
        self.stream.flush()
        self._shown = True

    def message(self, line: str, stream=None) -> None:
        """Print a line above the bar (to `stream`, default the bar's own)."""
        out = stream or self.stream
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
        out.write(line + "\n")
        out.flush()
        if self.enabled and self._shown:
            self.draw(force=True)

    def close(self) -> None:
        if self.enabled and self._shown:
            self.draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
