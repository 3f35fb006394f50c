"""The logbook's TensorBoard export: read back with TensorBoard's own event reader."""

import math
import sys

import pytest

from labkit.logbook import Logbook
from labkit.logbook_export import export_tensorboard, run_name

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
from tensorboard.plugins.hparams import plugin_data_pb2  # noqa: E402 (after the skip)


@pytest.fixture
def book(tmp_path):
    book = Logbook(tmp_path / "runs.db")
    book.record("fit", {"fit": {"lr": 0.01, "optimizer": "adam"}, "model": {"width": 32, "sizes": [4, 2]}},
                metrics={"val_loss": 0.25, "train_loss": 0.125, "stop_reason": "epochs"},
                curves={"train_loss": [1.0, 0.5, 0.125], "val_loss": [1.5, 0.75, math.nan]}, note="wide net")
    book.note("try a smaller learning rate next")
    book.record("search", {"lr": 0.1}, metrics={"val_loss": 0.5})
    yield book
    book.close()


def _read(folder):
    reader = event_accumulator.EventAccumulator(str(folder), size_guidance={"scalars": 0, "tensors": 0})
    reader.Reload()
    return reader


def test_curves_come_back_epoch_by_epoch_with_the_configuration_and_metrics(book, tmp_path):
    written = export_tensorboard(book, tmp_path / "tb")
    assert [folder.name for folder in written] == ["0001-fit", "0003-search"]  # the note is not a run
    reader = _read(written[0])
    points = [(event.step, event.value) for event in reader.Scalars("curves/val_loss")]
    assert [step for step, _ in points] == [1, 2, 3]
    assert [value for _, value in points[:2]] == [1.5, 0.75] and math.isnan(points[2][1])
    assert [event.value for event in reader.Scalars("curves/train_loss")] == [1.0, 0.5, 0.125]
    assert reader.Scalars("final/val_loss")[0].value == 0.25  # strings such as stop_reason are left out
    assert "final/stop_reason" not in reader.Tags()["scalars"]
    content = reader.SummaryMetadata("_hparams_/session_start_info").plugin_data.content
    settings = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info.hparams
    assert settings["fit.lr"].number_value == 0.01 and settings["fit.optimizer"].string_value == "adam"
    assert settings["model.width"].number_value == 32 and settings["model.sizes"].string_value == "(4, 2)"


def test_exporting_again_adds_only_new_entries(book, tmp_path):
    export_tensorboard(book, tmp_path / "tb")
    before = sorted(path.name for path in (tmp_path / "tb").rglob("events.out.tfevents.*"))
    assert export_tensorboard(book, tmp_path / "tb") == []
    entry = book.record("fit", {"fit": {"lr": 0.1}}, curves={"train_loss": [2.0]})
    assert [folder.name for folder in export_tensorboard(book, tmp_path / "tb")] == [run_name(entry)]
    after = sorted(path.name for path in (tmp_path / "tb").rglob("events.out.tfevents.*"))
    assert len(after) == len(before) + 1 and set(before) <= set(after)


def test_choosing_entries_by_id_or_kind(book, tmp_path):
    assert [f.name for f in export_tensorboard(book, tmp_path / "a", ids=[2])] == ["0002-note"]
    assert [f.name for f in export_tensorboard(book, tmp_path / "b", kind="search")] == ["0003-search"]


def test_bad_arguments_are_named(book, tmp_path):
    with pytest.raises(TypeError, match="book must be a labkit.logbook.Logbook"):
        export_tensorboard(str(tmp_path / "runs.db"), tmp_path / "tb")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="logdir=.*is a file"):
        export_tensorboard(book, tmp_path / "file")
    with pytest.raises(ValueError, match="entry_id=9 is not in"):
        export_tensorboard(book, tmp_path / "tb", ids=[9])


def test_without_tensorboard_the_error_says_how_to_install_it(book, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    with pytest.raises(ImportError, match=r"pip install -e \"\.\[tensorboard\]\""):
        export_tensorboard(book, tmp_path / "tb")
    assert not (tmp_path / "tb").exists()
