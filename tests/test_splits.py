"""Unit tests of labkit.splits: row and group splits, and scaling fitted on training only."""

import dataclasses

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from labkit import data, splits


def indexed(n=100):
    """X holds each row's index, y ten times it: every part can be traced back to its rows."""
    rows = np.arange(n)
    return rows, rows * 10


def rows_of(split):
    return [part[:, 0].astype(int) for part in (split.X_train, split.X_val, split.X_test)]


# ---------------------------------------------------------------- train_val_test_split

def test_default_split_is_70_20_10_disjoint_and_complete():
    split = splits.train_val_test_split(*indexed(100), random_state=0)
    train, val, test = rows_of(split)
    assert (len(train), len(val), len(test)) == (70, 20, 10)
    assert np.array_equal(np.sort(np.concatenate([train, val, test])), np.arange(100))
    for X, y in (split.train, split.val, split.test):
        assert np.array_equal(y, X[:, 0] * 10)  # rows stay paired with their targets
    assert repr(split) == "Split(train=70, val=20, test=10)"
    assert split.groups_train is None


def test_split_shuffles_reproducibly():
    first = splits.train_val_test_split(*indexed(), random_state=1)
    again = splits.train_val_test_split(*indexed(), random_state=1)
    other = splits.train_val_test_split(*indexed(), random_state=2)
    assert all(np.array_equal(a, b) for a, b in zip(rows_of(first), rows_of(again), strict=True))
    assert not np.array_equal(rows_of(first)[1], rows_of(other)[1])
    assert not np.array_equal(np.sort(rows_of(first)[0]), np.arange(70))  # not simply the first rows


def test_parts_and_properties_keep_shapes_and_dtypes():
    X = np.random.default_rng(0).normal(size=(50, 3))
    y = np.arange(50) % 2
    split = splits.train_val_test_split(X, y, fractions=(0.6, 0.2, 0.2), random_state=0)
    assert split.X_val.shape == (10, 3) and split.X_train.dtype == np.float64
    assert split.y_train.dtype == y.dtype  # class labels stay integers
    assert split.train[0] is split.X_train and split.test[1] is split.y_test
    with pytest.raises(dataclasses.FrozenInstanceError):
        split.X_train = X


def test_test_fraction_zero_gives_empty_test_part():
    split = splits.train_val_test_split(*indexed(10), fractions=(0.8, 0.2, 0.0), random_state=0)
    assert split.X_test.shape == (0, 1) and split.y_test.shape == (0,)
    assert repr(split) == "Split(train=8, val=2, test=0)"


def test_stratify_keeps_class_shares():
    X, _ = indexed(100)
    y = (X >= 60).astype(int)  # 60 of class 0, 40 of class 1
    split = splits.train_val_test_split(X, y, random_state=0, stratify=True)
    assert np.bincount(split.y_val).tolist() == [12, 8]
    assert np.bincount(split.y_test).tolist() == [6, 4]


# ---------------------------------------------------------------- group_split

def test_group_split_keeps_every_group_in_one_part():
    X, y, groups = data.make_materials(300, n_groups=6, random_state=0)
    split = splits.group_split(X, y, groups, random_state=0)
    parts = [set(split.groups_train), set(split.groups_val), set(split.groups_test)]
    assert [len(p) for p in parts] == [4, 1, 1]
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    assert len(split.X_train) + len(split.X_val) + len(split.X_test) == 300
    assert repr(split) == "Split(train=200, val=50, test=50, groups=(4, 1, 1))"


def test_group_split_labels_match_their_rows():
    rows, y = indexed(60)
    groups = rows // 10  # rows 0-9 are group 0, ...
    split = splits.group_split(rows, y, groups, fractions=(0.5, 0.5, 0.0), random_state=3)
    for X_part, groups_part in ((split.X_train, split.groups_train), (split.X_val, split.groups_val)):
        assert np.array_equal(X_part[:, 0] // 10, groups_part)
    assert len(split.X_test) == 0 and len(set(split.groups_train)) == 3
    again = splits.group_split(rows, y, groups, fractions=(0.5, 0.5, 0.0), random_state=3)
    assert np.array_equal(split.X_val, again.X_val)


def test_group_split_shuffles_groups_and_rows():
    rows, y = indexed(60)
    held_out = set()
    for seed in range(8):
        split = splits.group_split(rows, y, rows // 10, random_state=seed)
        held_out |= set(split.groups_test)
    assert len(held_out) >= 3  # the seed picks which groups are held out
    assert not np.array_equal(split.X_train[:, 0], np.sort(split.X_train[:, 0]))  # rows mixed too


# ---------------------------------------------------------------- scale

def test_standard_scaling_is_fitted_on_training_part_only():
    X = np.random.default_rng(0).normal(3.0, 2.0, size=(100, 2))
    split = splits.train_val_test_split(X, np.zeros(100), random_state=0)
    scaled, scaler = splits.scale(split)
    np.testing.assert_allclose(scaled.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled.X_train.std(axis=0), 1.0)
    assert np.abs(scaled.X_val.mean(axis=0)).max() > 1e-3  # validation is not re-centred on itself
    reference = StandardScaler().fit(split.X_train)
    np.testing.assert_allclose(scaler.mean_, reference.mean_)
    np.testing.assert_allclose(scaled.X_val, reference.transform(split.X_val))
    np.testing.assert_allclose(scaled.X_test, reference.transform(split.X_test))
    assert scaled.y_val is split.y_val and split.X_train.mean() > 2  # y untouched, input not modified


def test_minmax_scaling_and_empty_test_part():
    split = splits.train_val_test_split(*indexed(20), fractions=(0.5, 0.5, 0.0), random_state=0)
    scaled, _ = splits.scale(split, method="minmax")
    assert scaled.X_train.min() == 0.0 and scaled.X_train.max() == 1.0
    assert scaled.X_test.shape == (0, 1)


def test_scale_keeps_groups():
    X, y, groups = data.make_materials(60, random_state=0)
    split = splits.group_split(X, y, groups, random_state=0)
    scaled, _ = splits.scale(split)
    assert scaled.groups_val is split.groups_val


def test_split_names_have_one_home():
    # splitting lives in labkit.splits only: no re-export from data to keep in step
    assert not any(hasattr(data, name) for name in splits.__all__)


# ---------------------------------------------------------------- bad arguments

X10, Y10 = np.arange(10.0), np.arange(10)

BAD_SPLITS = [
    ({"X": X10, "y": Y10[:9]}, ValueError, "X has 10, y has 9"),
    ({"X": np.r_[X10[:9], np.nan], "y": Y10}, ValueError, "X contains NaN"),
    ({"X": X10, "y": np.r_[Y10[:9], np.inf]}, ValueError, "y contains NaN"),
    ({"X": np.zeros((10, 2, 2)), "y": Y10}, ValueError, "X must be 1-D or 2-D"),
    ({"X": X10, "y": Y10, "fractions": (0.5, 0.5)}, TypeError, "fractions"),
    ({"X": X10, "y": Y10, "fractions": 0.7}, TypeError, "fractions"),
    ({"X": X10, "y": Y10, "fractions": (0.7, 0.2, 0.2)}, ValueError, "fractions must sum to 1"),
    ({"X": X10, "y": Y10, "fractions": (0.9, 0.2, -0.1)}, ValueError, r"fractions\[2\]"),
    ({"X": X10, "y": Y10, "fractions": (1.0, 0.0, 0.0)}, ValueError, "fractions"),
    ({"X": X10[:3], "y": Y10[:3]}, ValueError, "n_samples=3 is too few for fractions"),
    ({"X": X10, "y": Y10, "stratify": "yes"}, TypeError, "stratify"),
    ({"X": X10, "y": Y10, "stratify": True}, ValueError, "stratify"),  # every class has one row
    ({"X": X10, "y": Y10, "random_state": 1.5}, TypeError, "random_state"),
]


@pytest.mark.parametrize("kwargs, error, message", BAD_SPLITS)
def test_bad_split_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        splits.train_val_test_split(**kwargs)


@pytest.mark.parametrize("groups, kwargs, error, message", [
    (np.arange(10) % 2, {}, ValueError, "n_groups=2 is too few"),
    (np.arange(10) % 5, {"fractions": (0.4, 0.4, 0.2)}, None, None),
    (np.arange(9) % 3, {}, ValueError, "groups has 9"),
    (np.zeros((10, 2)), {}, ValueError, "groups must have shape"),
])
def test_bad_group_split_arguments(groups, kwargs, error, message):
    if error is None:  # the control case: 5 groups cut 2/2/1 is fine
        split = splits.group_split(X10, Y10, groups, random_state=0, **kwargs)
        assert repr(split).endswith("groups=(2, 2, 1))")
        return
    with pytest.raises(error, match=message):
        splits.group_split(X10, Y10, groups, **kwargs)


def test_bad_scale_arguments():
    split = splits.train_val_test_split(X10, Y10, random_state=0)
    with pytest.raises(TypeError, match="split must be a Split"):
        splits.scale((X10, Y10))
    with pytest.raises(ValueError, match="method must be one of 'standard', 'minmax'"):
        splits.scale(split, method="robust")


@pytest.mark.parametrize("groups", [
    np.array([0.0, 0.0, 1.0, 1.0, 2.0, 2.0, np.nan, np.nan, 3.0, 3.0]),
    np.array(["a", "a", "b", "b", "c", "c", None, None, "d", "d"], dtype=object),
    [0, 0, 1, 1, 2, 2, float("nan"), float("nan"), 3, 3],
])
def test_group_split_rejects_missing_group_labels_instead_of_dropping_rows(groups):
    X, y = np.arange(10.0)[:, None], np.arange(10.0)
    expected = r"groups must hold a label for every row.*2 row\(s\) \(rows \[6, 7\]\)"
    with pytest.raises(ValueError, match=expected):
        splits.group_split(X, y, groups, fractions=(0.5, 0.5, 0.0), random_state=0)


def test_group_split_never_returns_an_empty_part_and_keeps_every_row():
    X, y = np.arange(12.0)[:, None], np.arange(12.0)
    groups = np.repeat([0.5, 1.5, 2.5, 3.5], 3)
    for seed in range(20):
        split = splits.group_split(X, y, groups, fractions=(0.5, 0.25, 0.25), random_state=seed)
        parts = (split.X_train, split.X_val, split.X_test)
        assert all(len(part) for part in parts) and sum(map(len, parts)) == 12
