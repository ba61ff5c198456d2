"""Worldkeeper's Discord bot: campaigns in channels, over the same game API as the CLI."""
