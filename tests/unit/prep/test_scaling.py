"""Scaling against hand-computed answers, and coefficients mapped back to original units."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from lifeexp_cli.cli.main import flag_of
from lifeexp_cli.errors import ParameterError, UsageError
from lifeexp_cli.model.fit import in_memory
from lifeexp_cli.model.fit import solvers
from lifeexp_cli.model.spec import Spec
from lifeexp_cli.prep import scaling

X = np.array([[1.0, 10.0, 5.0], [2.0, 30.0, 5.0], [3.0, 20.0, 5.0], [6.0, 40.0, 5.0]])


@pytest.mark.parametrize("method", scaling.METHODS)
def test_scaling_round_trip_and_constant_column(method):
    center, scale = scaling.fit_scaler(X, method)
    Xs = scaling.transform(X, center, scale)
    assert_allclose(Xs * scale + center, X)
    assert scale[2] == 1.0  # constant column: nothing divided by zero
    assert np.isfinite(Xs).all()


def test_minmax_and_standard_by_hand():
    c, s = scaling.fit_scaler(X, "minmax")
    assert_allclose(scaling.transform(X, c, s)[:, 0], [0.0, 0.2, 0.4, 1.0])
    c, s = scaling.fit_scaler(X, "standard")
    assert_allclose(c[0], 3.0)
    assert_allclose(s[0], np.sqrt(((X[:, 0] - 3.0) ** 2).mean()))


def test_no_intercept_scaling_does_not_centre():
    c, s = scaling.fit_scaler(X, "standard", center=False)
    assert_allclose(c, 0.0)


def test_coefficients_back_in_original_units():
    rng = np.random.default_rng(1)
    A = rng.normal(5, 3, size=(40, 2))
    y = 1.5 + A @ [2.0, -0.5]
    for method in scaling.METHODS:
        fit = in_memory.fit_arrays(A, y, ["a", "b"], Spec(scale=method))
        coef = solvers.coefficients(fit.params, ["a", "b"], True)
        assert_allclose([coef["intercept"], coef["a"], coef["b"]], [1.5, 2.0, -0.5], rtol=1e-10)


def test_unknown_scaler_is_usage_error_naming_the_parameter():
    with pytest.raises(ParameterError) as refused:
        scaling.fit_scaler(X, "robust")
    assert isinstance(refused.value, UsageError) and refused.value.param == "scale"
    assert str(refused.value) == "scale must be one of none, minmax, standard, got 'robust'"
    assert refused.value.message(flag_of) == "--scale must be one of none, minmax, standard, got 'robust'"
