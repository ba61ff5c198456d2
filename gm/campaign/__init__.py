"""The campaign authoring format (YAML) and its loader."""

from gm.campaign.loader import CampaignError, Problem, load_campaign, parse_campaign, resolve_campaign
from gm.campaign.schema import Campaign

__all__ = ["Campaign", "CampaignError", "Problem", "load_campaign", "parse_campaign", "resolve_campaign"]
