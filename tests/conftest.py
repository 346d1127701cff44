"""Shared fixtures. The WHO dataset is required: tests fail (not skip) when it cannot be found."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import lifeexp_cli  # noqa: F401  (first: it limits BLAS threads before numpy loads)

ROOT = Path(__file__).resolve().parents[1]
NIST = (ROOT / "../shared/reference/nist-strd").resolve()


def who_data_path() -> Path:
    given = os.environ.get("LIFEEXP_DATA")
    path = Path(given) if given else (ROOT / "../shared/data/life_expectancy_who.csv").resolve()
    if not path.is_file():
        pytest.fail(f"the WHO dataset is missing at {path}: set LIFEEXP_DATA or put ../shared beside the repo")
    return path


@pytest.fixture(scope="session")
def data_path() -> Path:
    return who_data_path()


@pytest.fixture(autouse=True)
def _data_env(monkeypatch, data_path):
    """Every test sees LIFEEXP_DATA, so commands find the data as a user's shell would."""
    monkeypatch.setenv("LIFEEXP_DATA", str(data_path))
