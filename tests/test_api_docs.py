"""docs/api.md is generated from the code (tools/api_docs.py) and must be current; the facades stay small."""

import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
api_docs = importlib.import_module("api_docs")


def test_api_listing_is_current():
    current = api_docs.API.read_text(encoding="utf-8")
    assert current == api_docs.updated_text(), "docs/api.md is out of date: run `python tools/api_docs.py`"


@pytest.mark.parametrize("name", ["nrbundle", "nrbundle.analytic", "nrbundle.numeric"])
def test_facades_are_small_and_resolve(name):
    # issue 8: a deliberate facade of about 10-15 names per package (a little room above 15, never a dump)
    mod = importlib.import_module(name)
    assert 8 <= len(mod.__all__) <= 25
    for n in mod.__all__:
        assert getattr(mod, n) is not None
