"""The verdict in every feature space a section was scored in.

FID depends on the network whose features it compares (Stein et al. 2023 show model rankings
that change with it), so a verdict should hold in more than one. Trials scored with additional
extractors (`final_extractors`) carry `final_fid@EXTRACTOR` for the same final samples; each
pair of entries is compared there as in the primary space (Welch over seeds), and the two answers
are set side by side: they agree, one of them finds no significant difference, they disagree and
the answer depends on the feature space, or there are not the seeds to test. Multiple testing:
a report's final verdicts in every feature space are one Holm family (tables.sections), so an
answer in a second space is held to the same standard as the first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from benchbench.report.entries import compare_entries
from benchbench.report.stats import Comparison


@dataclass
class SpaceVerdict:
    extractor: str
    primary: Comparison  # the pair in the section's own feature space
    other: Comparison  # the same pair in this one

    @property
    def agreement(self) -> str:
        """ "agree", "disagree" (opposite significant winners), "partly" (one finds no difference)
        or "untested" (too few seeds in either space to test)."""
        if math.isnan(self.primary.p_value) or math.isnan(self.other.p_value):
            return "untested"
        if self.primary.winner == self.other.winner:
            return "agree"
        if self.primary.winner and self.other.winner:
            return "disagree"
        return "partly"

    def sentence(self, labels: dict[str, str], primary_extractor: str) -> str:
        other = self.other.sentence(labels)
        if self.agreement == "untested":
            return f"in `{self.extractor}` features, {other}; no agreement can be claimed without the seeds to test"
        if self.agreement == "agree":
            return f"in `{self.extractor}` features, {other}; this agrees with `{primary_extractor}`"
        if self.agreement == "disagree":
            return (
                f"the answer depends on the feature space: in `{self.extractor}` features, {other}; "
                f"`{primary_extractor}` finds the opposite"
            )
        found = self.primary if self.primary.winner else self.other
        where = primary_extractor if self.primary.winner else self.extractor
        return (
            f"in `{self.extractor}` features, {other}; only `{where}` finds "
            f"{labels.get(found.winner, found.winner)} significantly better"
        )


def extra_spaces(frame: pd.DataFrame) -> list[str]:
    """The additional feature spaces these trials were scored in: a runs table that mixes points
    and images has the columns of an image extractor on every row, empty on the points' rows."""
    return sorted({c.split("@", 1)[1] for c in frame.columns if c.startswith("final_fid@") and frame[c].notna().any()})


def space_verdicts(frame: pd.DataFrame, comparisons: list[Comparison]) -> list[SpaceVerdict]:
    """Each comparison of the section again in every additional feature space (FID there)."""
    out = []
    for extractor in extra_spaces(frame):
        column = f"final_fid@{extractor}"
        others = [compare_entries(frame, c.a, c.b, column, f"FID ({extractor})") for c in comparisons]
        out += [SpaceVerdict(extractor, c, o) for c, o in zip(comparisons, others)]
    return out
