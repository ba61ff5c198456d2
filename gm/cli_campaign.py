"""``worldkeeper campaign validate|schema|list``: author and check campaign files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gm.campaign.loader import CampaignError, json_schema, load_campaign, shipped_campaigns
from gm.cli_app import campaign_app, err, out


@campaign_app.command("validate")
def campaign_validate(files: Annotated[list[Path], typer.Argument(help="Campaign YAML files.")]) -> None:
    """Check campaign files; print a summary for each good one and located errors for each bad one."""
    bad = 0
    for path in files:
        try:
            c = load_campaign(path)
        except CampaignError as exc:
            bad += 1
            for problem in exc.problems:
                err.print(str(problem), markup=False)
            continue
        stages = sum(len(q.stages) for q in c.quests.values())
        out.print(f"{path}: ok: {c.title!r}, {len(c.locations)} locations, {len(c.characters)} characters, "
                  f"{len(c.items)} items, {len(c.skills)} skills, {len(c.quests)} quests ({stages} stages)",
                  markup=False)
    if bad:
        raise typer.Exit(1)


@campaign_app.command("schema")
def campaign_schema() -> None:
    """Print the JSON Schema of campaign files (for editor validation and completion)."""
    sys.stdout.write(json_schema() + "\n")


@campaign_app.command("list")
def campaign_list() -> None:
    """List the campaigns shipped with Worldkeeper."""
    for name, path in sorted(shipped_campaigns().items()):
        c = load_campaign(path)
        out.print(f"{name}: {c.title} — {' '.join(c.summary.split())}", markup=False)
