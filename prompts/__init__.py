"""Worldkeeper's Jinja2 templates, overridable per campaign (its `prompts:` map)."""

from __future__ import annotations

from importlib import resources

from jinja2 import ChoiceLoader, DictLoader, FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment


def environment(overrides: dict[str, str] | None = None) -> SandboxedEnvironment:
    """Templates from this folder, with a campaign's overrides first. Sandboxed: campaign files are untrusted."""
    return SandboxedEnvironment(
        loader=ChoiceLoader([DictLoader(dict(overrides or {})), FileSystemLoader(str(resources.files("prompts")))]),
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
    )
