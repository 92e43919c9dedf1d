"""The grouper's learned pair score: its signals, the shipped model, and a model that is
missing or damaged refused with an error that says how to rebuild it."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from summarize.stages.group import StoryGrouper
from summarize.stages.group import pairs as pair_module
from summarize.stages.group.features import NightFeatures, row_dots
from summarize.stages.group.pairs import FEATURES, PairModel, pair_signals, shipped_model
from summarize.stages.group.split import COPY
from tests.story_inbox import LOWER_CASE_FIRES, NIGHT1, loose

ROOT = Path(__file__).resolve().parents[2]


def night(records: list[dict]) -> NightFeatures:
    articles = loose(records)
    return NightFeatures.build(articles, np.zeros((len(articles), 4), dtype=np.float32))


def test_each_pair_is_read_against_each_articles_best_candidate():
    """Three candidate pairs of three articles with known cosines: a pair that is both
    articles' best has ratio 1 to either best; a weaker pair is scaled by the better best."""
    features = night(NIGHT1[:3])
    low, high = np.array([0, 0, 1]), np.array([1, 2, 2])
    cosine = row_dots(features.text, low, high)
    signals = pair_signals(features, low, high, np.array([True, False, True]))
    assert signals.shape == (3, len(FEATURES))
    assert np.allclose(signals[:, 0], cosine)
    best = [max(cosine[0], cosine[1]), max(cosine[0], cosine[2]), max(cosine[1], cosine[2])]
    for p, (a, b) in enumerate(zip(low, high, strict=True)):
        assert signals[p, 1] == pytest.approx(cosine[p] / min(best[a], best[b]))
        assert signals[p, 2] == pytest.approx(cosine[p] / max(best[a], best[b]))
    strongest = int(np.argmax(cosine))
    assert signals[strongest, 1] == pytest.approx(1.0) == signals[strongest, 2]
    assert signals[:, 4].tolist() == [1.0, 0.0, 1.0]


def test_a_republished_copy_does_not_make_another_outlets_report_look_far():
    """The wire's bridge report, its copy with a word or two dropped, and the Gazette's report:
    each article's best is read among its candidates that are not its copies, so the two
    outlets' reports are each other's best, as they would be without the copy."""
    wire, gazette = NIGHT1[0], NIGHT1[1]
    words = wire["text"].split()
    copy = {**wire, "id": "wire-copy", "text": " ".join(w for n, w in enumerate(words) if n % 9)}
    features = night([wire, copy, gazette])
    low, high = np.array([0, 0, 1]), np.array([1, 2, 2])
    signals = pair_signals(features, low, high, np.ones(3, dtype=bool))
    assert signals[0, 0] >= COPY > 0.5 > signals[1, 0]  # a copy, and another outlet's report
    assert signals[1, 1] > 0.9 and signals[1, 2] > 0.9


def test_names_count_only_where_both_texts_name_someone():
    """The bridge reports name Lenton and Marta Vell; lower-cased fire reports name no one, so
    their names signal is 0 even where they share a number."""
    features = night(NIGHT1[:2] + LOWER_CASE_FIRES[:2])
    low, high = np.array([0, 2, 0]), np.array([1, 3, 2])
    signals = pair_signals(features, low, high, np.zeros(3, dtype=bool))
    assert signals[0, 3] > 0.1  # two reports of the bridge: Lenton, Harrow, Boat Club
    assert signals[1, 3] == 0.0 and signals[2, 3] == 0.0


def test_the_shipped_model_reads_as_it_was_trained():
    """A pair that is each article's best and mutual, with a fair cosine, is one story; a weak
    pair far below both articles' best, not mutual, is not."""
    model = shipped_model()
    assert set(model.trained_on) >= {"nights", "pairs", "same_story", "learner"}
    close, far = [0.35, 1.0, 1.0, 0.0, 1.0], [0.05, 0.15, 0.1, 0.0, 0.0]
    low_p, high_p = model.probability(np.array([far, close]))
    assert high_p > 0.5 > 0.05 > low_p
    assert all(c > 0 for c in model.coef)  # every signal is evidence for one story


def test_a_missing_or_damaged_model_is_refused_never_replaced(tmp_path, monkeypatch):
    shipped = pair_module.MODELS / pair_module.SHIPPED
    monkeypatch.setattr(pair_module, "MODELS", tmp_path)
    missing = tmp_path / pair_module.SHIPPED
    with pytest.raises(RuntimeError, match="cannot read the pair model") as error:
        StoryGrouper()
    assert str(missing) in str(error.value) and "train_pair_model.py" in str(error.value)
    assert "group.grouper.score=cosine" in str(error.value)
    StoryGrouper(score="cosine", threshold=0.16)  # needs no model

    shutil.copy(shipped, missing)
    text = missing.read_text(encoding="utf-8")
    missing.write_text(text.replace('"intercept": -', '"intercept": -1'), encoding="utf-8")
    with pytest.raises(RuntimeError, match="damaged pair model"):
        StoryGrouper()
    shutil.copy(shipped, missing)
    assert StoryGrouper()._pair_model == shipped_model(pair_module.MODELS)


def test_a_file_of_another_version_is_named_as_such():
    with pytest.raises(RuntimeError, match=r"m\.json: not a pair model of this version"):
        PairModel.from_json('{"format": "summarize-pair-model-0"}', Path("m.json"))
    with pytest.raises(RuntimeError, match="one number per feature"):
        fields = {"format": pair_module.FORMAT, "features": list(FEATURES), "mean": [0],
                  "scale": [1], "coef": [1], "intercept": 0, "trained_on": {}}  # fmt: skip
        PairModel.from_json(json.dumps(fields), Path("m.json"))


def test_the_training_script_writes_what_scikit_learn_fitted(tmp_path):
    """The model written by ``train_pair_model.fit`` scores pairs as the regression it came
    from (up to its rounding), and reads back from its JSON unchanged."""
    path = ROOT / "scripts" / "train" / "train_pair_model.py"
    spec = importlib.util.spec_from_file_location("train_pair_model", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rng = np.random.default_rng(0)
    signals = rng.random((400, len(FEATURES)))
    same = signals[:, 0] + 0.3 * rng.standard_normal(400) > 0.6
    model = script.fit(signals, same, ["a/night1.jsonl"])
    scaler = StandardScaler().fit(signals)
    expected = LogisticRegression(max_iter=5000).fit(scaler.transform(signals), same)
    wanted = expected.predict_proba(scaler.transform(signals))[:, 1]
    assert np.allclose(model.probability(signals), wanted, atol=1e-6)
    assert PairModel.from_json(model.to_json(), tmp_path / "m.json") == model
