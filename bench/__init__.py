"""Benchmarks, and the throwaway local stack (processes, fakes) shared with the failure tests."""
