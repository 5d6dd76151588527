"""State labels of the model: text round trip, dressed product vectors (S14) against Model.state, eigenstate labels."""

from __future__ import annotations

import numpy as np
import pytest

from nrbundle.errors import InputError
from nrbundle.numeric.labels import format_label, label_eigenstates, parse_label, product_vector
from nrbundle.numeric.model import Model
from nrbundle.params import get_preset

FIG1 = get_preset("fig1")


def test_product_vector_matches_model_state():
    model = Model(FIG1, "right", (3, 2, 3))
    for lab in [(0, 0, 0, "+"), (1, 0, 1, "-"), (2, 1, 2, "+"), (1, 1, 0, "e"), (0, 1, 2, "g")]:
        ref = model.state(*lab[:3], lab[3], 1.37).full().ravel()
        assert np.allclose(product_vector(model, lab, 1.37), ref, atol=1e-15)


def test_labels_round_trip():
    assert format_label(1, 0, 1, "-") == "101-"
    assert parse_label("101-") == (1, 0, 1, "-")
    assert parse_label((1, 1, 0, "g")) == (1, 1, 0, "g")
    assert parse_label("10,0,1+") == (10, 0, 1, "+")
    assert parse_label(format_label(12, 3, 0, "e")) == (12, 3, 0, "e")
    with pytest.raises(InputError, match="label"):
        parse_label("101x")
    with pytest.raises(InputError, match="label"):
        parse_label("1a1-")


def test_label_eigenstates_rejects_wrong_shapes():
    model = Model(FIG1, "left", 2)
    with pytest.raises(InputError, match="vectors"):
        label_eigenstates(model, 1.0, np.zeros(16), np.zeros((8, 8)))
