"""Learn backpropagation on the lecture's worked example: J(θ) = (ŷ − y)², ŷ = a(g), g = θ₀ + θ₁x (a the
activation, ReLU in the lecture)."""

from __future__ import annotations


def worked_example(x: float = 2.0, y: float = 1.0, theta0: float = 5.0, theta1: float = -1.0, lr: float = 0.1,
                   activation: str = "relu", steps: int | None = None) -> dict:
    """One gradient-descent step on the lecture's example, every number read from a graph that recorded
    the operations: `graph` (leaves and operations), `forward` (each node's value), `local` (each edge's
    derivative), `chains` (the chain-rule factors per parameter), `gradients`, `updated` (θ after the
    step), `loss_before`, `loss_after`, `inactive` (a ReLU whose input is ≤ 0), and `history`, the
    points of `steps` steps of gradient descent (one when None) with `relu_died_at`, the step whose
    update made the ReLU's input ≤ 0 for good (None when none did)."""
    from lifeexp_cli.nn import backprop_example

    return backprop_example.explain(x=x, y=y, theta0=theta0, theta1=theta1, lr=lr, activation=activation,
                                    steps=1 if steps is None else steps)
