"""Export the logbook to TensorBoard, the viewer many practitioners already use.

:func:`export_tensorboard` writes each entry as one TensorBoard run: its curves as scalars
(one point per epoch), its configuration and final metrics on the HParams tab (so runs can
be sorted and filtered by their settings there), and its note and provenance as text. The
logbook stays the record; the event files are a view of it, made again at will.

TensorBoard is an optional extra (``pip install -e ".[tensorboard]"``; ``make install`` adds
it). Writing uses PyTorch's own ``torch.utils.tensorboard.SummaryWriter``; viewing is
``tensorboard --logdir <logdir>`` (or ``%load_ext tensorboard`` then ``%tensorboard --logdir
<logdir>`` in a notebook).
"""

from __future__ import annotations

import math
import pathlib

from labkit.logbook import Entry, Logbook, check_logbook, flatten_config

__all__ = ["export_tensorboard", "run_name"]

_MISSING = ("TensorBoard export needs the 'tensorboard' package, an optional extra of labkit: "
            "install it with  pip install -e \".[tensorboard]\"  from the project folder")


def run_name(entry: Entry) -> str:
    """The TensorBoard run (sub-folder) name of ``entry``: ``"0007-fit"`` for entry 7 of kind "fit"."""
    return f"{entry.id:04d}-{entry.kind}"


def _writer_class():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as error:  # torch raises this when the tensorboard package is missing
        raise ImportError(_MISSING) from error
    return SummaryWriter


def _hparam(value):
    """TensorBoard's HParams take numbers, strings and booleans; anything else is shown as text."""
    if isinstance(value, bool | str) or (isinstance(value, int | float) and math.isfinite(value)):
        return value
    return repr(value)


def _write_run(writer_class, folder: pathlib.Path, entry: Entry) -> None:
    from torch.utils.tensorboard.summary import hparams

    with writer_class(log_dir=str(folder)) as writer:
        for name, values in entry.curves.items():
            for epoch, value in enumerate(values, start=1):
                writer.add_scalar(f"curves/{name}", float(value), global_step=epoch)
        numbers = {f"final/{name}": float(value) for name, value in entry.metrics.items()
                   if isinstance(value, int | float) and not isinstance(value, bool)}
        settings = {name: _hparam(value) for name, value in flatten_config(entry.config).items()}
        if settings or numbers:
            for summary in hparams(settings or {"kind": entry.kind}, numbers):
                writer.file_writer.add_summary(summary)
            for name, value in numbers.items():  # the HParams tab reads its metrics from scalars
                writer.add_scalar(name, value, global_step=max(1, len(next(iter(entry.curves.values()), []))))
        text = [f"entry #{entry.id}, {entry.kind}, {entry.time} UTC",
                f"git {entry.git_commit} dirty={entry.git_dirty}"]
        if entry.note:
            text.insert(0, entry.note)
        writer.add_text("note", "  \n".join(text), global_step=0)


def export_tensorboard(book: Logbook, logdir, *, ids=None, kind: str | None = None) -> list[pathlib.Path]:
    """Write the logbook's entries (``ids``, else those of ``kind``, else all but notes) as TensorBoard runs.

    Each entry goes to ``logdir/<run_name(entry)>``. Entries already exported there (the
    folder holds an event file) are skipped, so exporting after every session adds only the
    new runs and never duplicates a curve. Returns the run folders written this time.
    Raises ImportError (saying how to install it) without the tensorboard package,
    TypeError if ``book`` is not a :class:`~labkit.logbook.Logbook`, ValueError for an id
    the logbook lacks or a ``logdir`` that is a file.
    """
    check_logbook("book", book)
    root = pathlib.Path(logdir)
    if root.exists() and not root.is_dir():
        raise ValueError(f"logdir={str(logdir)!r} is a file; give a folder (it is created if missing)")
    if ids is not None:
        entries = [book.entry(entry_id) for entry_id in ids]
    else:
        entries = [entry for entry in book.entries(kind) if kind is not None or entry.kind != "note"]
    writer_class = _writer_class()
    written = []
    for entry in entries:
        folder = root / run_name(entry)
        if any(folder.glob("events.out.tfevents.*")):
            continue
        _write_run(writer_class, folder, entry)
        written.append(folder)
    return written
