"""Where the logbook keeps its entries: one SQLite file, plain JSON, provenance read from git.

:mod:`labkit.logbook` is the face a lab uses; this module holds the parts it builds on:
:func:`open_store` (the file, checked before anything is written), :func:`insert` and
:func:`select` (rows as dicts), :func:`plain` (a value as JSON, or an error naming the key),
:func:`git_state`, :func:`versions` and :func:`fingerprint` (what produced a run).

Why SQLite: one file, in the standard library, safe with two kernels writing at once
(write-ahead log and a busy timeout: a writer waits for the other instead of failing),
and a crash mid-write loses only the entry being written. No pickle: every field is
JSON text, readable by any tool and never code. Entries are immutable: triggers in the
file refuse UPDATE and DELETE, so even a hand-written SQL statement cannot rewrite history
(the Cross Validated answer's "keep all of these configuration files").
Nothing here imports torch, so a process that only writes or reads entries starts fast.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import importlib.metadata
import json
import math
import os
import pathlib
import sqlite3
import subprocess
import time

import numpy as np

__all__ = ["open_store", "insert", "select", "count", "plain", "to_json", "git_state", "versions",
           "fingerprint", "FORMAT", "COLUMNS"]

FORMAT = "labkit-logbook-1"
BUSY_TIMEOUT_S = 30.0  # how long a writer waits for another kernel's write before giving up
COLUMNS = ("id", "kind", "time", "config", "metrics", "curves", "note", "data", "random_state",
           "git_commit", "git_dirty", "versions")
JSON_COLUMNS = ("config", "metrics", "curves", "data", "random_state", "versions")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS logbook_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO logbook_meta VALUES ('format', 'labkit-logbook-1');
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, time TEXT NOT NULL,
    config TEXT NOT NULL, metrics TEXT NOT NULL, curves TEXT NOT NULL, note TEXT NOT NULL,
    data TEXT NOT NULL, random_state TEXT NOT NULL, git_commit TEXT, git_dirty INTEGER,
    versions TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS entries_immutable_update BEFORE UPDATE ON entries
    BEGIN SELECT RAISE(ABORT, 'logbook entries are immutable: record a new entry instead'); END;
CREATE TRIGGER IF NOT EXISTS entries_immutable_delete BEFORE DELETE ON entries
    BEGIN SELECT RAISE(ABORT, 'logbook entries are immutable: they cannot be deleted'); END;
"""
_HEADER = b"SQLite format 3\x00"
_KEEP = ("Nothing was changed in it. Move it aside (rename it) and open a new Logbook, or restore it "
         "from a backup; `sqlite3 FILE .recover` may rescue entries from a damaged file.")


# ---------------------------------------------------------------- the file

def _check_path(path) -> pathlib.Path:
    if not isinstance(path, (str, pathlib.PurePath)):
        raise TypeError(f"path must be a file name (str or pathlib.Path), got {type(path).__name__}")
    path = pathlib.Path(path).expanduser()
    if path.is_dir():
        raise ValueError(f"path {str(path)!r} is a folder; give a file name in it, "
                         f"e.g. {str(path / 'logbook.db')!r}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"the folder {str(path.parent)!r} for the logbook {str(path)!r} does not "
                                f"exist: create it first (pathlib.Path({str(path.parent)!r})"
                                ".mkdir(parents=True)) or choose another path")
    if path.exists() and path.stat().st_size > 0:
        with open(path, "rb") as file:
            if file.read(len(_HEADER)) != _HEADER:
                raise ValueError(f"{str(path)!r} is not a logbook: it is not an SQLite file. {_KEEP}")
    return path


def _check_file(connection: sqlite3.Connection, path: pathlib.Path) -> None:
    """Read the whole file once (quick_check) and make sure it is a logbook, before any write."""
    problems = [row[0] for row in connection.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise sqlite3.DatabaseError("; ".join(problems[:3]))
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if tables and "entries" not in tables:
        raise ValueError(f"{str(path)!r} is an SQLite database but not a labkit logbook (its tables: "
                         f"{sorted(tables)}); give the logbook a file of its own")


def open_store(path) -> tuple[sqlite3.Connection, pathlib.Path]:
    """A connection to the logbook file ``path`` (created if absent), checked, in WAL mode.

    Raises FileNotFoundError if its folder is missing, ValueError if the file is not a
    logbook or is damaged (truncated, overwritten): the message names the path and what
    to do, and the file is left exactly as it was.
    """
    path = _check_path(path)
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        _check_file(connection, path)
        connection.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
        connection.execute("PRAGMA synchronous = NORMAL")  # WAL keeps the file consistent at this level
        connection.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} COMMIT;")
    except sqlite3.DatabaseError as error:
        connection.close()
        raise ValueError(f"{str(path)!r} is not a readable logbook ({error}). {_KEEP}") from None
    except BaseException:
        connection.close()
        raise
    return connection, path


def insert(connection: sqlite3.Connection, row: dict) -> tuple[int, str]:
    """Write one entry (``row``: the COLUMNS but id and time, JSON ones as text); return (id, time)."""
    stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")
    names = [name for name in COLUMNS if name != "id"]
    values = [stamp if name == "time" else row[name] for name in names]
    with connection:  # one transaction: the entry is written whole or not at all
        cursor = connection.execute(f"INSERT INTO entries ({', '.join(names)}) VALUES "
                                    f"({', '.join('?' * len(names))})", values)
    return cursor.lastrowid, stamp


def select(connection: sqlite3.Connection, *, columns=COLUMNS, where: str = "", params=()) -> list[dict]:
    """Entries as dicts (JSON columns decoded), oldest first."""
    rows = connection.execute(f"SELECT {', '.join(columns)} FROM entries {where} ORDER BY id", params)
    decoded = []
    for row in rows:
        entry = dict(zip(columns, row, strict=True))
        for name in JSON_COLUMNS:
            if name in entry:
                entry[name] = json.loads(entry[name])
        if entry.get("git_dirty") is not None:
            entry["git_dirty"] = bool(entry["git_dirty"])
        decoded.append(entry)
    return decoded


def count(connection: sqlite3.Connection) -> int:
    return connection.execute("SELECT COUNT(*) FROM entries").fetchone()[0]


# ---------------------------------------------------------------- values as JSON

def plain(value, key: str, *, finite: bool = True):
    """``value`` as plain JSON types (numpy scalars, arrays and tuples converted), or an error naming ``key``.

    ``finite`` False lets NaN and Inf through (a diverged run's losses); a config must be finite.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        if finite and not math.isfinite(value):
            raise ValueError(f"{key} is {float(value)!r}; a configuration must hold finite numbers")
        return float(value)
    if isinstance(value, dict):
        for name in value:
            if not isinstance(name, str):
                raise TypeError(f"{key} has the key {name!r} ({type(name).__name__}); JSON keys must be str")
        return {name: plain(item, f"{key}[{name!r}]", finite=finite) for name, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)) and len(value) > 8:
        numbers = _floats(value, key, finite)  # a curve: checked as one array, 50x faster than item by item
        if numbers is not None:
            return numbers
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(item, f"{key}[{i}]", finite=finite) for i, item in enumerate(np.asarray(value).tolist()
                if isinstance(value, np.ndarray) else value)]
    raise TypeError(f"{key} is of type {type(value).__name__} ({value!r:.60}), which JSON cannot hold: "
                    "give a str, number, bool, None, or a list or dict of those (a schedule by name)")


def _floats(value, key: str, finite: bool) -> list | None:
    """``value`` as a list of floats if it is a flat sequence of floats (no bools, str, ...), else None."""
    array = value if isinstance(value, np.ndarray) else None
    if array is None and not all(type(item) is float for item in value):
        return None
    array = np.asarray(value)
    if array.dtype.kind != "f" or array.ndim != 1:
        return None
    if finite and not np.isfinite(array).all():
        i = int(np.flatnonzero(~np.isfinite(array))[0])
        raise ValueError(f"{key}[{i}] is {float(array[i])!r}; a configuration must hold finite numbers")
    return array.astype(float).tolist()


def to_json(value, key: str, *, finite: bool = True) -> str:
    """``value`` as JSON text (checked by :func:`plain`); NaN/Inf written as Python's json writes them."""
    return json.dumps(plain(value, key, finite=finite), allow_nan=not finite, separators=(",", ":"))


# ---------------------------------------------------------------- provenance

_GIT_CACHE: dict = {}
GIT_CACHE_S = 2.0  # git is asked at most this often per folder (a run of 1,000 records stays fast)


def _git(folder: pathlib.Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):  # git missing, or hung: no provenance rather than no entry
        return None
    return done.stdout if done.returncode == 0 else None


def git_state(folder=".") -> tuple[str | None, bool | None]:
    """(commit, dirty) of the git repository holding ``folder``; (None, None) outside one or without git.

    Dirty means tracked files differ from the commit (untracked files are ignored). Read at
    most every GIT_CACHE_S seconds per folder.
    """
    key = os.path.abspath(folder)  # no resolve(): it costs a system call per part of the path, per entry
    cached = _GIT_CACHE.get(key)
    if cached and time.monotonic() - cached[0] < GIT_CACHE_S:
        return cached[1]
    folder = pathlib.Path(key)
    commit = _git(folder, "rev-parse", "HEAD")
    status = _git(folder, "status", "--porcelain", "--untracked-files=no") if commit else None
    state = (commit.strip(), bool(status.strip())) if commit and status is not None else (None, None)
    _GIT_CACHE[key] = (time.monotonic(), state)
    return state


@functools.cache  # read once per process: parsing the metadata costs ~10 ms, a third of a write
def _versions() -> tuple:
    import platform

    found = {"python": platform.python_version()}
    for package in ("labkit", "torch", "numpy"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = None
    if found["labkit"] is None:  # run from a checkout that is not installed: say so rather than guess
        found["labkit"] = "not installed"
    return tuple(found.items())


def versions() -> dict:
    """labkit's, torch's, numpy's and Python's versions (from installed metadata: torch is not imported)."""
    return dict(_versions())


def fingerprint(data) -> dict | None:
    """What identifies a run's data: a generator spec (a dict: kept as given) or arrays (their SHA-256).

    ``data`` is None, a dict such as ``{"name": "sine", "n_samples": 100, "random_state": 0}``,
    one array or a tuple/list of arrays or tensors ((X, y), or (X, y, X_val, y_val)). For arrays
    the hash covers each one's dtype, shape and bytes, so one changed value changes it
    (Hincapie-Potes: record the data version with every run).
    """
    if data is None:
        return None
    if isinstance(data, dict):
        return {"generator": plain(data, "data")}
    arrays = data if isinstance(data, (tuple, list)) else (data,)
    digest, shapes = hashlib.sha256(), []
    for i, array in enumerate(arrays):
        if hasattr(array, "detach"):
            array = array.detach().cpu().numpy()
        if not isinstance(array, np.ndarray):
            raise TypeError(f"data[{i}] must be an array or tensor (or data a generator spec dict), "
                            f"got {type(array).__name__}")
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape};".encode())
        digest.update(array.tobytes())
        shapes.append(list(array.shape))
    return {"sha256": digest.hexdigest(), "shapes": shapes}
