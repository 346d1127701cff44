"""The model record: the one place that builds it, and its typed form.

`build_record` makes the dict a model file holds, for every way of fitting (in memory, streamed): its
keys and their order are the model file format (store.py writes and reads it, docs/model-format.md).

`ModelRecord` is the same record as frozen dataclasses, one per part: what was fitted (`SpecPart`), the
learned parameters (`Parameters`, with `StoredNetwork` for a network and each ensemble member), the
scores (`Metrics`), the coefficients' standard errors (`Inference`, `Covariance`), the prediction
intervals' calibration (`Calibration`), the domain check's reference (`Domain`), the training run
(`Training`, `NetworkShape`, `EnsembleRun`), where the data came from (`Provenance`, `Streamed`) and
where its rows went (`Rows`). `from_plain(dict)` and `to_plain(record)` convert at the store boundary
only (store.load_record, store.save_record); nothing else handles the plain dict.

Every attribute is named as its key in the file. Lists are held as tuples and mappings as read-only
mappings; numbers stay the floats and ints the file holds, so plain → typed → plain gives back exactly
the same dict. A part also keeps the keys it was read with, in their order (`layout`: an older file may
lack a key a newer one holds as null), and any key this version does not know (`other`).

Standard library only: `predict` loads a model on its fast start-up path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import chain
from types import MappingProxyType
from typing import Any, NamedTuple, Optional

from lifeexp_cli import __version__

FORMAT = "lifeexp-model"
FORMAT_VERSION = 2  # 2: calibration scores and domain rows as float64 bytes (model/packed.py PACKED)
Numbers = tuple  # a list of numbers in the file: a tuple of int or float here
EMPTY: Mapping = MappingProxyType({})
NUMBERS = frozenset({float, int})  # the numbers `plain` leaves as they are when finite
ROWS = frozenset({list, tuple})


# --- conversion ---------------------------------------------------------------------------------------------

def plain(value):
    """numpy scalars and arrays to Python values; NaN and infinity (which JSON lacks) to None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        # Calibration scores and domain rows (thousands of numbers) are finite numbers, kept as they are in
        # one step; anything else value by value.
        kinds = set(map(type, value))
        if kinds <= NUMBERS and _finite(value):
            return list(value)
        if len(kinds) == 1 and kinds <= ROWS and set(map(type, chain.from_iterable(value))) <= NUMBERS \
                and _finite(chain.from_iterable(value)):
            return list(map(list, value))
        return [plain(v) for v in value]
    if hasattr(value, "tolist"):
        return plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _finite(numbers) -> bool:
    """Whether ints and floats are all finite: their sum is finite when every one is."""
    try:
        return math.isfinite(sum(numbers))
    except OverflowError:  # an int too large for a float: each is looked at on its own
        return False


def _key(default: Any = dataclasses.MISSING, *, part: type | None = None, each: type | None = None,
         omitted: bool = False):
    """A field named as its key. `part`: its value is that part (a mapping in the file); `each`: a list
    of such parts; `omitted`: a new record leaves the key out when the value is None (today's writer
    adds it only when there is one, e.g. `calibration`)."""
    return dataclasses.field(default=default, metadata={"part": part, "each": each, "omitted": omitted})


SCALARS = frozenset({str, int, float, bool, type(None), bytes})


def _frozen(value):
    """Plain values as read-only ones: lists to tuples, dicts to read-only mappings (all the way down).
    A list of numbers (calibration scores) or of rows of numbers (domain rows) is copied in one step:
    `predict` converts thousands of them on start-up."""
    kind = type(value)
    if kind is list:
        kinds = set(map(type, value))
        if kinds <= SCALARS:
            return tuple(value)
        if kinds == {list}:
            rows = tuple(map(tuple, value))
            if set(map(type, chain.from_iterable(rows))) <= SCALARS:
                return rows
        return tuple(map(_frozen, value))
    if kind is dict:
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    return value


def _plain(value):
    """The inverse of `_frozen`; parts become their dicts."""
    kind = type(value)
    if kind is tuple:
        kinds = set(map(type, value))
        if kinds <= SCALARS:
            return list(value)
        if kinds == {tuple} and set(map(type, chain.from_iterable(value))) <= SCALARS:
            return list(map(list, value))
        return [_plain(v) for v in value]
    if kind is MappingProxyType or kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Part):
        return value.to_plain()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


_PENDING: dict[type, None] = {}  # the parts not yet made dataclasses, in the order they are defined


def _part(cls: type) -> type:
    """A part, made a dataclass on first use (`_ready`)."""
    _PENDING[cls] = None
    return cls


def _ready(cls: type | None = None) -> None:
    """Make a pending part a dataclass, its bases first (None: every pending part).

    The decorator is asked for the fields only (no __init__, __repr__, __eq__): generating those methods
    compiles code, about 130 functions for the 22 parts, a third of numpy's import, which `predict` would
    pay on every run. `Part` defines them once for every part, as frozen keyword-only dataclasses have
    them; `dataclasses.fields` and `replace` work as on any dataclass. A part is made when
    first used: `predict` makes only those its model file holds."""
    for made in [c for c in (list(_PENDING) if cls is None else reversed(cls.__mro__)) if c in _PENDING]:
        del _PENDING[made]
        written = made.__dict__.get("__annotations__", {})
        made.__annotations__ = dict.fromkeys(written, object)  # names only: no annotation strings to parse
        try:
            dataclass(init=False, repr=False, eq=False)(made)
        finally:
            made.__annotations__ = written
        fields = dataclasses.fields(made)
        for f in fields:
            f.type = written.get(f.name, f.type)
        made._defaults = [(f.name, f.default, f.default_factory) for f in fields]
        made._compared = [f.name for f in fields if f.compare]
        made._shown = [f.name for f in fields if f.repr]
        made._kinds = {f.name: (f.metadata.get("part"), f.metadata.get("each")) for f in fields
                       if f.name not in ("other", "layout")}
        for name, (part, _) in made._kinds.items():  # a part read lazily is found by __getattr__, not here
            if part is not None and name in made.__dict__:
                delattr(made, name)


@_part
class Part:
    """A part of the record: a mapping in the file, with one field per key it knows. Frozen: a changed
    part is a new one (`dataclasses.replace`)."""

    def __new__(cls, *args, **kwargs):
        if cls in _PENDING:
            _ready(cls)
        return super().__new__(cls)

    other: Mapping = dataclasses.field(default_factory=lambda: EMPTY, repr=False)  # keys this version does not know
    layout: tuple = dataclasses.field(default=(), repr=False, compare=False)  # the keys read, in order

    _lazy = False  # ModelRecord: its parts are typed when first read (`__getattr__`)

    def __init__(self, _stash: dict | None = None, **values):
        """Keyword arguments only, one per field; a field left out takes its default. `_stash`: the parts
        not typed yet, {name: (part class, plain value)} (`from_plain` of a lazy part)."""
        object.__setattr__(self, "_stash", _stash)
        for name, default, factory in self._defaults:
            if _stash and name in _stash:
                continue
            if name in values:
                value = values.pop(name)
            elif default is not dataclasses.MISSING:
                value = default
            elif factory is not dataclasses.MISSING:
                value = factory()
            else:
                raise TypeError(f"{type(self).__name__}() missing keyword argument {name!r}")
            object.__setattr__(self, name, value)
        if values:
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {next(iter(values))!r}")

    def __getattr__(self, name):
        """A part not typed yet (`_stash`): typed now, once."""
        stash = self.__dict__.get("_stash")
        if not stash or name not in stash:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        part, value = stash.pop(name)
        typed = part.from_plain(value)
        object.__setattr__(self, name, typed)
        return typed

    def __setattr__(self, name, value):
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self._compared)

    def __hash__(self):
        return hash(tuple(getattr(self, name) for name in self._compared))

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{name}={getattr(self, name)!r}' for name in self._shown)})"

    @classmethod
    def keys(cls) -> list[dataclasses.Field]:
        _ready(cls)
        return [f for f in dataclasses.fields(cls) if f.name not in ("other", "layout")]

    @classmethod
    def from_plain(cls, stored: Mapping):
        """The part from the plain mapping of a checked record (store.loads, or build_record)."""
        if cls in _PENDING:
            _ready(cls)
        kinds = cls._kinds
        values, other, stash = {}, {}, {}
        for name, value in stored.items():
            if name not in kinds:
                other[name] = _frozen(value)
                continue
            part, each = kinds[name]
            if value is None:
                values[name] = None
            elif part is not None and cls._lazy:
                stash[name] = (part, value)
            elif part is not None:
                values[name] = part.from_plain(value)
            elif each is not None:
                values[name] = tuple(each.from_plain(v) for v in value)
            else:
                values[name] = _frozen(value)
        return cls(stash or None, **values, other=MappingProxyType(other), layout=tuple(stored))

    def _names(self) -> list[str]:
        """The keys of the part's plain dict: those read, in their order; for a part made here, every key
        it knows (those `omitted` only when not None), then the unknown ones."""
        return list(self.layout) or [*(f.name for f in self.keys()
                                       if not (f.metadata.get("omitted") and getattr(self, f.name) is None)),
                                     *self.other]

    def _value(self, name: str):
        return self.other[name] if name in self.other else getattr(self, name)

    def to_plain(self) -> dict:
        """The plain dict, as the file holds it (`_names`)."""
        return {name: _plain(self._value(name)) for name in self._names()}

    def as_mapping(self) -> Mapping:
        """The part as a read-only mapping of its plain values, without copying (its parts as such mappings,
        lists as tuples): for the layers below model/ (evaluate/, nn/), whose functions take the plain
        values a file holds. The one place a typed part is read by its keys. Made once per part (a part
        is frozen), and each value read from the part when asked for (`PartView`)."""
        made = self.__dict__.get("_mapping")
        if made is None:
            made = PartView(self)
            object.__setattr__(self, "_mapping", made)
        return made


class PartView(Mapping):
    """`Part.as_mapping`: a part's keys in the file's order, each value read from the part when asked for
    (a part as its own view, a tuple of parts as a tuple of views). `compare` hands evaluate/difference.py a
    whole record, of which it reads three keys: a mapping made up front typed every part of the record."""

    __slots__ = ("_part", "_keys")

    def __init__(self, part: Part):
        self._part, self._keys = part, dict.fromkeys(part._names())

    def __getitem__(self, name: str):
        if name not in self._keys:
            raise KeyError(name)
        return _mapped(self._part._value(name))

    def __contains__(self, name) -> bool:
        return name in self._keys

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self)!r})"


def _mapped(value):
    if isinstance(value, Part):
        return value.as_mapping()
    if type(value) is tuple and value and isinstance(value[0], Part):
        return tuple(_mapped(v) for v in value)
    return value


def from_plain(stored: Mapping) -> ModelRecord:
    """The typed record of a plain one (a loaded file, or build_record's dict)."""
    return ModelRecord.from_plain(stored)


def to_plain(record: ModelRecord) -> dict:
    """The record's plain dict, exactly as the file holds it (and `path` where it was read from)."""
    return record.to_plain()


def plain_values(value):
    """A typed value (a part, a tuple, a read-only mapping; None) as the plain values a file or a JSON
    document holds: dicts and lists."""
    return _plain(value)


# --- the parts ----------------------------------------------------------------------------------------------

@_part
class SpecPart(Part):
    """What was fitted how: model/spec.py's Spec as stored (`spec`)."""

    kind: str
    solver: str
    scale: str
    impute: str
    intercept: bool
    options: Mapping  # the training options the fit used (lr, epochs, hidden, ...): compare --folds trains with them


@_part
class StoredNetwork(Part):
    """One network's layers (nn/mlp.py to_plain): weights[i] is fan_in × fan_out, biases[i] fan_out."""

    activation: str
    sizes: Numbers
    weights: tuple
    biases: tuple


@_part
class Parameters(Part):
    """Everything prediction needs (`params`): the imputation fill and scaling per feature, then a linear
    model's θ in scaled units (weights, bias) or a network (network, and an ensemble's other members)."""

    fill: Numbers
    center: Numbers
    scale: Numbers
    log: Optional[Numbers] = _key(None, omitted=True)  # a network's log(1 + x) inputs (prep/skew.py)
    weights: Optional[Numbers] = _key(None, omitted=True)
    bias: Optional[float] = _key(None, omitted=True)
    network: Optional[StoredNetwork] = _key(None, part=StoredNetwork, omitted=True)
    members: Optional[tuple] = _key(None, each=StoredNetwork, omitted=True)  # of StoredNetwork

    @property
    def networks(self) -> tuple:
        """A network model's networks: the first, then the ensemble's other members."""
        return () if self.network is None else (self.network, *(self.members or ()))


@_part
class Scores(Part):
    """RMSE, MAE and R² on some rows (None where not computed)."""

    rmse: float
    mae: Optional[float] = None
    r2: Optional[float] = None


@_part
class CrossValidation(Part):
    """K-fold cross-validation's scores: their means, spreads and each fold's (`metrics.cv`)."""

    rmse: float
    rmse_std: float
    mae: Optional[float]
    mae_std: Optional[float]
    r2: Optional[float]
    r2_std: Optional[float]
    folds: tuple = _key(each=Scores)  # of Scores
    k: int
    split: str
    seed: int


@_part
class Metrics(Part):
    """Scores on the training rows, the held-out rows (--test-size) and in cross-validation (--folds)."""

    train: Scores = _key(part=Scores)
    test: Optional[Scores] = _key(None, part=Scores)
    cv: Optional[CrossValidation] = _key(None, part=CrossValidation)


@_part
class Rows(Part):
    """Where the data's rows went, as stored (`rows`; RowCounts below is what a fit counts)."""

    train: Optional[int] = None
    test: Optional[int] = None
    dropped: Optional[int] = None
    dropped_target: Optional[int] = None
    dropped_missing: Optional[int] = None
    imputed: Optional[Mapping] = None  # feature -> values filled in


@_part
class Split(Part):
    """The holdout split (--test-size): how, and which rows of the data were held out."""

    method: Optional[str] = None
    seed: Optional[int] = None
    test_size: Optional[float] = None
    test_rows: Numbers


@_part
class Provenance(Part):
    """Where the data came from (`data`): its SHA-256, the source as given, its row count."""

    sha256: Optional[str] = None
    source: Optional[str] = None
    rows: Optional[int] = None


@_part
class Training(Part):
    """An iterative fit's run (optim/loop.py TrainingResult.summary)."""

    epochs_run: int
    converged: bool
    loss_history: Numbers
    val_loss_history: Optional[Numbers] = None
    initial_loss: float
    best_epoch: Optional[int] = None
    kept_epoch: int
    final_loss: float
    final_val_loss: Optional[float] = None
    monitored: str
    validation_rows: Optional[int] = _key(None, omitted=True)


@_part
class NetworkShape(Part):
    """A network's architecture facts (`network`; nn/regressor.py describe)."""

    architecture: Numbers
    activation: str
    parameters: int


@_part
class EnsembleRun(Part):
    """An ensemble's members (`ensemble`, --ensemble K): their seeds and how their training ended."""

    members: int
    seeds: Numbers
    epochs_run: Numbers
    final_val_loss: tuple


@_part
class Streamed(Part):
    """How a streamed fit read its data (`streamed`)."""

    chunk_rows: Optional[int] = None
    chunks: Optional[int] = None
    passes: Optional[int] = None
    parts: Optional[int] = _key(None, omitted=True)  # files read (--engine dask)


@_part
class Domain(Part):
    """The reference of the check for inputs unlike the training data (evaluate/domain.py)."""

    method: str
    k: int
    quantile: float
    threshold: float
    center: Numbers
    scale: Numbers
    training_rows: Optional[int] = None
    leave_out: Optional[str] = None
    rows: tuple  # of tuples: reference rows in standardized units


@_part
class Inference(Part):
    """A linear model's coefficient inference (model/inference.py): standard errors of `se_type`, and per
    term (intercept first) estimate, se, t, p, ci_low, ci_high."""

    se_type: str
    level: float
    clusters: Optional[int] = None
    coefficients: Mapping  # term -> {estimate, se, t, p, ci_low, ci_high}
    r2_adj: Optional[float] = None
    f_stat: Optional[float] = None
    f_p: Optional[float] = None
    log_likelihood: Optional[float] = None
    aic: Optional[float] = None
    bic: Optional[float] = None


@_part
class Covariance(Part):
    """The coefficients' covariance matrix (`coefficient_covariance`), terms as in Inference."""

    se_type: str
    df: int
    terms: tuple
    matrix: tuple  # of tuples


@_part
class Spread(Part):
    """A network ensemble's member spread in the error-size model (`calibration.spread`)."""

    center: float
    scale: float
    coef: float


@_part
class DistanceTerm(Part):
    """The shift calibration's distance hinge (`calibration.error_size.distance`, evaluate/shift.py)."""

    reference: float  # d₀
    coef: float  # c ≥ 0
    most: float  # the largest distance part of log σ
    farthest: Optional[float] = None  # the largest calibration row's distance


@_part
class ErrorSize(Part):
    """The shift calibration's error-size model (`calibration.error_size`, evaluate/shift.py)."""

    center: Numbers
    scale: Numbers
    coef: Numbers
    clip: Numbers
    distance: DistanceTerm = _key(part=DistanceTerm)


@_part
class Calibration(Part):
    """The prediction intervals' calibration: "cv-conformal" (evaluate/conformal.py: center ... scores) or
    "shift-conformal" (evaluate/shift.py: error_size and statuses), read by model/predict/intervals.py."""

    method: str
    normalizer: Optional[str] = None
    folds: Optional[int] = None
    split: Optional[str] = None
    groups: Optional[int] = None
    rows: int
    center: Optional[Numbers] = _key(None, omitted=True)
    scale: Optional[Numbers] = _key(None, omitted=True)
    coef: Optional[Numbers] = _key(None, omitted=True)
    clip: Optional[Numbers] = _key(None, omitted=True)
    spread: Optional[Spread] = _key(None, part=Spread, omitted=True)  # network ensembles only
    scores: Optional[Numbers] = _key(None, omitted=True)  # sorted normalized out-of-fold residuals
    error_size: Optional[ErrorSize] = _key(None, part=ErrorSize, omitted=True)
    # status group ("all", "developed", "developing") -> {"pooled": cell, "folds": [cell]}, cell {"rows", "scores"}
    statuses: Optional[Mapping] = _key(None, omitted=True)


@_part
class ModelRecord(Part):
    """A model file's record, typed. Fields in the order build_record writes them. Its parts are typed
    when first read: `predict` never types the metrics or the inference it does not show."""

    _lazy = True

    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    lifeexp_version: Optional[str] = _key(None, omitted=True)
    created_at: Optional[str] = _key(None, omitted=True)
    kind: str
    target: str
    features: tuple
    intercept: bool
    solver: Optional[str] = _key(None, omitted=True)
    spec: SpecPart = _key(part=SpecPart)
    params: Parameters = _key(part=Parameters)
    ranges: Mapping  # feature -> (low, high) of the training rows, or (None, None)
    means: Mapping  # feature -> mean of the training rows
    metrics: Metrics = _key(part=Metrics)
    rows: Optional[Rows] = _key(None, part=Rows)
    split: Optional[Split] = _key(None, part=Split)
    data: Provenance = _key(part=Provenance)
    condition_number: Optional[float] = None
    warnings: tuple = ()
    training: Optional[Training] = _key(None, part=Training, omitted=True)
    network: Optional[NetworkShape] = _key(None, part=NetworkShape, omitted=True)
    ensemble: Optional[EnsembleRun] = _key(None, part=EnsembleRun, omitted=True)
    streamed: Optional[Streamed] = _key(None, part=Streamed, omitted=True)
    domain: Optional[Domain] = _key(None, part=Domain)
    inference: Optional[Inference] = _key(None, part=Inference)
    coefficient_covariance: Optional[Covariance] = _key(None, part=Covariance, omitted=True)
    coefficients: Optional[Mapping] = _key(None, omitted=True)  # term -> θ in original units (linear)
    coefficients_scaled: Optional[Mapping] = _key(None, omitted=True)  # term -> θ in scaled units
    calibration: Optional[Calibration] = _key(None, part=Calibration, omitted=True)
    path: Optional[str] = _key(None, omitted=True)  # where store.load read it (not in the file)

    @property
    def is_network(self) -> bool:
        return self.kind == "mlp"

    @property
    def is_linear(self) -> bool:
        return self.kind == "linear"

    @property
    def is_ensemble(self) -> bool:
        return bool(self.params.members)

    @property
    def is_streamed(self) -> bool:
        return self.streamed is not None

    @property
    def calibrated(self) -> bool:
        """Whether predictions come with intervals."""
        return self.calibration is not None

    @property
    def has_domain(self) -> bool:
        return self.domain is not None

    @property
    def has_inference(self) -> bool:
        return self.inference is not None

    @property
    def terms(self) -> tuple:
        """The linear model's terms: "intercept" (when fitted with one), then the features."""
        return (("intercept",) if self.intercept else ()) + tuple(self.features)

    def without_path(self) -> ModelRecord:
        """The record as its file holds it (`path` is where it was read from)."""
        layout = tuple(key for key in self.layout if key != "path")
        return dataclasses.replace(self, path=None, layout=layout)


# --- building a record --------------------------------------------------------------------------------------

class RowCounts(NamedTuple):  # not a dataclass: `predict` and `compare` load this module and never build a record
    """Where the data's rows went."""

    train: int  # rows the model was fitted on
    test: int  # rows held out for the test score
    dropped_target: int  # rows without a target value
    dropped_missing: int  # rows dropped for a missing feature value (impute drop)
    imputed: dict  # feature -> number of values filled in

    def describe(self) -> dict:
        return {"train": self.train, "test": self.test, "dropped": self.dropped_target + self.dropped_missing,
                "dropped_target": self.dropped_target, "dropped_missing": self.dropped_missing,
                "imputed": self.imputed}


def header(spec, target: str, features: list[str]) -> dict:
    """The keys every model record starts with: format, versions, time, and what was fitted how."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "lifeexp_version": __version__,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "kind": spec.kind,
        "target": target,
        "features": features,
        "intercept": spec.intercept,
        "solver": spec.solver,
        "spec": spec.describe(),
    }


def build_record(spec, target: str, features: list[str], *, params: dict, coefficients: dict | None,
                 ranges: dict, means: dict, metrics: dict, rows: RowCounts, split: dict | None, data: dict,
                 condition_number: float | None, warnings: list[str], extra: dict,
                 calibration: dict | None = None) -> dict:
    """The model record, in plain values (`from_plain` gives its typed form).

    params: everything `arrays.predict` (model/predict/arrays.py) needs; coefficients: a linear model's, in original units (None
    for other kinds); ranges/means: per feature, of the training rows; metrics: train/test/cv scores;
    data: {sha256, source, rows}; extra: what only some fits have (training history, network, streamed);
    calibration: the prediction intervals' (model/fit/interval_calibration.py), kept under "calibration" when there is one.
    """
    record = {
        **header(spec, target, features),
        "params": params,
        "ranges": ranges,
        "means": means,
        "metrics": metrics,
        "rows": rows.describe(),
        "split": split,
        "data": data,
        "condition_number": condition_number,
        "warnings": warnings,
        **extra,
    }
    if coefficients is not None:
        record["coefficients"] = coefficients
        if spec.scale != "none":
            record["coefficients_scaled"] = {"intercept": params["bias"] if spec.intercept else None,
                                             **dict(zip(features, params["weights"]))}
    if calibration is not None:
        record["calibration"] = calibration
    return plain(record)
