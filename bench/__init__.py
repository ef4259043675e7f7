"""Benchmarks: speed targets live here, not in timed unit tests. Run with `make bench`."""
