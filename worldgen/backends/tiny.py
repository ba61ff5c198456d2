"""Tiny random-weight versions of the diffusers pipelines, built offline from configs.

For tests and smoke checks of the backends' logic (device placement, dtypes,
conditioning, offload) where no real weights can be downloaded. The output is
noise; the shapes, calls and plumbing are the real ones.
"""

from __future__ import annotations

from pathlib import Path

VOCAB = ("<pad> </s> <unk> the a an and of with in on at to is are night day red blue green black white glowing "
         "cinematic mood camera third-person calm tense standing walking fighting fallen sitting talking woman man "
         "dog monster robot shrine alley harbor road crossing lanterns neon water fog steps trees").split()


def tiny_tokenizer():
    """A word-level tokenizer made in memory: no download, no sentencepiece model."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(VOCAB)}, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")


def tiny_text_encoder(d_model: int = 32):
    import torch
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(0)
    return T5EncoderModel(T5Config(vocab_size=len(VOCAB), d_model=d_model, d_kv=8, d_ff=37, num_layers=2,
                                   num_heads=4, relative_attention_num_buckets=8, pad_token_id=0, eos_token_id=1,
                                   decoder_start_token_id=0))


# the small Wan-style transformer that Wan-VACE and SkyReels-V2 share
WAN_DIT = dict(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16, out_channels=16,
               text_dim=32, freq_dim=256, ffn_dim=32, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
               rope_max_seq_len=32)


def _wan_vae():
    from diffusers import AutoencoderKLWan

    return AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                            temperal_downsample=[False, True, True])


def tiny_wan_vace():
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, WanVACEPipeline, WanVACETransformer3DModel

    torch.manual_seed(0)
    vae = _wan_vae()
    transformer = WanVACETransformer3DModel(**WAN_DIT, num_layers=3, vace_layers=[0, 2], vace_in_channels=96)
    return WanVACEPipeline(transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
                           text_encoder=tiny_text_encoder(), tokenizer=tiny_tokenizer())


def tiny_ltx():
    import torch
    from diffusers import (AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXConditionPipeline,
                           LTXVideoTransformer3DModel)

    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(in_channels=8, out_channels=8, patch_size=1, patch_size_t=1,
                                             num_attention_heads=4, attention_head_dim=8, cross_attention_dim=32,
                                             num_layers=1, caption_channels=32)
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False), decoder_inject_noise=(False,) * 5,
        upsample_residual=(False,) * 4, upsample_factor=(1,) * 4, timestep_conditioning=False, patch_size=1,
        patch_size_t=1, encoder_causal=True, decoder_causal=False)
    vae.use_framewise_encoding = vae.use_framewise_decoding = False
    return LTXConditionPipeline(transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(),
                                text_encoder=tiny_text_encoder(), tokenizer=tiny_tokenizer())


def tiny_skyreels_df():
    import torch
    from diffusers import SkyReelsV2DiffusionForcingPipeline, SkyReelsV2Transformer3DModel, UniPCMultistepScheduler

    torch.manual_seed(0)
    vae = _wan_vae()
    transformer = SkyReelsV2Transformer3DModel(**WAN_DIT, num_layers=2)
    return SkyReelsV2DiffusionForcingPipeline(
        transformer=transformer, vae=vae, scheduler=UniPCMultistepScheduler(flow_shift=5.0, use_flow_sigmas=True),
        text_encoder=tiny_text_encoder(), tokenizer=tiny_tokenizer())


TINY = {"wan-vace": tiny_wan_vace, "ltx": tiny_ltx, "skyreels-df": tiny_skyreels_df}


def save_tiny(name: str, folder: Path) -> Path:
    """Write a tiny pipeline where ``--world-model`` can load it, like a real checkpoint."""
    TINY[name]().save_pretrained(folder)
    return folder
