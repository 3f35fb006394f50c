"""The experiment logbook: what an entry holds, that it stays as written, two writers, damaged files."""

from __future__ import annotations

import math
import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

from labkit import logbook_store
from labkit.logbook import ABSENT, Logbook, flatten_config, log_fit

ROOT = pathlib.Path(__file__).resolve().parents[1]
SPEC = dict(model=dict(kind="mlp", width=8, depth=1, activation="tanh"),
            data=dict(name="sine", n_samples=48, noise=0.1, random_state=3),
            fit=dict(epochs=6, lr=0.02, batch_size=16))


@pytest.fixture
def book(tmp_path):
    with Logbook(tmp_path / "runs.db") as opened:
        yield opened


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A logbook holding two log_fit runs that differ only in the learning rate."""
    book = Logbook(tmp_path_factory.mktemp("fit") / "runs.db")
    first = log_fit(book, **SPEC, random_state=5, note="baseline")
    second = log_fit(book, **(SPEC | {"fit": SPEC["fit"] | {"lr": 0.005}}), random_state=5)
    return book, first, second


def test_record_keeps_every_field_as_given(book):
    rng = np.random.default_rng(7)
    state = rng.bit_generator.state
    config = {"fit": {"lr": np.float32(0.5), "epochs": np.int64(3), "domain": (-1, 1)}, "tag": "a"}
    entry = book.record("test", config, metrics={"loss": float("nan"), "acc": 0.75},
                        curves={"loss": [3.0, float("inf")]}, note="first try", data=None, random_state=rng)
    again = book.entry(entry.id)  # read back from the file: the same as the entry returned
    assert len(book) == 1
    for name in ("id", "kind", "time", "config", "note", "random_state", "git_commit", "versions"):
        assert getattr(again, name) == getattr(entry, name), name
    assert math.isnan(again.metrics["loss"]) and again.curves == entry.curves
    assert entry.config == {"fit": {"lr": 0.5, "epochs": 3, "domain": [-1, 1]}, "tag": "a"}
    assert math.isnan(entry.metrics["loss"]) and entry.metrics["acc"] == 0.75
    assert entry.curves["loss"] == [3.0, math.inf] and entry.note == "first try"
    assert entry.random_state == state and entry.time.endswith("+00:00")
    assert entry.versions["labkit"] and entry.versions["torch"]


def test_config_json_cannot_hold_is_refused_naming_the_key(book):
    with pytest.raises(TypeError, match=r"config\['fit'\]\['schedule'\] is of type function"):
        book.record("fit", {"fit": {"schedule": lambda t: 1.0}})
    with pytest.raises(ValueError, match=r"config\['lr'\] is nan"):
        book.record("fit", {"lr": float("nan")})
    with pytest.raises(TypeError, match="JSON keys must be str"):
        book.record("fit", {1: "a"})
    assert len(book) == 0  # nothing half-written


def test_entries_cannot_be_changed_or_deleted(book):
    entry = book.note("try a smaller learning rate next")
    raw = sqlite3.connect(book.path)
    for statement in ("UPDATE entries SET note = 'rewritten'", "DELETE FROM entries"):
        with pytest.raises(sqlite3.DatabaseError, match="immutable"):
            raw.execute(statement)
    raw.close()
    assert book.entry(entry.id).note == "try a smaller learning rate next" and entry.kind == "note"
    assert not any(hasattr(book, name) for name in ("update", "delete", "remove"))


def test_git_commit_and_dirty_flag(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.setattr(logbook_store, "GIT_CACHE_S", 0.0)
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    (repo / "a.txt").write_text("one")
    for args in (["init", "-q"], ["add", "a.txt"], ["commit", "-q", "-m", "one"]):
        subprocess.run(git + args, check=True)
    head = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    monkeypatch.chdir(repo)
    with Logbook(tmp_path / "runs.db") as book:
        clean = book.note("clean")
        (repo / "a.txt").write_text("two")
        dirty = book.note("dirty")
        assert (clean.git_commit, clean.git_dirty) == (head, False)
        assert (dirty.git_commit, dirty.git_dirty) == (head, True)
        monkeypatch.chdir(tmp_path)  # outside any repository
        assert book.note("outside").git_commit is None
        monkeypatch.setenv("PATH", "")  # no git at all: still an entry
        assert book.note("no git").git_dirty is None


def test_fingerprint_follows_the_data():
    X, y = np.arange(6.0).reshape(3, 2), np.array([0, 1, 0])
    changed = X.copy()
    changed[2, 1] += 1e-9
    first = logbook_store.fingerprint((X, y))
    assert first == logbook_store.fingerprint((X.copy(), y.copy()))
    assert first["sha256"] != logbook_store.fingerprint((changed, y))["sha256"]
    assert first["shapes"] == [[3, 2], [3]]
    spec = {"name": "sine", "n_samples": 5}
    assert logbook_store.fingerprint(spec) == {"generator": spec}


def test_log_fit_records_a_run_that_reruns_identically(fitted):
    book, first, _ = fitted
    entry = first.entry
    assert entry.config["model"]["in_features"] == 1 and entry.config["random_state"] == 5
    assert entry.curves["val_loss"] == first.history.val_loss and len(entry.curves["val_loss"]) == 6
    assert entry.metrics["val_loss"] == first.history.val_loss[-1] and entry.note == "baseline"
    assert entry.data["generator"] == SPEC["data"] and len(entry.data["sha256"]) == 64
    again = book.rerun(entry.id)
    assert again.entry is None and again.history.train_loss == entry.curves["train_loss"]
    assert again.history.val_loss == entry.curves["val_loss"]
    recorded = book.rerun(entry.id, record=True)
    assert recorded.entry.note == f"rerun of #{entry.id}" and recorded.entry.id > entry.id
    assert book.diff(entry.id, recorded.entry.id).config == {}
    assert recorded.entry.curves["val_loss"] == entry.curves["val_loss"]
    with pytest.raises(ValueError, match="only runs recorded by log_fit"):
        book.rerun(book.note("an idea").id)


def test_diff_names_what_changed(fitted):
    book, first, second = fitted
    diff = book.diff(first.entry.id, second.entry.id)
    assert diff.config == {"fit.lr": (0.02, 0.005)}
    assert diff.metrics["val_loss"] == (first.history.val_loss[-1], second.history.val_loss[-1])
    assert "data" not in diff.provenance and "fit.lr: 0.02 -> 0.005" in repr(diff)
    assert flatten_config({"a": {"b": 1}, "c": [1, 2]}) == {"a.b": 1, "c": (1, 2)}
    note = book.note("x")
    assert book.diff(first.entry.id, note.id).config["fit.lr"] == (0.02, ABSENT)


def test_table_one_row_per_run(fitted):
    pytest.importorskip("pandas")
    book, first, second = fitted
    table = book.table("fit")
    assert list(table.index[:2]) == [first.entry.id, second.entry.id]
    assert table.loc[second.entry.id, "fit.lr"] == 0.005 and table["model.width"].tolist()[:2] == [8, 8]
    assert table.loc[first.entry.id, "val_loss"] == first.history.val_loss[-1]
    assert table[table["fit.lr"] < 0.01].index.tolist() == [second.entry.id]


def test_plot_runs_draws_one_line_per_run(fitted):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from labkit.viz.logbook import plot_runs

    book, first, second = fitted
    ax = plot_runs(book, [first.entry.id, second.entry.id])
    assert [list(line.get_ydata()) for line in ax.lines] == [first.history.val_loss, second.history.val_loss]
    assert "fit.lr=0.005" in ax.get_legend().get_texts()[1].get_text()
    with pytest.raises(ValueError, match="not a curve"):
        plot_runs(book.entries("fit"), [first.entry.id], metric="nope")
    plt.close("all")


def test_damaged_or_foreign_files_are_refused_and_left_alone(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_bytes(b"my notes, not a database" * 100)
    with pytest.raises(ValueError, match=r"notes\.txt.*not an SQLite file.*Move it aside"):
        Logbook(text)
    assert text.read_bytes() == b"my notes, not a database" * 100
    path = tmp_path / "runs.db"
    with Logbook(path) as book:
        for i in range(60):
            book.record("test", {"i": i}, curves={"loss": list(range(50))})
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match=r"runs\.db.*not a readable logbook"):
        Logbook(path)
    assert path.read_bytes() == whole[: len(whole) // 2]
    with pytest.raises(FileNotFoundError, match="no_such_folder.*does not exist"):
        Logbook(tmp_path / "no_such_folder" / "runs.db")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE study (x)").connection.commit()
    with pytest.raises(ValueError, match="not a labkit logbook"):
        Logbook(other)


WRITER = """
import sys
from labkit.logbook import Logbook
book = Logbook(sys.argv[1])
for i in range(200):
    book.record("test", {"writer": int(sys.argv[2]), "i": i}, metrics={"loss": i / 200})
"""


def test_two_writer_processes_lose_no_entry(tmp_path):
    path = tmp_path / "shared.db"
    Logbook(path).close()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(w)], env=env, cwd=tmp_path,
                                stderr=subprocess.PIPE) for w in (0, 1)]
    errors = [writer.communicate(timeout=120)[1] for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0], errors
    with Logbook(path) as book:
        entries = book.entries()
    assert len(entries) == 400 and len({entry.id for entry in entries}) == 400
    for w in (0, 1):
        assert sorted(e.config["i"] for e in entries if e.config["writer"] == w) == list(range(200))


def test_the_course_logbook_lives_where_the_environment_says_and_is_shared(tmp_path, monkeypatch):
    from labkit.logbook import COURSE_LOGBOOK_ENV, course_logbook

    monkeypatch.setenv(COURSE_LOGBOOK_ENV, str(tmp_path / "deeper" / "course.db"))
    with course_logbook() as first:
        first.note("from lab 06")
    with course_logbook() as again:  # another lab, the same file
        assert again.path == tmp_path / "deeper" / "course.db" and len(again) == 1
    monkeypatch.delenv(COURSE_LOGBOOK_ENV)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with course_logbook() as default:
        assert default.path == tmp_path / "home" / ".labkit" / "logbook.db"
    (tmp_path / "not-a-logbook.db").write_text("hello")
    monkeypatch.setenv(COURSE_LOGBOOK_ENV, str(tmp_path / "not-a-logbook.db"))
    with pytest.raises(ValueError, match="not-a-logbook.db"):
        course_logbook()
    assert (tmp_path / "not-a-logbook.db").read_text() == "hello"
