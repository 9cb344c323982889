"""Interoperability: import Sloth and OpenSLO documents as obskit Python definitions, export obskit
SLOs as OpenSLO v1.

Importers build real :class:`~obskit.model.slo.SLO` objects (so the model validates them) and keep,
next to each, what could not be carried over (:class:`~obskit.interop.findings.Finding`);
:mod:`obskit.interop.pycode` writes them as a module a human keeps. Nothing is silently dropped.
"""
