"""Thin command-line layer: parse arguments, call the library, print diagnostics, pick the exit code."""
