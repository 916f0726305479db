"""Hypothesis profiles. The normal suite (and CI) is derandomized: the same
examples every run, so a red run is reproducible and CI never flakes on a
case found by chance. To explore new random cases:

    HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest -q tests/test_*_properties.py

and turn anything found into an example test."""

import os

from hypothesis import settings

settings.register_profile("default", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
