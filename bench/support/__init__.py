"""Helpers shared by the benchmarks in bench/ (not benchmarks themselves, so `make bench` skips them)."""
