"""An ensemble of networks (`--ensemble K`): K networks trained alike from different initial weights,
their predictions averaged.

Member 1 is exactly the network `--seed` alone would train, so `--ensemble 1` changes nothing; member
i > 1 draws its weights and mini-batch order from a seed derived from (--seed, i), so the members of
two ensembles with different seeds share no seed. The members see the same rows, scaling and
validation split; only their initial weights and shuffling differ. The record keeps member 1 in
`params["network"]` (as for one network) and members 2..K in `params["members"]`.

The members' spread (`member_spread`, the standard deviation of their predictions for each row) says
how much the prediction depends on the draw of initial weights: a part of the error size, not all of it.
"""

from __future__ import annotations

import numpy as np

from lifeexp_cli import options
from lifeexp_cli.errors import ParameterError
from lifeexp_cli.limits import MAX_MEMBERS, MAX_STORED_PARAMETERS
from lifeexp_cli.nn import mlp


def member_seeds(seed: int, k: int) -> list[int]:
    """--seed for member 1; for member i > 1 a 32-bit seed drawn from (seed, i)."""
    return [int(seed)] + [int(np.random.SeedSequence([int(seed), i]).generate_state(1)[0]) for i in range(1, k)]


def check_size(n_inputs: int, hidden: list[int], k: int) -> None:
    """Refuse an ensemble whose model file would exceed the loader's cap, before training it."""
    sizes = mlp.layer_sizes(n_inputs, hidden)
    per_network = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    if per_network * k > MAX_STORED_PARAMETERS:
        raise ParameterError(f"{{ensemble}} {k} networks of {per_network} parameters each would not fit in a "
                             "model file (64 MiB): use fewer members or a smaller {hidden}", "ensemble", k)


def networks(params: dict) -> list[dict]:
    """The stored networks of a model: member 1, then the others."""
    return [params["network"], *params.get("members", [])]


def member_predictions(params: dict, Xs: np.ndarray) -> np.ndarray:
    """(members, rows): each member's prediction for scaled inputs Xs."""
    return np.array([mlp.predict(mlp.from_plain(net), Xs, net["activation"]) for net in networks(params)])


def predict(params: dict, Xs: np.ndarray) -> np.ndarray:
    """The members' mean prediction (one network: its prediction)."""
    return member_predictions(params, Xs).mean(axis=0)


def member_spread(params: dict, Xs: np.ndarray) -> np.ndarray | None:
    """Per row, the sample standard deviation of the members' predictions; None for a single network."""
    if not params.get("members"):
        return None
    return member_predictions(params, Xs).std(axis=0, ddof=1)
