"""Renderers: intermediate model → bytes, one module per target format."""
