"""What the doctor reports: one :class:`Check` per check, gathered in a :class:`DoctorReport`.

A module of its own so that the checks (:mod:`labkit.debugging.forward_checks`,
:mod:`labkit.debugging.training_checks`) and the table that lists them
(:mod:`labkit.debugging.checklist`) can all import :class:`Check` without importing each other.
"""

from __future__ import annotations

import dataclasses

from labkit.text import fit

__all__ = ["Check", "DoctorReport", "fail"]


@dataclasses.dataclass(frozen=True)
class Check:
    """One line of the report: ``status`` is "pass", "caution" (passed, with something to look at),
    "fail" or "skip"."""

    name: str
    status: str
    message: str
    advice: str = ""


def fail(name: str, message: str) -> Check:
    """A failing :class:`Check` of ``name``; the doctor adds that check's advice from its table."""
    return Check(name, "fail", message)


@dataclasses.dataclass(repr=False)
class DoctorReport:
    """What the doctor found; ``report["overfit_batch"].status`` reads one check."""

    checks: list[Check]
    seconds: float
    notes: list[str] = dataclasses.field(default_factory=list)  # what the doctor could not derive

    @property
    def cautions(self) -> list[str]:
        return [c.name for c in self.checks if c.status == "caution"]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if c.status == "fail"]

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"no check named {name!r}; the checks are {', '.join(c.name for c in self.checks)}")

    def __repr__(self) -> str:
        verdict = "all checks passed" if self.ok else f"{len(self.failed)} failed: {', '.join(self.failed)}"
        if self.cautions:
            verdict += f"; {len(self.cautions)} caution: {', '.join(self.cautions)}"
        lines = [f"Doctor ({self.seconds:.2f} s): {verdict}"] + [f"note: {note}" for note in self.notes]
        for c in self.checks:
            lines.append(f"[{c.status.upper() if c.status == 'fail' else c.status}] {c.name}: {c.message}")
            if c.status in ("fail", "caution") and c.advice:
                lines.append(f"       advice: {c.advice}")
        return fit("\n".join(lines), indent="    ")  # a notebook cuts longer lines mid-number

    def _repr_markdown_(self) -> str:
        icons = {"pass": "pass", "caution": "*caution*", "fail": "**FAIL**", "skip": "skip"}
        lines = ["| check | status | finding | advice |", "|---|---|---|---|"]
        lines += [f"| {c.name} | {icons[c.status]} | {c.message} | "
                  f"{c.advice if c.status in ('fail', 'caution') else ''} |" for c in self.checks]
        return "\n".join(lines)
