"""Settings from environment variables (``WORLDKEEPER_*``) and an optional TOML config file.

Defaults play offline with nothing to configure: SQLite saves in the user's data
directory, the embedded language model and the storyboard renderer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from platformdirs import user_cache_dir, user_config_dir, user_data_dir
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource


def _config_file() -> Path:
    return Path(os.environ.get("WORLDKEEPER_CONFIG", Path(user_config_dir("worldkeeper")) / "config.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WORLDKEEPER_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("worldkeeper")),
                           description="Saves, session videos and checkpoints.")
    cache_dir: Path = Field(default_factory=lambda: Path(user_cache_dir("worldkeeper")),
                            description="Converted model weights.")
    database_url: str | None = Field(default=None, description="Any SQLAlchemy URL. Unset: one SQLite file per save.")

    llm: Literal["embedded", "openai", "transformers", "none"] = "embedded"
    llm_model: str | None = Field(default=None, description="Model name (openai) or local directory (transformers).")
    llm_base_url: str = "http://127.0.0.1:8000/v1"
    llm_api_key: SecretStr = SecretStr("")
    llm_timeout: float = Field(default=20.0, description="Seconds to wait for an OpenAI-compatible server before "
                                                         "carrying on with templates.")
    llm_flavor: bool = Field(default=True, description="Let the model add a checked flavor line to narration.")
    embedder: str = Field(default="embedded", description="'embedded' (all-MiniLM-L6-v2 from PyPI) or a directory.")

    world: str = Field(default="storyboard", description="World-model backend: storyboard, wan-vace, ltx, "
                                                         "skyreels-df, or serve (workers on a Ray Serve cluster).")
    world_model: str | None = Field(default=None, description="Weights directory or Hugging Face id for diffusers.")
    world_steps: int = Field(default=30, description="Denoising steps per chunk (diffusers backends).")
    world_guidance: float = Field(default=5.0, description="Classifier-free guidance scale (diffusers backends).")
    world_offload: bool = Field(default=False, description="Model CPU offload for GPUs with less memory.")
    world_device: str | None = Field(default=None, description="cuda, cpu...; default: cuda when available.")
    width: int = 640
    height: int = 360
    fps: int = 24
    segment_frames: int = Field(default=36, description="Frames per segment plan (one or more per turn).")
    clip_limit_mb: float = Field(default=10.0, description="Per-turn clips are sized to fit under this.")

    discord_token: SecretStr = SecretStr("")
    discord_shard_count: int | None = Field(
        default=None, description="Shards across all bot processes (Discord's sharding). Unset: one process, "
                                  "as many shards as Discord recommends.")
    discord_shard_ids: list[int] | None = Field(
        default=None, description="The shards this bot process runs, e.g. [0, 1] (env: '[0,1]'); needs "
                                  "discord_shard_count. Unset: all of them.")

    serve_address: str = Field(default="auto", description="Ray cluster for world=serve: 'auto' (the running "
                                                           "cluster, e.g. started with `ray start --head`), "
                                                           "'local' (start one in-process) or ray://host:10001.")
    serve_app: str = Field(default="worldkeeper-world", description="The Serve application name of the world "
                                                                   "model deployment.")
    web_host: str = "127.0.0.1"
    web_port: int = 8765
    web_token: SecretStr = SecretStr("")

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource):
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=_config_file())

    @property
    def saves_dir(self) -> Path:
        return self.data_dir / "saves"
