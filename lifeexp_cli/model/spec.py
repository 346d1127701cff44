"""What to fit: the model specification (kind, solver, preprocessing, options) and its defaults.

A Spec holds hyperparameters only, nothing learned; `make_spec` fills in every default and checks the
options against the model kind and solver. The fitting itself is in model/fit/.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from lifeexp_cli import options as declared
from lifeexp_cli.errors import ParameterError
from lifeexp_cli.linear import closed_form
from lifeexp_cli.nn import regressor
from lifeexp_cli.optim import loop

KINDS = declared.KINDS
# kind -> its solvers: the exact ones, then the optimizers of the training loop
SOLVERS = {"linear": (*closed_form.SOLVERS, *loop.SOLVERS), "mlp": tuple(loop.SOLVERS)}
DEFAULT_SOLVER = declared.DEFAULT_SOLVER


@dataclass(frozen=True)
class Spec:
    """What to fit: model kind, solver and preprocessing. Hyperparameters only, nothing learned."""

    kind: str = "linear"
    solver: str = "lstsq"
    scale: str = "none"
    impute: str = "mean"
    intercept: bool = True
    options: dict = field(default_factory=dict)  # solver options (lr, epochs, ...), stored in the model

    def describe(self) -> dict:
        return {"kind": self.kind, "solver": self.solver, "scale": self.scale, "impute": self.impute,
                "intercept": self.intercept, "options": dict(self.options)}


def solvers_for(kind: str) -> list[str]:
    return list(SOLVERS.get(kind, ()))


def check_solver(kind: str, solver: str) -> None:
    if kind not in KINDS:
        raise ParameterError(f"{{kind}} must be one of {', '.join(KINDS)}, got {{value!r}}", "kind", kind)
    if solver not in SOLVERS[kind]:
        known = any(solver in names for names in SOLVERS.values())
        what = f"does not apply to {kind} models" if known else "is not a solver"
        raise ParameterError(f"{{solver}} {{value}} {what}: use one of {', '.join(solvers_for(kind))}",
                             "solver", solver)


def make_spec(kind: str = "linear", solver: str | None = None, *, scale: str | None = None, impute: str = "mean",
              intercept: bool = True, training: dict | None = None, seed: int = 0,
              network_options: dict | None = None) -> Spec:
    """A Spec with the solver's defaults: iterative solvers scale (standard) and get every training option
    filled in (seed included: it draws θ and shuffles); closed-form solvers refuse training options and
    default to no scaling. A network (kind mlp) defaults to adam, takes network_options (hidden,
    activation, weight_decay) and the network's training defaults (nn/regressor.py)."""
    solver = solver or DEFAULT_SOLVER.get(kind, "lstsq")
    check_solver(kind, solver)
    training = training or {}
    network_options = {k: v for k, v in (network_options or {}).items() if v is not None}
    if kind == "mlp":
        if not intercept:
            raise ParameterError("{no_intercept} does not apply to {kind} mlp: every unit of a network has a bias",
                                 "no_intercept", True)
        return Spec(kind, solver, scale or "standard", impute, True,
                    regressor.check_options(solver, {"seed": seed, **training}, network_options))
    if network_options:
        named = ", ".join("{%s}" % k for k in network_options)  # each option's name, for the template
        raise ParameterError(named + " only apply to {kind} mlp (a neural network), not a linear model", "kind", kind)
    if loop.is_iterative(solver):
        return Spec(kind, solver, scale or "standard", impute, intercept,
                    loop.check_options(solver, {"seed": seed, **training}))
    loop.reject_for_closed_form(solver, training)
    return Spec(kind, solver, scale or "none", impute, intercept, {})


def from_options(kind: str = "linear", solver: str | None = None, *, scale: str | None = None,
                 impute: str = "mean", intercept: bool = True, seed: int = 0, options: dict | None = None) -> Spec:
    """`make_spec` from one dict of options, as the command line and the Python API take them: None means
    not given; the network's options (hidden, activation, weight_decay) go apart from the training ones."""
    given = {k: v for k, v in (options or {}).items() if v is not None}
    network = {k: v for k, v in given.items() if k in regressor.OPTION_KEYS}
    training = {k: v for k, v in given.items() if k not in regressor.OPTION_KEYS}
    return make_spec(kind, solver, scale=scale, impute=impute, intercept=intercept, training=training, seed=seed,
                     network_options=network)


def completed(spec: Spec) -> Spec:
    """The spec with every training option filled in (a Spec built by hand may give only some)."""
    if not loop.is_iterative(spec.solver):
        return spec
    if spec.kind == "mlp":
        training = {k: v for k, v in spec.options.items() if k not in regressor.OPTION_KEYS}
        chosen = {k: v for k, v in spec.options.items() if k in regressor.OPTION_KEYS}
        return replace(spec, options=regressor.check_options(spec.solver, training, chosen))
    return replace(spec, options=loop.check_options(spec.solver, spec.options))


def from_record(described: dict) -> Spec:
    """The Spec a model record describes (`Spec.describe`). Files written before momentum had two forms
    used Polyak's, so a momentum spec without `momentum_form` is Polyak's: an old model refits as it was."""
    options = dict(described.get("options") or {})
    if described.get("solver") == "momentum":
        options.setdefault("momentum_form", "polyak")
    if described.get("kind") == "mlp":  # networks written before skewed inputs were logged did not log them
        options.setdefault("log_skewed", False)
    return Spec(**{**described, "options": options})
