"""Scenarios: parking, traffic safety … built on sensing and analytics."""
