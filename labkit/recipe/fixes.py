"""Step 4 of the recipe, as a menu: apply one fix at a time and read which gap it closed.

Hincapie-Potes' table gains a column after every change ("add more layers", "add weight
decay", ...) and the diagnosis says which gap to attack next. :data:`FIXES` are the changes
the talk and Lazzaretti's checklist name: normalize the inputs, a convolutional network
instead of an MLP, a bigger model, weight decay, dropout, data augmentation toward the shift
(random one-pixel moves, :func:`shift_augment`) and more epochs. :func:`fixed_settings` turns a
set of fixes into :func:`labkit.recipe.networks.train_network`'s keywords, and
:func:`apply_fixes` trains that network and scores it on every part and on a shifted test set.
The starting point is deliberately poor (a narrow MLP on raw pixels, few epochs) so that each
fix has something to buy.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from labkit.arguments import check_choice, check_int
from labkit.recipe.digits import DigitsSplit
from labkit.recipe.networks import NetworkRun, train_network
from labkit.recipe.table import ResultsTable

__all__ = ["FIXES", "FIX_LABELS", "START", "REMEDY_FIXES", "shift_augment", "fixed_settings", "fixes_name",
           "apply_fixes", "remedies_to_try"]

FIXES = ("normalize", "cnn", "bigger", "weight decay", "dropout", "augment", "more epochs")
FIX_LABELS = {"normalize": "normalize inputs", "cnn": "CNN instead of MLP", "bigger": "bigger model",
              "weight decay": "weight decay 1e-3", "dropout": "dropout 0.3",
              "augment": "augment (1-px moves)", "more epochs": "3x the epochs"}
_SHORT = {"normalize": "norm", "cnn": "cnn", "bigger": "big", "weight decay": "wd", "dropout": "drop",
          "augment": "aug", "more epochs": "3x"}
# which remedies of labkit.recipe.diagnosis.REMEDIES each fix carries out ("reduce regularization"
# only makes sense while a regularizing fix is on); tests check every key names a remedy there
REMEDY_FIXES = {"make the model bigger": ("bigger",), "a different architecture": ("cnn",),
                "more regularization (dropout, L2)": ("dropout", "weight decay"),
                "data augmentation": ("augment",), "normalization (batch norm)": ("normalize",),
                "synthesize training data like them (augment toward the shift)": ("augment",)}
_REGULARIZING = {"dropout", "weight decay"}
START = {"kind": "mlp", "width": 16, "channels": 4, "epochs": 8, "normalize": False}  # before any fix


def shift_augment(X, y, generator):
    """Move each image of a batch by -1, 0 or +1 pixels sideways (drawn per image), labels kept.

    ``X``: (N, 64) or (N, 1, 8, 8) float tensor (normalized or not); the pixels that enter are
    the batch's background value (its minimum). Pass as ``fit(augment=shift_augment)`` or
    ``train_network(augment=shift_augment)``: each epoch sees fresh moves, so the network
    learns that a digit moved by a pixel is the same digit. Sideways only: augmentation
    "toward the shift" (Hincapie-Potes) copies what the error analysis of the shifted
    validation set showed, and moves in every direction cost more epochs to learn.
    """
    if not isinstance(X, torch.Tensor) or X.numel() != len(X) * 64:
        raise ValueError(f"X must be a tensor of 8x8 digits, (N, 64) or (N, 1, 8, 8), got {X!r:.60}")
    images = X.reshape(len(X), 1, 8, 8)
    padded = F.pad(images, (1, 1), value=float(images.min()))  # (N, 1, 8, 10): a blank column each side
    moves = torch.randint(0, 3, (len(X),), generator=generator)  # offset 0, 1, 2 into the padding
    out = torch.empty_like(images)
    for dx in range(3):
        rows = moves == dx
        out[rows] = padded[rows, :, :, dx:dx + 8]
    return out.reshape(X.shape), y


def _fixes(fixes) -> tuple[str, ...]:
    if isinstance(fixes, str):
        fixes = (fixes,)
    chosen = {check_choice("fixes", fix, FIXES) for fix in fixes}
    return tuple(fix for fix in FIXES if fix in chosen)  # one order, so equal sets give equal names


def fixed_settings(fixes=(), *, epochs: int | None = None) -> dict:
    """:func:`train_network`'s keywords for the starting point with ``fixes`` (names in :data:`FIXES`).

    Start: an MLP of width 16 (a CNN: 4 channels) on raw pixels for 8 epochs (``epochs``
    replaces the 8). "bigger" makes it width 128 (16 channels); "more epochs" triples the
    epochs; "weight decay" 1e-3 and "dropout" 0.3; "augment" passes :func:`shift_augment`.
    """
    fixes = _fixes(fixes)
    base = START["epochs"] if epochs is None else check_int("epochs", epochs, min_value=1)
    return {"kind": "cnn" if "cnn" in fixes else "mlp",
            "width": 128 if "bigger" in fixes else START["width"],
            "channels": 16 if "bigger" in fixes else START["channels"],
            "epochs": 3 * base if "more epochs" in fixes else base,
            "normalize": "normalize" in fixes,
            "weight_decay": 1e-3 if "weight decay" in fixes else 0.0,
            "dropout": 0.3 if "dropout" in fixes else 0.0,
            "augment": shift_augment if "augment" in fixes else None}


def fixes_name(fixes=()) -> str:
    """A short row name: "start" or the fixes joined, e.g. "norm+cnn+big" (in :data:`FIXES` order)."""
    fixes = _fixes(fixes)
    return "+".join(_SHORT[fix] for fix in fixes) if fixes else "start"


def apply_fixes(split: DigitsSplit, fixes=(), *, shifted: DigitsSplit | None = None,
                table: ResultsTable | None = None, name: str | None = None, epochs: int | None = None,
                random_state=0, logbook=None) -> NetworkRun:
    """Train the starting network with ``fixes`` on ``split``; scores on every part (and shifted).

    ``shifted``: the same split with moved val/test (:func:`labkit.recipe.digits.shifted_split`);
    its test accuracy becomes the run's "shifted" score. The row (named by :func:`fixes_name`)
    goes to ``table`` (as ``name`` if given) and the run to ``logbook`` as :func:`train_network` does.
    """
    if shifted is not None and not isinstance(shifted, DigitsSplit):
        raise TypeError(f"shifted must be a DigitsSplit (from shifted_split) or None, "
                        f"got {type(shifted).__name__}")
    settings = fixed_settings(fixes, epochs=epochs)
    name = fixes_name(fixes) if name is None else name
    run = train_network(settings.pop("kind"), split, name=name, random_state=random_state,
                        logbook=logbook, **settings)
    if shifted is not None:
        run.scores["shifted"] = run.accuracy(*shifted.test)
    if table is not None:
        table.add(name, seconds=run.history.seconds, **run.scores)
    return run


def remedies_to_try(remedies, fixes) -> list[str]:
    """``remedies`` (a Gaps' list) less those the ``fixes`` already apply, in order.

    "reduce regularization" stays only while a regularizing fix (dropout, weight decay) is on.
    """
    on = set(fixes)
    return [r for r in remedies if not on & set(REMEDY_FIXES.get(r, ()))
            and not (r == "reduce regularization" and not on & _REGULARIZING)]
