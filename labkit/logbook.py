"""The experiment logbook: every run worth keeping, with what produced it, in one file.

Two of the course's sources ask for it. Hincapie-Potes ("Track your experiments!!"):
an experiment id, the git hash, the model and data version, the hyperparameters and the
metrics, the parameters in a JSON-like file, and a separate logbook to track ideas. The
Cross Validated answer on networks that do not learn: no hard-coded settings, one JSON
configuration file per run, kept forever, with its per-epoch losses appended, so old
experiments can be reviewed and a dead end is not repeated.

``book = Logbook("runs.db")`` opens (or creates) the file; :meth:`Logbook.record` writes an
:class:`Entry`, :meth:`Logbook.note` an idea, :func:`log_fit` trains and records in one call,
:meth:`Logbook.rerun` trains an entry again from its configuration, :meth:`Logbook.table`
gives a pandas DataFrame of runs and :meth:`Logbook.diff` what changed between two.
Storage (SQLite, JSON, immutability, two kernels at once) is :mod:`labkit.logbook_store`'s.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import typing

from labkit.arguments import check_int
from labkit.logbook_store import (
    JSON_COLUMNS,
    count,
    fingerprint,
    git_state,
    insert,
    open_store,
    plain,
    select,
    versions,
)

__all__ = ["Logbook", "Entry", "RunDiff", "LoggedRun", "log_fit", "flatten_config", "ABSENT",
           "course_logbook", "COURSE_LOGBOOK_ENV", "check_logbook"]

COURSE_LOGBOOK_ENV = "LABKIT_LOGBOOK"  # where the course logbook lives, if set


@dataclasses.dataclass(frozen=True, repr=False)
class Entry:
    """One run (or idea) as written: read-only, as the file is.

    ``config``, ``metrics`` (final numbers), ``curves`` (name -> one value per epoch) and
    ``data`` (a fingerprint) are plain JSON; ``time`` is UTC, ISO 8601; ``git_commit`` and
    ``git_dirty`` are None outside a git repository; ``versions`` names labkit's, torch's,
    numpy's and Python's.
    """

    id: int
    kind: str
    time: str
    config: dict
    metrics: dict
    curves: dict
    note: str
    data: dict | None
    random_state: typing.Any
    git_commit: str | None
    git_dirty: bool | None
    versions: dict

    def __repr__(self) -> str:
        parts = [f"#{self.id}", repr(self.kind), self.time[:19].replace("T", " ") + " UTC"]
        parts += [f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value!r}"
                  for name, value in list(self.metrics.items())[:4]]
        if self.curves:
            parts.append(f"curves={sorted(self.curves)}")
        if self.note:
            parts.append(f"note={self.note[:40]!r}")
        return f"Entry({', '.join(parts)})"


ABSENT = type("Absent", (), {"__repr__": lambda self: "<absent>"})()  # a key one run has and the other lacks


def flatten_config(config: dict, prefix: str = "") -> dict:
    """``{"fit": {"lr": 0.01}}`` -> ``{"fit.lr": 0.01}``; lists become tuples (hashable, comparable)."""
    flat = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten_config(value, f"{name}."))
        else:
            flat[name] = tuple(value) if isinstance(value, list) else value
    return flat


@dataclasses.dataclass(frozen=True, repr=False)
class RunDiff:
    """What changed between runs ``a`` and ``b``: key -> (value in a, value in b), :data:`ABSENT` if missing.

    ``config`` holds the flattened configuration keys that differ, ``metrics`` every final
    metric side by side, ``provenance`` what else differs (data, random state, git, versions).
    """

    a: int
    b: int
    config: dict
    metrics: dict
    provenance: dict

    def __repr__(self) -> str:
        lines = [f"RunDiff(#{self.a} -> #{self.b})"]
        parts = {"config": self.config, "metrics": self.metrics, "provenance": self.provenance}
        for title, part in parts.items():
            if not part:
                lines.append(f"  {title}: the same" if title != "metrics" else "  metrics: none")
            for key, (x, y) in part.items():
                lines.append(f"  {title} {key}: {_short(x)} -> {_short(y)}")
        return "\n".join(lines)


def _short(value) -> str:
    text = f"{value:.4g}" if isinstance(value, float) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _changes(a: dict, b: dict, *, all_keys: bool = False) -> dict:
    keys = list(a) + [key for key in b if key not in a]
    pairs = {key: (a.get(key, ABSENT), b.get(key, ABSENT)) for key in keys}
    return pairs if all_keys else {key: pair for key, pair in pairs.items() if pair[0] != pair[1]}


class Logbook:
    """A file of immutable run entries, safe for two kernels writing at once (see the module's docstring).

    ``Logbook(path)`` creates the file if absent (its folder must exist); a file that is not
    a logbook, or a damaged one, raises ValueError naming the path and is left untouched.
    """

    def __init__(self, path):
        self._connection, self.path = open_store(path)

    def __repr__(self) -> str:
        return f"Logbook({str(self.path)!r}, entries={len(self)})"

    def __len__(self) -> int:
        return count(self._connection)

    def close(self) -> None:
        """Close the file (also done when the Logbook is garbage-collected)."""
        self._connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ------------------------------------------------------------ writing
    def record(self, kind: str, config: dict, *, metrics=None, curves=None, note: str = "", data=None,
               random_state=None) -> Entry:
        """Write one entry and return it.

        ``config``: the full configuration (JSON types only; TypeError/ValueError name the
        key that is not). ``metrics``: name -> final number; ``curves``: name -> one number
        per epoch (NaN/Inf allowed: a diverged run is worth keeping). ``data``: arrays (hashed)
        or a generator spec dict (see :func:`~labkit.logbook_store.fingerprint`).
        ``random_state``: an int, None, or a numpy Generator (its state is stored).
        The git commit and dirty flag of the working folder and the versions are added.
        """
        if not isinstance(kind, str) or not kind:
            raise TypeError(f"kind must be a non-empty str such as 'fit' or 'search', got {kind!r}")
        if not isinstance(config, dict):
            raise TypeError(f"config must be a dict of JSON values, got {type(config).__name__}")
        if not isinstance(note, str):
            raise TypeError(f"note must be a str, got {type(note).__name__}")
        return self._write(kind, config, metrics, curves, note, fingerprint(data), random_state)

    def _write(self, kind, config, metrics, curves, note, data_print, random_state) -> Entry:
        if hasattr(random_state, "bit_generator"):
            random_state = random_state.bit_generator.state
        commit, dirty = git_state()
        fields = {"kind": kind, "config": plain(config, "config"), "note": note,
                  "metrics": plain(_mapping("metrics", metrics), "metrics", finite=False),
                  "curves": plain(_mapping("curves", curves), "curves", finite=False),
                  "data": data_print, "random_state": plain(random_state, "random_state"),
                  "git_commit": commit, "git_dirty": dirty, "versions": versions()}
        row = {name: json.dumps(value, separators=(",", ":")) if name in JSON_COLUMNS else value
               for name, value in fields.items()}
        entry_id, stamp = insert(self._connection, row)
        return Entry(id=entry_id, time=stamp, **fields)  # as written: the JSON round trip keeps every value

    def note(self, text: str) -> Entry:
        """Write a free-standing idea (kind "note"): Lusch's "separate logbook to track ideas"."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"text must be a non-empty str, got {text!r:.60}")
        return self.record("note", {}, note=text)

    # ------------------------------------------------------------ reading
    def entry(self, entry_id: int) -> Entry:
        """The entry with id ``entry_id``; ValueError if there is none."""
        entry_id = check_int("entry_id", entry_id, min_value=1)
        rows = select(self._connection, where="WHERE id = ?", params=(entry_id,))
        if not rows:
            raise ValueError(f"entry_id={entry_id} is not in {str(self.path)!r}, "
                             f"which holds ids 1..{len(self)}")
        return Entry(**rows[0])

    def entries(self, kind: str | None = None) -> list[Entry]:
        """Every entry (of ``kind`` if given), oldest first."""
        where, params = ("WHERE kind = ?", (kind,)) if kind is not None else ("", ())
        return [Entry(**row) for row in select(self._connection, where=where, params=params)]

    def table(self, kind: str | None = None):
        """A pandas DataFrame, one row per entry (index ``id``): kind, time, note, git commit,
        the configuration flattened ("fit.lr") and the final metrics ("val_loss"; named
        "metrics.val_loss" where a config key has the same name). Curves are left out
        (:meth:`entry` has them). Filter and sort with pandas: ``table[table["fit.lr"] < 0.1]``.
        """
        import pandas as pd  # only here: the rest of the logbook needs no pandas

        where, params = ("WHERE kind = ?", (kind,)) if kind is not None else ("", ())
        columns = ("id", "kind", "time", "note", "git_commit", "git_dirty", "config", "metrics")
        rows = []
        for row in select(self._connection, columns=columns, where=where, params=params):
            flat = {name: row[name] for name in columns[:6]}
            flat.update(flatten_config(row["config"]))
            for name, value in row["metrics"].items():
                flat[f"metrics.{name}" if name in flat else name] = value
            rows.append(flat)
        frame = pd.DataFrame(rows, columns=None if rows else list(columns[:6]))
        return frame.set_index("id")

    def diff(self, a: int, b: int) -> RunDiff:
        """What changed between entries ``a`` and ``b``: configuration, metrics, provenance."""
        first, second = self.entry(a), self.entry(b)
        left, right = (_provenance(entry) for entry in (first, second))
        config = _changes(flatten_config(first.config), flatten_config(second.config))
        return RunDiff(first.id, second.id, config, _changes(first.metrics, second.metrics, all_keys=True),
                       _changes(left, right))

    def rerun(self, entry_id: int, *, record: bool = False) -> LoggedRun:
        """Train entry ``entry_id`` (made by :func:`log_fit`) again from its configuration.

        The same configuration, data seed and random state give the same curves on the same
        machine and versions (a test checks it). ``record`` True writes the new run as an
        entry too (note "rerun of #id"). Returns (entry or None, model, history).
        """
        entry = self.entry(entry_id)
        if entry.kind != "fit" or set(entry.config) != {"model", "data", "fit", "random_state"}:
            raise ValueError(f"entry #{entry.id} is a {entry.kind!r} entry; only runs recorded by log_fit "
                             "(kind 'fit', config model/data/fit/random_state) can be re-run")
        config = entry.config
        if record:
            return log_fit(self, model=config["model"], data=config["data"], fit=config["fit"],
                           random_state=config["random_state"], note=f"rerun of #{entry.id}")
        model, history, _ = _train(config)
        return LoggedRun(None, model, history)


def _provenance(entry: Entry) -> dict:
    """What produced ``entry`` besides its configuration, flattened for :meth:`Logbook.diff`."""
    names = ("data", "random_state", "git_commit", "git_dirty")
    return {name: getattr(entry, name) for name in names} | flatten_config({"versions": entry.versions})


def _mapping(name: str, value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict (name -> number{'s' if name == 'curves' else ''}) or None, "
                        f"got {type(value).__name__}")
    return value


def check_logbook(name: str, value, *, optional: bool = False) -> Logbook | None:
    """``value`` if it is a :class:`Logbook` (or None, when ``optional``); else TypeError naming ``name``.

    Every function that records "on request" checks its logbook with this before it trains, so
    a wrong argument fails at once instead of after the run it would have recorded.
    """
    if value is None and optional:
        return None
    if not isinstance(value, Logbook):
        allowed = "a labkit.logbook.Logbook" + (" or None" if optional else "")
        raise TypeError(f"{name} must be {allowed}, got {type(value).__name__}: open one with "
                        "Logbook(path) or course_logbook()")
    return value


def course_logbook() -> Logbook:
    """The logbook every lab writes its key runs to, so Lab 09 can show a learner's own history.

    The file is ``$LABKIT_LOGBOOK`` if that is set, else ``~/.labkit/logbook.db``; its folder is
    created if missing. Raises ValueError (naming the path) if the file is not a logbook.
    """
    path = pathlib.Path(os.environ.get(COURSE_LOGBOOK_ENV) or pathlib.Path.home() / ".labkit" / "logbook.db")
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return Logbook(path)


# ---------------------------------------------------------------- train and record in one call

class LoggedRun(typing.NamedTuple):
    """What :func:`log_fit` returns: the entry written (None for a rerun not recorded), model, History."""

    entry: Entry | None
    model: typing.Any
    history: typing.Any


MODEL_KINDS = ("mlp",)
CURVES = ("train_loss", "val_loss", "train_metric", "val_metric", "lr")  # what log_fit keeps per epoch
_NOT_GENERATOR = ("name", "val_fraction", "random_state")  # data spec keys that make_dataset does not take


def _check_spec(name: str, spec, required: set) -> dict:
    if not isinstance(spec, dict):
        raise TypeError(f"{name} must be a dict of JSON values, got {type(spec).__name__}")
    missing = required - set(spec)
    if missing:
        raise ValueError(f"{name} must give {sorted(missing)}, got keys {sorted(spec)}")
    return plain(spec, name)


def _split(data: dict):
    """(train, val, fingerprint) of a data spec: the generator's draw, cut by ``val_fraction`` (0.25)."""
    # torch, scikit-learn and the trainers load here, not on import: a kernel that only reads
    # its logbook, or a writer process, starts without them (about a second).
    from labkit.data import make_dataset
    from labkit.splits import train_val_test_split

    options = {key: value for key, value in data.items() if key not in _NOT_GENERATOR}
    X, y = make_dataset(data["name"], random_state=data.get("random_state"), **options)
    val_fraction = data.get("val_fraction", 0.25)
    split = train_val_test_split(X, y, fractions=(1 - val_fraction, val_fraction, 0),
                                 random_state=data.get("random_state"))
    return split.train, split.val, fingerprint((X, y)) | {"generator": data}


def _train(config: dict):
    """(model, history, data fingerprint): build the model and data from ``config`` and train."""
    from labkit.models import MLP
    from labkit.runtime import seeded
    from labkit.train import fit as train_fit

    model_spec, fit_spec = dict(config["model"]), config["fit"]
    if model_spec.pop("kind") not in MODEL_KINDS:
        raise ValueError(f"model['kind'] must be one of {list(MODEL_KINDS)}, got {config['model']['kind']!r}")
    train, val, data_print = _split(config["data"])
    for key in ("on_step", "on_epoch", "random_state", "device"):
        if key in fit_spec:
            raise ValueError(f"fit[{key!r}] cannot be logged: give random_state at the top level; "
                             "hooks and devices are not part of a run's configuration")
    with seeded(config["random_state"]):
        model = MLP(model_spec.pop("in_features"), model_spec.pop("out_features"), **model_spec)
    history = train_fit(model, train, val, random_state=config["random_state"], **fit_spec)
    return model, history, data_print


def _complete(model: dict, data: dict, random_state) -> tuple[dict, dict, int]:
    """The specs with what was left to defaults made explicit, so the entry alone re-runs the run."""
    import numpy as np

    from labkit.data import make_dataset, task_of

    seed = random_state if random_state is not None else int(np.random.default_rng().integers(2**31 - 1))
    seed = check_int("random_state", seed, min_value=0)
    data = dict(data, random_state=data.get("random_state", seed))
    if "in_features" not in model or "out_features" not in model:
        options = {k: v for k, v in data.items() if k not in (*_NOT_GENERATOR, "n_samples")}
        X, y = make_dataset(data["name"], 8, random_state=0, **options)  # a small draw: just the shapes
        classify = task_of(data["name"]) == "classification"
        outputs = int(y.max()) + 1 if classify else (y.shape[1] if y.ndim > 1 else 1)
        model = {"in_features": X.shape[1], "out_features": outputs} | model
    return model, data, seed


def log_fit(book: Logbook, *, model: dict, data: dict, fit: dict, random_state: int | None = None,
            note: str = "") -> LoggedRun:
    """Build a model and data from their specs, train with :func:`labkit.train.fit`, record the run.

    ``model``: ``dict(kind="mlp", width=..., depth=..., activation=..., ...)``, the keywords of
    :class:`labkit.models.MLP` (``in_features``/``out_features`` filled from the data if left
    out). ``data``: ``dict(name="sine", n_samples=..., noise=..., random_state=..., val_fraction=0.25)``,
    the arguments of :func:`labkit.data.make_dataset`. ``fit``: the keywords of
    :func:`labkit.train.fit` (epochs, lr, optimizer, batch_size, schedule by name, ...).
    ``random_state`` seeds the initial weights and the shuffling (None: drawn, and recorded).
    The entry holds the completed specs, the final metrics and the per-epoch curves, so
    :meth:`Logbook.rerun` trains it again. Returns (entry, model, history).
    """
    check_logbook("book", book)
    model, data = _check_spec("model", model, {"kind"}), _check_spec("data", data, {"name"})
    model, data, seed = _complete(model, data, random_state)
    config = {"model": model, "data": data, "fit": _check_spec("fit", fit, set()), "random_state": seed}
    trained, history, data_print = _train(config)
    curves = {name: getattr(history, name) for name in CURVES}
    metrics = {name: values[-1] for name, values in curves.items() if values and name != "lr"}
    metrics |= {"metric_name": history.metric_name, "epochs_run": history.epochs_run,
                "best_epoch": history.best_epoch, "stop_reason": history.stop_reason,
                "seconds": history.seconds}
    if not isinstance(note, str):
        raise TypeError(f"note must be a str, got {type(note).__name__}")
    entry = book._write("fit", config, metrics, curves, note, data_print, seed)
    return LoggedRun(entry, trained, history)
