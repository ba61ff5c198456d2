"""Worldkeeper's game master: campaign format, world state, rules, the agent and the CLI."""
