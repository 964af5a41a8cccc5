"""Triage (分拨): intake reads every new case — category, place, repeats, department — and says why."""
