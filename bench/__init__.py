"""Benchmarks (run as ``python -m bench.<name>``); figures are in docs/benchmarks.md."""
