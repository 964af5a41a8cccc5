"""Stored insight: runs of the analyses (associations, hot issues, warnings, reports) and their ranked results."""
