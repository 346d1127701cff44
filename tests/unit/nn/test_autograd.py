"""The scalar computation graph: values, local derivatives, and backward through shared nodes."""

import math

import pytest

from lifeexp_cli.nn import autograd


def test_graph_accumulates_gradient_through_shared_nodes():
    a = autograd.Node(3.0, "a")
    b = a.mul(a, "b")  # a used twice: db/da = 2a
    c = b.add(a, "c").mul(2.0, "d")  # d = 2(a^2 + a)
    c.backward()
    assert b.local_derivative(a) == 6.0
    assert a.grad == 2 * (2 * 3.0 + 1)
    c.backward()  # backward resets first, so a second call gives the same gradient
    assert a.grad == 14.0


def test_graph_ops_values_and_local_derivatives():
    a, b = autograd.Node(2.0, "a"), autograd.Node(-0.5, "b")
    cases = [
        (a.add(b), 1.5, [1.0, 1.0]),
        (a.sub(b), 2.5, [1.0, -1.0]),
        (a.mul(b), -1.0, [-0.5, 2.0]),
        (a.mul(3.0), 6.0, [3.0]),
        (a.add(1.0), 3.0, [1.0]),
        (a.sub(1.0), 1.0, [1.0]),
        (b.square(), 0.25, [-1.0]),
        (b.relu(), 0.0, [0.0]),
        (a.relu(), 2.0, [1.0]),
        (a.identity(), 2.0, [1.0]),
        (a.tanh(), math.tanh(2.0), [1 - math.tanh(2.0) ** 2]),
        (a.sigmoid(), 1 / (1 + math.exp(-2.0)), [math.exp(-2.0) / (1 + math.exp(-2.0)) ** 2]),
    ]
    for node, value, locals_ in cases:
        assert node.value == pytest.approx(value, rel=1e-12)
        assert list(node.local_derivatives) == pytest.approx(locals_, rel=1e-12)
