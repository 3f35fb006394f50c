"""Progress for long work called from a cell: a tqdm.auto bar that shows up only when the wait is long.

A function that can take more than a couple of seconds at full size (a bias-variance
sweep, a comparison of splits) takes ``progress``:

- ``None`` (the default): a bar appears once the work has run :data:`SHOW_AFTER_S`
  seconds, so a quick call, or a lab in fast mode, prints nothing;
- ``True``: a bar from the start; ``False``: never a bar;
- a function ``progress(i, n)``: called before step ``i`` of ``n`` (``i`` from 0),
  for a caller that shows progress its own way.

tqdm.auto draws a widget in a notebook and text on stderr elsewhere. A panel never
shows a bar in its output: it drives the work step by step and writes its status line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

__all__ = ["SHOW_AFTER_S", "check_progress", "steps"]

SHOW_AFTER_S = 2.0  # a wait shorter than this needs no bar


def check_progress(progress) -> bool | Callable | None:
    """``progress`` as given, if it is None, True, False or a function ``(i, n)``; else a TypeError."""
    if progress is None or isinstance(progress, bool) or callable(progress):
        return progress
    raise TypeError(f"progress must be True, False, None (a bar once the work has run {SHOW_AFTER_S:g} s)"
                    f" or a function progress(i, n); got {progress!r}")


def steps(n: int, *, progress=None, desc: str | None = None) -> Iterator[int]:
    """``range(n)``, reporting each step as ``progress`` says (see the module docstring)."""
    progress = check_progress(progress)
    if callable(progress):
        return _calling(progress, n)
    from tqdm.auto import tqdm  # here, not at import: tqdm.auto picks the notebook bar when a kernel runs

    delay = 0.0 if progress else SHOW_AFTER_S
    return iter(tqdm(range(n), desc=desc, disable=progress is False, delay=delay, leave=False))


def _calling(progress: Callable, n: int) -> Iterator[int]:
    for i in range(n):
        progress(i, n)
        yield i
