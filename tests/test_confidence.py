"""The confidence model: a probability from retrieval signals, fitted and checked on question sets."""

import numpy as np

from assistant.confidence import (
    ConfidenceModel,
    Signals,
    calibration_floor,
    expected_calibration_error,
    fit,
    reliability,
)
from assistant.config import CONFIDENCE_MODEL
from assistant.evaluate import aggregate, score_one


def test_shipped_model_matches_the_signals_the_code_computes():
    model = ConfidenceModel.load(CONFIDENCE_MODEL)
    assert model.names == Signals.names()
    assert model.fitted_on, "the model must say which question sets it was fitted on"


def test_more_agreement_means_more_confidence():
    model = ConfidenceModel.load(CONFIDENCE_MODEL)
    weak = Signals(dense=0.84, dense_margin=0.0, coverage=0.1, lexical=0.2, strength=0.1, margin=0.0,
                   agree=0.0, dense_top=0.0, words=1.5)
    strong = Signals(dense=0.92, dense_margin=0.03, coverage=0.9, lexical=1.0, strength=0.9, margin=0.3,
                     agree=1.0, dense_top=1.0, words=1.5)
    assert 0.0 <= model.probability(weak) < model.probability(strong) <= 1.0


def test_fit_recovers_a_calibrated_probability():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2000, len(Signals.names())))
    truth = 1 / (1 + np.exp(-(1.5 * x[:, 2] - 0.5)))
    y = (rng.random(2000) < truth).astype(float)
    model = fit(x, y, ["synthetic"])
    p = np.asarray([model.probability(Signals(*row)) for row in x])
    assert expected_calibration_error(p, y) < 0.05


def test_calibration_error_is_zero_only_when_confidence_matches_accuracy():
    y = np.asarray([1, 0, 1, 0], dtype=float)
    assert expected_calibration_error(np.full(4, 0.5), y) == 0.0
    assert abs(expected_calibration_error(np.full(4, 0.9), y) - 0.4) < 1e-9
    assert reliability(np.full(4, 0.5), y) == [(0.5, 0.5, 4)]


def test_a_small_set_shows_calibration_error_even_for_a_calibrated_model():
    confidence = np.linspace(0.05, 0.95, 60)
    small, large = calibration_floor(confidence), calibration_floor(np.tile(confidence, 10))
    assert 0.07 < small < 0.16  # 60 rows: an ECE of 0.08 is within chance
    assert large < small / 2


def test_only_rows_whose_first_citation_can_be_judged_count_for_calibration():
    cited = {"outcome": "answer", "confidence": 0.9, "citations": [{"text": "补助100万元"}]}
    judged = score_one({"question": "q", "expected_snippets": ["补助100万元"]}, cited)
    calculator_row = score_one({"question": "q", "expected_amount_yuan": 1}, {**cited, "confidence": 0.1})
    assert aggregate([judged]).calibration_error == aggregate([judged, calculator_row]).calibration_error
