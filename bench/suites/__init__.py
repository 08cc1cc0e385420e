"""Benchmark suites; each is registered by name in bench/run.py."""
