"""Equal tuning effort (Lucic et al. 2018): every family gets the same number K of
hyperparameter settings (its own, then K - 1 drawn from its published ranges); the setting with
the best mean validation score is selected and its best-on-validation checkpoints, scored on the
test split, are what is compared. Selecting on validation and reporting on test keeps the test
split out of the choice.

Budget curves (Lucic et al., Fig. 4): the expected test value of the validation-selected setting
when k of the K settings are tried, k = 1..K, estimated by drawing k settings with replacement
(2,000 draws, fixed seed; the band spans the 5th to 95th percentile). A setting's value is its
mean over seeds; a setting with no completed seed is never selected when another one completed.
"""

from __future__ import annotations

import io
import itertools
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchbench.report.entries import by_entry, ci_text, collapsed_count, entry_labels, lower_is_better  # noqa: E402
from benchbench.report.stats import Comparison, compare  # noqa: E402


def setting_scores(trials: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per setting: completed seeds, mean validation score (selection) and mean test value of the
    best-on-validation checkpoints (what is reported); NaN where no seed completed."""
    rows = []
    for setting, runs in trials.groupby("setting"):
        done = runs[runs["status"] == "completed"]
        validation = done["best_validation_score"].dropna() if "best_validation_score" in done else pd.Series()
        test = done[f"best_{metric}"].dropna() if f"best_{metric}" in done else pd.Series()
        rows.append(
            {
                "setting": int(setting),
                "completed": len(done),
                "validation": float(validation.mean()) if len(validation) else math.nan,
                "test": float(test.mean()) if len(test) else math.nan,
            }
        )
    return pd.DataFrame(rows)


def _selectable(scores: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(validation, test) per setting; a setting without a completed seed selects last, and
    counts as the worst test value seen (a failed setting is an outcome of tuning)."""
    test = scores["test"].to_numpy(dtype=float)
    finite = test[np.isfinite(test)]
    worst = finite.max() if len(finite) else math.inf
    validation = scores["validation"].to_numpy(dtype=float)
    validation = np.where(np.isfinite(validation), validation, math.inf)
    return validation, np.where(np.isfinite(test), test, worst)


def expected_best(validation: np.ndarray, test: np.ndarray, draws: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(1, len(test) + 1):
        picks = rng.integers(0, len(test), size=(draws, k))
        chosen = picks[np.arange(draws), validation[picks].argmin(axis=1)]
        values = test[chosen]
        rows.append({"k": k, "mean": values.mean(), "low": np.percentile(values, 5), "high": np.percentile(values, 95)})
    return pd.DataFrame(rows)


def selected_setting(trials: pd.DataFrame, metric: str) -> int | None:
    scores = setting_scores(trials, metric)
    validation, _ = _selectable(scores)
    return None if not np.isfinite(validation).any() else int(scores["setting"].iloc[int(np.argmin(validation))])


def budget_table(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows, labels = [], entry_labels(frame)
    for family, trials in by_entry(frame):
        scores = setting_scores(trials, metric)
        validation, test = _selectable(scores)
        chosen = selected_setting(trials, metric)
        picked = (
            trials[(trials["setting"] == chosen) & (trials["status"] == "completed")]
            if chosen is not None
            else trials[:0]
        )
        curve = expected_best(validation, test)
        name = metric.upper()
        rows.append(
            {
                "family": labels[family],
                "settings": len(scores),
                f"own setting {name}": f"{test[0]:.4g}",
                "median over settings": f"{np.median(test):.4g}",
                "selected on validation": chosen,
                f"its test {name} (95% CI)": ci_text(picked[f"best_{metric}"].dropna().tolist())
                if len(picked)
                else "-",
                "its collapsed seeds": collapsed_count(picked),
                f"E[selected of {len(scores)}]": f"{curve['mean'].iloc[-1]:.4g}",
            }
        )
    return pd.DataFrame(rows)


def tuned_comparisons(frame: pd.DataFrame, metric: str) -> list[Comparison]:
    """Each pair of entries on the test values of their validation-selected settings."""
    picked = {}
    for entry, trials in by_entry(frame):
        chosen = selected_setting(trials, metric)
        if chosen is not None:
            picked[entry] = trials[trials["setting"] == chosen]
    out = []
    for a, b in itertools.combinations(picked, 2):
        runs = {e: picked[e] for e in (a, b)}
        values = {e: r.loc[r["status"] == "completed", f"best_{metric}"].dropna().tolist() for e, r in runs.items()}
        lost = {e: int(r["status"].isin(["diverged", "failed"]).sum()) for e, r in runs.items()}
        comparison = compare(
            a, values[a], b, values[b], metric.upper(), lower_is_better(metric), lost_a=lost[a], lost_b=lost[b]
        )
        comparison.n_collapsed_a, comparison.n_collapsed_b = collapsed_count(runs[a]), collapsed_count(runs[b])
        out.append(comparison)
    return out


def budget_plot(frame: pd.DataFrame, metric: str) -> bytes:
    figure, axes = plt.subplots(figsize=(5.5, 3.6))
    labels = entry_labels(frame)
    for family, trials in by_entry(frame):
        curve = expected_best(*_selectable(setting_scores(trials, metric)))
        line = axes.plot(curve["k"], curve["mean"], marker="o", label=labels[family])[0]
        axes.fill_between(curve["k"], curve["low"], curve["high"], color=line.get_color(), alpha=0.2)
    axes.set_xlabel("hyperparameter settings tried")
    axes.set_ylabel(f"test {metric.upper()} of the validation-selected setting")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def has_study(frame: pd.DataFrame) -> bool:
    return "setting" in frame and frame["setting"].fillna(0).max() > 0
