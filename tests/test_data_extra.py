"""labkit.data's pendulum: the exact period law and its generator."""

from __future__ import annotations

import numpy as np
import pytest

from labkit.data import make_pendulum_period, pendulum_period


def test_period_matches_known_values():
    assert pendulum_period(0.0) == pytest.approx(2 * np.pi / np.sqrt(9.81), rel=1e-14)
    # the series T / T0 = 1 + a^2 / 16 + 11 a^4 / 3072 + ... for small amplitudes a
    a = 0.1
    assert pendulum_period(a) / pendulum_period(0.0) == pytest.approx(1 + a**2 / 16 + 11 * a**4 / 3072,
                                                                     rel=1e-9)
    # 4 sqrt(L / g) K(k), K from scipy's complete elliptic integral (parameter m = k^2)
    from scipy.special import ellipk

    amplitudes = np.array([0.5, 1.0, 2.0, 3.0, 3.14])
    expected = 4 / np.sqrt(9.81) * ellipk(np.sin(amplitudes / 2) ** 2)
    np.testing.assert_allclose(pendulum_period(amplitudes), expected, rtol=1e-10)  # m = k^2 near 1 rounds


def test_period_scales_with_length_and_gravity_and_broadcasts():
    assert pendulum_period(1.0, 4.0) == pytest.approx(2 * pendulum_period(1.0, 1.0))
    assert pendulum_period(1.0, 1.0, g=9.81 / 4) == pytest.approx(2 * pendulum_period(1.0))
    assert pendulum_period(-1.0) == pendulum_period(1.0)  # released to the left or right
    table = pendulum_period(np.array([[0.5], [1.0]]), np.array([1.0, 2.0, 3.0]))
    assert table.shape == (2, 3)
    assert pendulum_period(2.0) > pendulum_period(1.0) > pendulum_period(0.5)


def test_generator_shapes_determinism_and_truth():
    X, y, f = make_pendulum_period(50, random_state=0, return_function=True)
    assert X.shape == (50, 1) and y.shape == (50,) and X.dtype == y.dtype == np.float64
    assert X.min() >= 0.1 and X.max() <= 1.5
    np.testing.assert_array_equal(y, f(X))  # noise 0 by default
    np.testing.assert_array_equal(y, pendulum_period(X[:, 0]))
    X2, y2 = make_pendulum_period(50, random_state=0)
    np.testing.assert_array_equal(X, X2)
    _, noisy = make_pendulum_period(2000, noise=0.05, random_state=1, return_function=False)
    X3, clean = make_pendulum_period(2000, random_state=1)
    assert 0.04 < np.std(noisy - clean) < 0.06


@pytest.mark.parametrize("call, error, argument", [
    (lambda: pendulum_period(3.2), ValueError, "amplitude"),
    (lambda: pendulum_period(np.nan), ValueError, "amplitude"),
    (lambda: pendulum_period("big"), TypeError, "amplitude"),
    (lambda: pendulum_period(1.0, -1.0), ValueError, "length"),
    (lambda: pendulum_period(1.0, "long"), TypeError, "length"),
    (lambda: pendulum_period(1.0, g=0.0), ValueError, "g"),
    (lambda: make_pendulum_period(domain=(0.1, 3.2)), ValueError, "domain"),
    (lambda: make_pendulum_period(domain=(-0.5, 1.0)), ValueError, "domain"),
    (lambda: make_pendulum_period(domain=(1.0, 0.5)), ValueError, "domain"),
    (lambda: make_pendulum_period(n_samples=1), ValueError, "n_samples"),
    (lambda: make_pendulum_period(noise=-1.0), ValueError, "noise"),
])
def test_bad_arguments_raise_naming_the_argument(call, error, argument):
    with pytest.raises(error, match=argument) as info:
        call()
    assert "must" in str(info.value)
