"""Data in several files, and Parquet files: a glob or a folder expanded to its parts, their combined
fingerprint, and Parquet read whole or in batches with the column names made canonical.

pyarrow comes with the `dask` extra and is imported only here, when a Parquet file is read.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import os
import shutil
import tempfile
from typing import Iterator

from lifeexp_cli.data import catalog, chunk_frames, csv_text, opening, regular_files
from lifeexp_cli.errors import DataError
from lifeexp_cli.limits import MAX_PARQUET_COLUMN_BYTES, MAX_PARTS

PARQUET_MAGIC = b"PAR1"
PART_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".parq", ".pq")
EXTRA = "pip install 'lifeexp[dask]'"


def expand(pattern: str, option: str = "--data") -> list[str]:
    """The files a glob (`parts/*.parquet`, `**` too) or a folder (its data files, not recursing) names,
    sorted; matching nothing is a DataError."""
    if os.path.isdir(pattern):
        found = [os.path.join(pattern, name) for name in os.listdir(pattern)
                 if name.lower().endswith(PART_SUFFIXES) and not name.startswith((".", "_"))]
        where = f"folder {pattern} holds no .csv or .parquet file"
    else:
        found = glob.glob(pattern, recursive=True)
        where = f"{option} {pattern} matches no file"
    files = sorted(path for path in found if os.path.isfile(path))
    if not files:
        raise DataError(f"{where}: check the path (quote a glob so that the shell leaves it to lifeexp)")
    if len(files) > MAX_PARTS:
        raise DataError(f"{option} {pattern} matches {len(files)} files, more than {MAX_PARTS}: "
                        "combine them into fewer, larger parts")
    return files


def is_parquet(path: str) -> bool:
    """Whether a file is Parquet (by its magic bytes, whatever its name). Only a regular file is looked
    at: opening a FIFO would block until a writer comes (the CSV reader refuses it by name)."""
    if path == "-" or not os.path.isfile(path):
        return False
    try:  # a FIFO or device is NotRegular (an OSError): never opened blocking, never read here
        with regular_files.open_regular(path) as handle:
            return handle.read(4) == PARQUET_MAGIC
    except OSError:
        return False  # the CSV reader reports the problem in its words


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    try:
        with regular_files.open_regular(path) as handle:
            while block := handle.read(opening.BLOCK_BYTES):
                digest.update(block)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from None
    return digest.hexdigest()


def combined_sha256(hashes: list[str]) -> str:
    """The fingerprint of data in parts: SHA-256 of the parts' SHA-256 digests (hex, one per line, in order)."""
    return hashlib.sha256("".join(f"{h}\n" for h in hashes).encode()).hexdigest()


def _pyarrow():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(f"reading Parquet needs pyarrow, which comes with the dask extra: {EXTRA}") from None
    return pq


def _open_parquet(path: str):
    pq = _pyarrow()
    import pyarrow as pa

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path} is not a readable Parquet file ({first_line(exc)}): check the file") from None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def parquet_columns(path: str) -> dict[str, str]:
    """Canonical column name -> the name in the file; two columns with one canonical name are an error."""
    names = list(_open_parquet(path).schema_arrow.names)
    canonical = [catalog.canonical(str(n)) for n in names]
    csv_text.check_unique(canonical, path, [str(n) for n in names])
    return dict(zip(canonical, names))


def check_decoded_sizes(handle, path: str, names: list[str] | None) -> None:
    """Refuse, before decoding, a row group whose column (`names`, or every one) would decode to more
    than MAX_PARQUET_COLUMN_BYTES: its uncompressed size, or for text its values times the longer of its
    smallest and largest value (a dictionary stores a repeated string once, decoding repeats it)."""
    metadata = handle.metadata
    wanted = None if names is None else set(names)
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        for j in range(row_group.num_columns):
            chunk = row_group.column(j)
            name = chunk.path_in_schema
            if wanted is not None and name not in wanted:
                continue
            size = chunk.total_uncompressed_size
            stats = chunk.statistics
            if stats is not None and stats.has_min_max and isinstance(stats.max, (str, bytes)):
                size = max(size, chunk.num_values * max(len(stats.min), len(stats.max)))
            if size > MAX_PARQUET_COLUMN_BYTES:
                raise DataError(f"{path}: column {csv_text.clipped(name)} of row group {group} decodes to about "
                                f"{size >> 20} MiB, more than {MAX_PARQUET_COLUMN_BYTES >> 20} MiB: write the file "
                                "with smaller row groups, or leave out that column")


def _frame(batch, columns: dict[str, str], start: int):
    frame = batch.to_pandas()
    canonical = {name: c for c, name in columns.items()}
    frame.columns = [canonical[name] for name in frame.columns]
    frame.index = range(start, start + len(frame))
    return frame


def parquet_frames(path: str, wanted: list[str] | None, batch_rows: int) -> Iterator:
    """pandas DataFrames of at most `batch_rows` rows (the `wanted` canonical columns, or all), canonical
    names, indexed by row position in the file."""
    _pyarrow()  # first: a base install has no pyarrow, and says how to get it
    import pyarrow as pa

    columns = parquet_columns(path)
    if wanted is not None:
        missing = [c for c in wanted if c not in columns]
        if missing:
            raise DataError(f"{path} lacks column(s) {', '.join(missing)}: every part needs the same columns")
    handle = _open_parquet(path)
    names = None if wanted is None else [columns[c] for c in wanted]
    check_decoded_sizes(handle, path, names)
    start = 0
    try:
        for batch in handle.iter_batches(batch_size=batch_rows, columns=names):
            yield _frame(batch, columns, start)
            start += batch.num_rows
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path} is not a readable Parquet file ({first_line(exc)}): check the file") from None


def read_parquet(path: str):
    """A whole Parquet file as a pandas DataFrame with canonical column names."""
    import pandas as pd

    frames = list(parquet_frames(path, None, 1 << 20))
    if not frames or sum(len(f) for f in frames) == 0:
        raise DataError(f"{path} has no data rows")
    return pd.concat(frames) if len(frames) > 1 else frames[0]


def part_columns(path: str, progress=None) -> list[str]:
    """A part's canonical column names, in order (Parquet schema or CSV header)."""
    if is_parquet(path):
        return list(parquet_columns(path))
    with opening.open_source(path, progress=progress) as raw:
        return csv_text.header(raw, path).names


def check_same_columns(files: list[str]) -> list[str]:
    """Every part has the first part's columns (in any order); the first difference is a DataError."""
    first = part_columns(files[0])
    for path in files[1:]:
        names = part_columns(path)
        if set(names) != set(first):
            lacks, extra = sorted(set(first) - set(names)), sorted(set(names) - set(first))
            what = "; ".join(filter(None, [lacks and f"lacks {', '.join(lacks)}",
                                           extra and f"has {', '.join(extra)} in addition"]))
            raise DataError(f"the parts have different columns: {path} {what} (compared with {files[0]}): "
                            "give parts of one table")
    return first


# --- Batch prediction into Parquet parts: read a part as it is, write it back with new columns ------------

def frames_as_read(source: str, chunk_rows: int) -> Iterator:
    """(chunk, view) per chunk of a CSV or Parquet part: chunk is the rows as read (an Arrow table: a
    CSV's cells as text, a Parquet file's columns as stored), view the same rows as a pandas DataFrame
    with canonical column names, to compute with. A part without rows (a header-only CSV, a Parquet file
    without row groups) is one chunk of no rows with its columns, so that its output has them too."""
    _pyarrow()
    import pyarrow as pa

    if is_parquet(source):
        columns = parquet_columns(source)
        handle = _open_parquet(source)
        check_decoded_sizes(handle, source, None)
        start = 0
        try:
            for batch in handle.iter_batches(batch_size=chunk_rows):
                yield pa.Table.from_batches([batch]), _frame(batch, columns, start)
                start += batch.num_rows
            if start == 0:
                empty = handle.schema_arrow.empty_table()
                yield empty, _frame(empty, columns, 0)
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"{source} is not a readable Parquet file ({first_line(exc)}): check the file") from None
        return
    _pyarrow()
    with opening.open_source(source, "input") as raw:
        first = raw.readline()
        found = csv_text.parse_header(first)
        if found is None:
            raise DataError(f"{source} is empty: give a header row and data rows")
        csv_text.check_unique(found.names, source)
        written = next(csv.reader([csv_text.decode(first)[0].rstrip("\r\n")], delimiter=found.separator))
        schema = pa.schema([(name, pa.string()) for name in written])
        rows = 0
        for frame in chunk_frames.frames(raw, found.names, found.separator, found.encoding, None, chunk_rows,
                                         text=True, source=source):
            rows += len(frame)
            yield pa.Table.from_pandas(frame.set_axis(written, axis=1), schema=schema, preserve_index=False), frame
        if rows == 0:
            empty = schema.empty_table()
            yield empty, empty.to_pandas().set_axis(found.names, axis=1)


def write_parquet(path: str, chunks: Iterator) -> None:
    """Write (chunk, {column: values}) pairs to one Parquet file: each chunk with the new columns appended."""
    pq = _pyarrow()
    import pyarrow as pa

    writer = None
    try:
        for chunk, added in chunks:
            for name, values in added.items():
                chunk = chunk.append_column(pa.field(name, pa.float64()), pa.array(values, pa.float64()))
            if writer is None:
                writer = pq.ParquetWriter(path, chunk.schema)
            writer.write_table(chunk)
        if writer is None:
            pq.write_table(pa.table({}), path)
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or first_line(exc)}") from None
    finally:
        if writer is not None:
            writer.close()


STAGING_PREFIX = ".lifeexp-partial-"


def staging_dir(out_dir: str) -> str:
    """A hidden folder inside `out_dir` (created if missing) to write parts into before `publish` moves
    them into place; `out_dir` must be new or empty (nothing of the user's is ever replaced). Its name
    holds this process's id: the folders of runs that were killed (SIGKILL, a power cut) are removed here."""
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise DataError(f"--output {out_dir} is a file: give a folder for the Parquet parts")
    if os.path.isdir(out_dir) and [n for n in os.listdir(out_dir) if not n.startswith(".")]:
        raise DataError(f"--output {out_dir} already holds files: give a new or empty folder")
    try:
        os.makedirs(out_dir, exist_ok=True)
        remove_stale(out_dir)
        return tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=out_dir)
    except OSError as exc:
        raise DataError(f"cannot create --output {out_dir}: {exc.strerror}") from None


def remove_stale(out_dir: str) -> None:
    """Remove the staging folders in `out_dir` whose process is gone (or whose name has no process id)."""
    for name in os.listdir(out_dir):
        if not name.startswith(STAGING_PREFIX):
            continue
        pid = name[len(STAGING_PREFIX):].partition("-")[0]
        if pid.isdigit() and running(int(pid)):
            continue  # another run writing into the same folder: its own to finish or remove
        shutil.rmtree(os.path.join(out_dir, name), ignore_errors=True)


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid < 2**31  # another user's process; a number beyond any pid is none
    return True


def publish(staging: str, out_dir: str) -> None:
    for name in sorted(os.listdir(staging)):
        os.replace(os.path.join(staging, name), os.path.join(out_dir, name))


def discard(staging: str, out_dir: str, created: bool) -> None:
    """Remove the staging folder, and `out_dir` if this run created it and it is left empty."""
    shutil.rmtree(staging, ignore_errors=True)
    if created:
        try:
            os.rmdir(out_dir)
        except OSError:
            pass  # it holds the published parts
