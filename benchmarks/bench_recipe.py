"""Lab 09's figures (issue 13): the CNN on digits against the baselines in one table, and the
transfer-learning curve; also the rare-class, diagnosis, label-noise and cleaning numbers.

Run on one core: ``taskset -c 0 .venv/bin/python benchmarks/bench_recipe.py``. Goals: the
CNN's test accuracy >= 97% and its training <= 20 s on one core.
"""

from __future__ import annotations

import time

import torch

from labkit.recipe.baselines import flat, score_baselines
from labkit.recipe.cleaning import cleaning_vs_tuning
from labkit.recipe.diagnosis import prioritize_row
from labkit.recipe.digits import shifted_split, split_digits
from labkit.recipe.goals import (
    always_healthy,
    binary_scores,
    choose_threshold,
    precision_recall,
    rare_class_task,
)
from labkit.recipe.label_noise import find_flipped_labels
from labkit.recipe.networks import train_network
from labkit.recipe.table import ResultsTable
from labkit.recipe.transfer import normalization_bug, pretrain, transfer_curve


def rare_class(split) -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = rare_class_task(*split.train, disease=3, random_state=0)
    X_val, y_val = rare_class_task(*split.val, disease=3, random_state=1)
    X_test, y_test = rare_class_task(*split.test, disease=3, random_state=2)
    model = LogisticRegression(max_iter=2000).fit(flat(X), y)
    curve = precision_recall(y_val, model.predict_proba(flat(X_val))[:, 1])
    threshold = choose_threshold(curve, min_recall=0.9)
    scores = model.predict_proba(flat(X_test))[:, 1]
    print("rare class (digit 3 as the disease, 5%), test set:")
    for name, s in (("always healthy", always_healthy(y_test)),
                    ("logistic @ 0.5", binary_scores(y_test, scores)),
                    (f"logistic @ {threshold:.3f}", binary_scores(y_test, scores, threshold=threshold))):
        print(f"  {name:<20} accuracy {100 * s.accuracy:5.1f}%  precision {100 * s.precision:5.1f}%  "
              f"recall {100 * s.recall:5.1f}%")


def main() -> None:
    torch.set_num_threads(1)
    split = split_digits(random_state=0)
    print(split)
    rare_class(split)
    table = score_baselines(split, ResultsTable(goal=0.97))
    train_network("mlp", split, table=table, epochs=30)
    start = time.perf_counter()
    cnn = train_network("cnn", split, table=table, epochs=20)
    wall = time.perf_counter() - start
    print(f"\nresults (goal 97% accuracy):\n{table}")
    print(f"CNN: test accuracy {100 * cnn.scores['test']:.1f}% (goal >= 97%), "
          f"training {cnn.history.seconds:.1f} s"
          f" ({wall:.1f} s with evaluation; goal <= 20 s on one core)")
    for kind in ("thicken", "shift"):
        moved = shifted_split(split, kind)
        shifted = ResultsTable(goal=0.97)
        shifted.add(f"cnn, {kind}", train=cnn.scores["train"], train_val=cnn.scores["train_val"],
                    val=cnn.accuracy(*moved.val), test=cnn.accuracy(*moved.test))
        print(f"diagnosis with a {kind}ed val/test: {prioritize_row(shifted, f'cnn, {kind}')}")
    noise = find_flipped_labels(split, fraction=0.05)
    print(f"label noise: {noise.k} of {len(noise.flipped)} training labels flipped; precision of the top "
          f"{noise.k} by loss: {100 * noise.precision_at_k:.0f}% (random: 5%)")
    start = time.perf_counter()
    print(f"data beats tuning: {cleaning_vs_tuning(split)} ({time.perf_counter() - start:.0f} s)")
    source = pretrain(split, epochs=20)
    print(f"\npretrained on 0-4: test {100 * source.scores['test']:.1f}%; the same weights fed other "
          f"normalizations: { {k: round(100 * v, 1) for k, v in normalization_bug(source, split).items()} }")
    start = time.perf_counter()
    for normalization in ("pretrained", "none"):
        curve = transfer_curve(split, source, ks=(1, 5, 20), repeats=3, normalization=normalization)
        print(f"transfer to 5-9, test accuracy, mean of 3 draws ({normalization} normalization):")
        for mode, accuracy in zip(curve.modes, curve.accuracy, strict=True):
            print(f"  {mode:>10}: " + "  ".join(f"k={k}: {100 * a:5.1f}%" for k, a in
                                              zip(curve.ks, accuracy, strict=True)))
    print(f"(transfer curves {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
