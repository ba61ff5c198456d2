"""The packaged Gemma GGUF, converted once into a transformers folder (bf16 safetensors and its tokenizer).

transformers can load a GGUF itself (``from_pretrained(gguf_file=...)``), and the result here is the same to
the bit (tests/test_footprint.py holds the two together), but for this architecture it parses the file three
times (config, tokenizer, weights) with ``gguf.GGUFReader``, which makes a numpy view of every element of the
262,144-token vocabulary: about 11 s of CPU a read, most of a first start. This module reads the header once
with ``struct`` (well under a second), then uses what transformers and gguf provide for the rest: the config
keys transformers maps from a GGUF, its tensor names and Gemma's norm rule, gguf's vectorised numpy
dequantizers, and the tokenizer transformers builds from the GGUF's vocabulary.
"""

from __future__ import annotations

import struct
from math import prod
from pathlib import Path
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

ARCHITECTURE = "gemma3"  # the packaged model's; the config and weight rules below are this architecture's

# GGUF metadata value types (the GGUF specification, v3): fixed-size scalars by struct format; 8 is a string,
# 9 an array of one type
_SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


class Tensor(NamedTuple):
    name: str
    shape: tuple[int, ...]  # in numpy order (the file lists the fastest-moving dimension first)
    ggml_type: int
    offset: int  # from the start of the data section


class Header(NamedTuple):
    metadata: dict[str, Any]
    tensors: list[Tensor]
    data_start: int


def read_header(path: Path) -> Header:
    """The metadata (arrays as lists) and the tensor table of a GGUF v2/v3 file, in one pass."""
    blob = np.memmap(path, mode="r", dtype=np.uint8)
    if bytes(blob[:4]) != b"GGUF":
        raise ValueError(f"{path} is not a GGUF file")
    version, tensor_count, metadata_count = struct.unpack_from("<IQQ", blob, 4)
    if version not in (2, 3):
        raise ValueError(f"{path} is GGUF v{version}; only v2 and v3 are read")
    pos = 24

    def string() -> str:
        nonlocal pos
        (length,) = struct.unpack_from("<Q", blob, pos)
        pos += 8 + length
        return bytes(blob[pos - length:pos]).decode("utf-8")

    def value(kind: int) -> Any:
        nonlocal pos
        if kind == _STRING:
            return string()
        if kind == _ARRAY:
            item, count = struct.unpack_from("<IQ", blob, pos)
            pos += 12
            if item in _SCALAR:  # one unpack for the whole array (the vocabulary's scores and token types)
                items = list(struct.unpack_from(f"<{count}{_SCALAR[item][1]}", blob, pos))
                pos += count * struct.calcsize(_SCALAR[item])
                return items
            return [value(item) for _ in range(count)]
        if kind not in _SCALAR:
            raise ValueError(f"{path}: unknown GGUF value type {kind}")
        (scalar,) = struct.unpack_from(_SCALAR[kind], blob, pos)
        pos += struct.calcsize(_SCALAR[kind])
        return scalar

    metadata = {}
    for _ in range(metadata_count):
        key = string()
        (kind,) = struct.unpack_from("<I", blob, pos)
        pos += 4
        metadata[key] = value(kind)
    tensors = []
    for _ in range(tensor_count):
        name = string()
        (dims,) = struct.unpack_from("<I", blob, pos)
        shape = struct.unpack_from(f"<{dims}Q", blob, pos + 4)
        ggml_type, offset = struct.unpack_from("<IQ", blob, pos + 4 + 8 * dims)
        pos += 4 + 8 * dims + 12
        tensors.append(Tensor(name, tuple(reversed(shape)), ggml_type, offset))
    alignment = metadata.get("general.alignment", 32)
    return Header(metadata, tensors, (pos + alignment - 1) // alignment * alignment)


def config_dict(header: Header) -> dict[str, Any]:
    """The transformers config of the file: the keys transformers maps from a GGUF's metadata, and what its
    GGUF loader derives for this architecture (tied embeddings when there is no output matrix; the text-only
    model type; the vocabulary size from the vocabulary)."""
    from transformers.integrations.ggml import GGUF_CONFIG_MAPPING

    metadata = header.metadata
    if metadata.get("general.architecture") != ARCHITECTURE:
        raise ValueError(f"the GGUF holds a {metadata.get('general.architecture')!r} model, not {ARCHITECTURE!r}")
    config: dict[str, Any] = {"tie_word_embeddings": all(t.name != "output.weight" for t in header.tensors)}
    for key, value in metadata.items():
        prefix, _, rest = key.partition(".")
        renamed = GGUF_CONFIG_MAPPING.get(prefix, {}).get(rest)
        if renamed is not None and renamed != -1:
            config[renamed] = value
    config["model_type"] = "gemma3_text"  # the GGUF holds the text backbone only
    config.setdefault("vocab_size", len(metadata["tokenizer.ggml.tokens"]))
    return config


def convert(gguf: Path, target: Path, dtype_name: str = "bfloat16", say: Callable[[str], None] = lambda step: None) -> None:
    """Write ``target``: config, generation config, safetensors weights in ``dtype_name``, and the tokenizer;
    ``say`` hears each of the three steps as it starts."""
    import torch
    from gguf import GGML_QUANT_SIZES, MODEL_ARCH_NAMES, GGMLQuantizationType, get_tensor_name_map
    from gguf.quants import dequantize
    from transformers import AutoConfig, AutoModelForCausalLM, GemmaTokenizer
    from transformers.modeling_gguf_pytorch_utils import TENSOR_PROCESSORS

    say("dequantizing the weights")
    header = read_header(gguf)
    settings = config_dict(header)
    config = AutoConfig.for_model(**settings)
    dtype = getattr(torch, dtype_name)
    with torch.device("meta"):  # only the structure: every weight comes from the file
        model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    processor = TENSOR_PROCESSORS[ARCHITECTURE](config=settings)  # Gemma's norms: the file stores 1 + w
    # each GGUF tensor name -> the model's parameter name, by gguf's own table of the names per architecture
    arch = next(arch for arch, name in MODEL_ARCH_NAMES.items() if name == ARCHITECTURE)
    table = get_tensor_name_map(arch, config.num_hidden_layers)
    names = {}
    for parameter in model.state_dict():
        module, _, kind = parameter.rpartition(".")
        if (tensor := table.get_name(module)) is not None:
            names[f"{tensor}.{kind}"] = parameter
    blob = np.memmap(gguf, mode="r", dtype=np.uint8)
    weights = {}
    for tensor in header.tensors:
        kind = GGMLQuantizationType(tensor.ggml_type)
        block, block_bytes = GGML_QUANT_SIZES[kind]
        start = header.data_start + tensor.offset
        raw = blob[start:start + prod(tensor.shape) // block * block_bytes]
        values = dequantize(raw.reshape(*tensor.shape[:-1], tensor.shape[-1] // block * block_bytes), kind)
        result = processor.process(weights=values, name=tensor.name, tensor_key_mapping=names,
                                   parsed_parameters={"config": settings})
        if result.name in names:
            weights[names[result.name]] = torch.from_numpy(np.copy(result.weights)).to(dtype)
    missing = set(model.state_dict()) - set(weights) - {"lm_head.weight"}  # the head is the embedding, tied
    if missing:
        raise ValueError(f"{gguf} lacks weights for {sorted(missing)[:5]}")
    model.load_state_dict(weights, strict=False, assign=True)
    model.tie_weights()
    say("saving the converted model")
    model.save_pretrained(target, safe_serialization=True)
    say("building the tokenizer")
    GemmaTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name).save_pretrained(target)
