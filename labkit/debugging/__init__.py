"""Debugging training (Lab 05): the doctor's sanity checks and a zoo of bugs that train without an error.

The public face of the topic: notebooks import from here; labkit's own code imports from the
defining modules.
"""

from __future__ import annotations

from labkit.debugging.bugzoo import BUGS, Bug, CatchMatrix, Setup, catch_matrix, get_bug
from labkit.debugging.checklist import CHECKS, CheckSpec, explain_checks
from labkit.debugging.doctor import doctor, standard_step
from labkit.debugging.report import Check, DoctorReport, fail
from labkit.debugging.targets import Target, describe_target

__all__ = [
    "BUGS", "Bug", "CHECKS", "CatchMatrix", "Check", "CheckSpec", "DoctorReport", "Setup", "catch_matrix",
    "Target", "describe_target", "doctor", "explain_checks", "fail", "get_bug", "standard_step",
]
