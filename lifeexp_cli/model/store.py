"""The model record's file: a joblib-compatible pickle, written atomically; read without running code.

Everything about the file lives here: `write_atomically` (readers see the old file or the complete new
one), `save`/`save_record`, and `load`/`load_record`/`loads` with their checks. `load` and `save` take
the record as its plain dict; `load_record` and `save_record` as the typed ModelRecord (model/record.py),
converted here, at the boundary. Only the standard library is imported at module level: `predict` loads
a model on its fast start-up path.

A model file is a joblib file holding one dict of plain values: str, int, float, bool, None, bytes, lists
and dicts. From format version 2 the long vectors (calibration scores, domain reference rows:
packed.PACKED) are float64 bytes, not lists of floats: a file a third the size whose check and decoding
take a fraction of a millisecond (`predict` and `compare` start fast); version 1 files load as before. For such a value joblib.dump writes exactly the bytes of pickle protocol 4, so lifeexp writes them
with the standard library and never imports joblib (about 0.1-0.2 s of start-up); `joblib.load` reads
the files as before. Loading uses a restricted unpickler that refuses every global lookup, so a crafted
file cannot name a callable to run (the only way pickle executes code).
"""

from __future__ import annotations

import io
import os
import pickle
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import IO, Callable

from lifeexp_cli.data import regular_files
from lifeexp_cli.errors import LifeexpError, ModelError, ParameterError
from lifeexp_cli.limits import FLOAT_BYTES, MAX_MODEL_BYTES
from lifeexp_cli.model import packed, record_checks, value_checks  # destination where a model is written
from lifeexp_cli.model.record import FORMAT, FORMAT_VERSION, ModelRecord, plain

MODELS_DIR = "models"  # your own models: ./models/, or $LIFEEXP_MODELS when set
MODELS_ENV = "LIFEEXP_MODELS"
PICKLE_PROTOCOL = 4  # what joblib.dump writes for a plain dict (its default, pickle.DEFAULT_PROTOCOL, on 3.11)


class _PlainUnpickler(pickle.Unpickler):
    """Unpickler that only rebuilds plain containers and scalars: no class, no function, no reduce."""

    def find_class(self, module, name):
        raise ModelError(f"refusing to load: the file asks to import {module}.{name}, "
                         "which a lifeexp model never does (it may run code); refit the model")


def write_atomically(path: Path, write: Callable[[IO[bytes]], None], error: type[LifeexpError]) -> Path:
    """Write to a temporary file in the same folder, flush it to disk, then rename it over `path`.

    A failed or interrupted write removes the temporary file and leaves any previous `path` intact;
    two writers racing on one path leave one complete file (each renames its own).
    """
    import tempfile  # writing only: `predict` and `compare` start without it (and its `random`)

    path = Path(path)
    if path.is_dir():
        raise error(f"--out {path} is a directory: give a file path inside it")
    if os.path.lexists(path) and not (path.is_file() and not path.is_symlink()):
        raise error(f"{path} is not a regular file (a link, device or FIFO): lifeexp replaces only regular "
                    "files; choose another path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise error(f"cannot write to {path.parent}: {exc.strerror}; choose another --out") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(path)  # a failed write (a full disk, ulimit -f) names the file it was for
        raise
    return path


@cache
def shipped_dir() -> Path | None:
    """The models that travel with the package (`models/` in the source tree); looked for once per run
    (`find_spec` searches the import path: `compare` resolves four models)."""
    spec = find_spec("lifeexp_cli.shipped")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def models_dir() -> Path:
    """Where your own models are saved and looked up: $LIFEEXP_MODELS, else ./models/."""
    return Path(os.environ.get(MODELS_ENV) or MODELS_DIR)


def names_a_file(model: str) -> bool:
    """Whether --model names a file (a .joblib name, a path with a folder), not a saved model's name."""
    given = Path(model)
    return given.suffix == ".joblib" or given.parent != Path(".")


def resolve(model: str) -> Path:
    """A path as given, else `NAME.joblib` in models_dir(), else the shipped model of that name."""
    given = Path(model)
    if names_a_file(model) or given.exists():
        return given
    local = models_dir() / f"{model}.joblib"
    if local.exists():
        return local
    shipped = shipped_dir()
    if shipped is not None and (shipped / f"{model}.joblib").exists():
        return shipped / f"{model}.joblib"
    return local


def shadowed(model: str) -> Path | None:
    """The shipped model that the name `model` would find were it not for a model of yours of that name in
    models_dir() (`resolve` looks there first), or None: `--model tim` then loads yours, and so does
    `compare` among its four."""
    if names_a_file(model) or Path(model).exists():
        return None
    local, shipped = models_dir() / f"{model}.joblib", shipped_dir()
    if shipped is None or not local.exists() or not (shipped / f"{model}.joblib").exists():
        return None
    return None if local.resolve() == (shipped / f"{model}.joblib").resolve() else shipped / f"{model}.joblib"


def output_path(name: str | None, out: str | None, *, inputs: list[str] = (), name_flag: str = "--name") -> Path:
    """Where a model will be written, checked before any work (model/destination.py): --out as given;
    else NAME.joblib in models_dir(), which never rewrites a shipped model (in the repository's root
    ./models/ is where they live): `make models` names them with --out. `inputs` are the files the
    command reads (the model must not land on one); `name_flag` is how the command spells --name."""
    from lifeexp_cli.model import destination

    if out is not None:
        destination.check_out(out)
        path, shown = Path(out), f"--out {out}"
    else:
        if name is not None:
            destination.check_name(name, name_flag)
        path = models_dir() / f"{name or 'model'}.joblib"
        shown = f"{path} ({name_flag} {name})" if name is not None else str(path)
        shipped = shipped_dir()
        if shipped is not None and path.exists() and path.resolve() == (shipped / path.name).resolve():
            raise ModelError(f"{path} is a shipped model: save yours under another name (--name my-{path.stem}), "
                             f"or in another folder with ${MODELS_ENV} or --out")
    destination.check_path(path, shown, inputs)
    return path


def check_network_size(hidden: list[int], n_features: int) -> None:
    """Refuse, before training, a network whose parameters alone would make a file over MAX_MODEL_BYTES."""
    sizes = [n_features, *hidden, 1]
    count = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    if count * FLOAT_BYTES > MAX_MODEL_BYTES:
        raise ParameterError(f"a network {' → '.join(map(str, sizes))} has {count:,} parameters: its file would "
                             f"take at least {count * FLOAT_BYTES / 2**20:.0f} MiB, over the {MAX_MODEL_BYTES >> 20} "
                             "MiB a model file may hold; give fewer or narrower layers with {hidden}", "hidden",
                             ",".join(map(str, hidden)))


def dumps(record: dict, where: str = "the model") -> bytes:
    """The file's bytes for a record, refused unless the loader would read them back: a file over
    MAX_MODEL_BYTES (a network too big) or with a damaged field is never written."""
    raw = pickle.dumps(as_stored(plain(record)), protocol=PICKLE_PROTOCOL)
    if len(raw) > MAX_MODEL_BYTES:
        raise ModelError(f"{where} would be a {len(raw) / 2**20:.0f} MiB file, over the {MAX_MODEL_BYTES >> 20} MiB "
                         "a model file may hold (the loader would refuse it): nothing was written; use a smaller "
                         "network (--hidden)")
    loads(raw, where)
    return raw


def as_stored(record: dict) -> dict:
    """A plain record as the file holds it: format version FORMAT_VERSION, its PACKED fields as bytes."""
    record["format_version"] = FORMAT_VERSION
    calibration, reference = record.get("calibration"), record.get("domain")
    if type(calibration) is dict and type(calibration.get("scores")) is list:
        calibration["scores"] = packed.pack_floats(calibration["scores"])
    for cell in packed.status_cells(calibration) if type(calibration) is dict else []:
        if type(cell.get("scores")) is list:
            cell["scores"] = packed.pack_floats(cell["scores"])
    if type(reference) is dict and type(reference.get("rows")) is list:
        reference["rows"] = packed.pack_floats([x for row in reference["rows"] for x in row])
    return record


def save_record(record: ModelRecord, path: Path) -> Path:
    """Write a typed record as `save` writes its plain dict (without `path`, which is where it was read)."""
    return save(record.without_path().to_plain(), path)


def save(record: dict, path: Path) -> Path:
    """Write the record atomically: its bytes are made and checked first (`dumps`), then a temporary
    file is created, written, fsynced and renamed over `path`. A failed run leaves the old model; only
    nothing or a lifeexp model is replaced (checked again here, just before the write)."""
    from lifeexp_cli.model import destination

    path = Path(path)
    raw = dumps(record, str(path))
    destination.check_replaceable(path, str(path))
    return write_atomically(path, lambda stream: stream.write(raw), ModelError)


# Everything a dict of str/int/float/bool/None/bytes/lists/dicts pickles to. Anything else (GLOBAL, REDUCE,
# BUILD, persistent ids, ...) has no business in a model file.
PLAIN_OPCODES = frozenset({
    "PROTO", "FRAME", "STOP", "MARK", "POP", "POP_MARK", "DUP", "MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT",
    "GET", "BINGET", "LONG_BINGET", "NONE", "NEWTRUE", "NEWFALSE", "INT", "BININT", "BININT1", "BININT2",
    "LONG", "LONG1", "LONG4", "FLOAT", "BINFLOAT", "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE",
    "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "SHORT_BINBYTES", "BINBYTES", "EMPTY_LIST", "APPEND", "APPENDS", "LIST",
    "EMPTY_TUPLE", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_DICT", "DICT", "SETITEM", "SETITEMS",
})


MEMO_OPCODES = frozenset({"PUT", "BINPUT", "LONG_BINPUT", "GET", "BINGET", "LONG_BINGET"})


def check_opcodes(raw: bytes, where: str) -> None:
    """Walk the pickle's opcodes without building anything, then judge it.

    Bytes that are not one complete pickle are corrupt, whatever opcodes the walk met on the way:
    random bytes often spell GLOBAL or REDUCE by chance. Only a complete, well-formed pickle holding an
    opcode outside PLAIN_OPCODES is refused as code.
    """
    try:
        names = opcode_names(raw)
    except Exception:  # pickletools raises ValueError, and others on nonsense arguments
        raise ModelError(f"{where} is not a lifeexp model (corrupt or truncated): refit it with `lifeexp fit`") \
            from None
    forbidden = [name for name in names if name not in PLAIN_OPCODES]
    if forbidden:
        raise ModelError(f"refusing to load {where}: it holds the pickle instruction {forbidden[0]}, "
                         "which a lifeexp model never does (it can run code); refit the model")


def opcode_names(raw: bytes) -> list[str]:
    """The distinct opcode names of one complete pickle, in order of first use; ValueError unless `raw`
    is exactly one well-formed pickle (its STOP is the last byte). Every declared length and memo index
    must fit in the file: a forged one would make the C unpickler allocate that much before failing."""
    return plain_opcode_names(raw) or walked_opcode_names(raw)


# The opcodes lifeexp's model files are made of: code -> (name, bytes of the argument or of its length,
# and what follows: 0 nothing, 1 that many bytes, 2 that many bytes of UTF-8).
PLAIN_CODES = {
    0x80: ("PROTO", 1, 0), 0x95: ("FRAME", 8, 0), 0x2e: ("STOP", 0, 0), 0x28: ("MARK", 0, 0),
    0x94: ("MEMOIZE", 0, 0), 0x4e: ("NONE", 0, 0), 0x88: ("NEWTRUE", 0, 0), 0x89: ("NEWFALSE", 0, 0),
    0x4b: ("BININT1", 1, 0), 0x4d: ("BININT2", 2, 0), 0x4a: ("BININT", 4, 0), 0x8a: ("LONG1", 1, 1),
    0x47: ("BINFLOAT", 8, 0), 0x8c: ("SHORT_BINUNICODE", 1, 2), 0x58: ("BINUNICODE", 4, 2),
    0x43: ("SHORT_BINBYTES", 1, 1), 0x42: ("BINBYTES", 4, 1), 0x5d: ("EMPTY_LIST", 0, 0),
    0x61: ("APPEND", 0, 0), 0x65: ("APPENDS", 0, 0), 0x7d: ("EMPTY_DICT", 0, 0), 0x73: ("SETITEM", 0, 0),
    0x75: ("SETITEMS", 0, 0), 0x68: ("BINGET", 1, 0), 0x6a: ("LONG_BINGET", 4, 0), 0x71: ("BINPUT", 1, 0),
    0x72: ("LONG_BINPUT", 4, 0),
}


# PLAIN_CODES by code as a list (an index is quicker than a dict lookup): (bytes of the argument, what follows,
# whether the argument is a memo index); None for every other code.
_BY_CODE = [None] * 256
for _code, (_name, _width, _follows) in PLAIN_CODES.items():
    _BY_CODE[_code] = (_width, _follows, _name in MEMO_OPCODES)
_STOP = 0x2e


def plain_opcode_names(raw: bytes) -> list[str] | None:
    """`opcode_names` of a pickle made of PLAIN_CODES only, read as pickletools reads them, in a fraction of
    the time and without importing it (a millisecond of `predict`'s start-up); None for anything else
    (another opcode, a length or memo index past the end, text that is not UTF-8, bytes after STOP), which
    `walked_opcode_names` then judges."""
    seen: dict[int, None] = {}  # the codes met, in order of first use
    at, end = 0, len(raw)
    while at < end:
        code = raw[at]
        found = _BY_CODE[code]
        if found is None:
            return None
        width, follows, memo = found
        at += 1
        if width:
            if at + width > end:
                return None
            value = raw[at] if width == 1 else int.from_bytes(raw[at:at + width], "little")
            at += width
            if follows:
                if at + value > end:
                    return None
                if follows == 2:
                    try:
                        str(raw[at:at + value], "utf-8", "surrogatepass")
                    except UnicodeDecodeError:
                        return None
                at += value
            elif memo and value >= end:
                return None
        seen[code] = None
        if code == _STOP:
            return [PLAIN_CODES[c][0] for c in seen] if at == end else None
    return None


def walked_opcode_names(raw: bytes) -> list[str]:
    """`opcode_names` by pickletools' walk, for any bytes."""
    import pickletools

    import warnings

    names: dict[str, None] = {}
    stop = None
    with warnings.catch_warnings():  # STRING arguments of random bytes make escape-sequence warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        for opcode, arg, position in pickletools.genops(raw):
            names[opcode.name] = None
            if opcode.name in MEMO_OPCODES and not 0 <= int(arg) < len(raw):
                raise ValueError("memo index out of range")
            stop = position if opcode.name == "STOP" else None
    # genops raises when the bytes end before STOP, and stops at STOP: bytes after it are no pickle.
    if stop != len(raw) - 1:
        raise ValueError("not one complete pickle")
    return list(names)


def loads(raw: bytes, where: str = "model file", *, tuples: bool = False) -> dict:
    """Parse and check a model file's bytes; any problem is a one-line ModelError. `tuples`: the long
    vectors decoded as tuples (packed.unpack), for the typed record."""
    if not raw:
        raise ModelError(f"{where} is empty: refit it with `lifeexp fit`")
    check_opcodes(raw, where)
    try:
        record = _PlainUnpickler(io.BytesIO(raw)).load()
    except ModelError:
        raise
    except Exception:
        raise ModelError(f"{where} is not a lifeexp model (corrupt or truncated): refit it with `lifeexp fit`") \
            from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ModelError(f"{where} is not a lifeexp model: refit it with `lifeexp fit`")
    version = record.get("format_version")
    if type(version) is not int or not 1 <= version <= FORMAT_VERSION:
        shown = version if type(version) is int and abs(version) < 10**6 else value_checks.kind_of(version)
        raise ModelError(f"{where} has model format version {shown}, this lifeexp reads 1 to "
                         f"{FORMAT_VERSION}: upgrade lifeexp or refit the model")
    problem = schema_problem(record)
    if problem:
        raise ModelError(f"model file {where}: {problem}; refit it with `lifeexp fit`")
    return packed.unpack(record, tuples)


def schema_problem(record: dict) -> str | None:
    """The first damaged field of a record in words ("field spec.options.lr must be > 0"), or None.
    Every field a command uses is checked and bounded (model/record_checks.py, model/fields.py)."""
    found = record_checks.problem(record)
    return None if found is None else f"field {found[0]} {found[1]}"


def load(model: str | Path, *, tuples: bool = False) -> dict:
    """The model's plain record, checked (`loads`); `path` is where it was read."""
    path = resolve(str(model))
    try:
        with regular_files.open_regular(path) as stream:
            raw = regular_files.read_at_most(stream, MAX_MODEL_BYTES)
    except regular_files.NotRegular as exc:
        ending = "give the .joblib file" if exc.kind == "a directory" else "give a model file (.joblib)"
        raise ModelError(f"model {path} is {exc.kind}: {ending}") from None
    except FileNotFoundError:
        raise ModelError(not_found(str(model), path)) from None
    except OSError as exc:
        raise ModelError(f"cannot read model {path}: {exc.strerror}") from None
    if raw is None:
        raise ModelError(f"model file {path} is larger than {MAX_MODEL_BYTES >> 20} MiB, too large for a lifeexp "
                         "model")
    record = loads(raw, str(path), tuples=tuples)
    record["path"] = str(path)
    return record


def not_found(model: str, path: Path) -> str:
    """The message for a model that is not there: a path to check, or a name to fit (features and all), with
    the shipped models' names."""
    if names_a_file(model):
        return f"no model file {model}: check the path, or give a model's name with --model"
    shipped = shipped_dir()
    names = sorted(p.stem for p in shipped.glob("*.joblib")) if shipped is not None else []
    return (f"no model {model!r} (looked for {path}): fit one (e.g. `lifeexp fit --features bmi --name {model}`), "
            "or name a saved model with --model" + (f" (shipped: {', '.join(names)})" if names else ""))


def load_record(model: str | Path) -> ModelRecord:
    """The model as a typed record, checked as `load` checks it; `path` is where it was read."""
    return ModelRecord.from_plain(load(model, tuples=True))
