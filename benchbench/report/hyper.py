"""Hyperparameter-budget curves (Lucic et al. 2018, Fig. 4): the expected best final metric when
k settings are tried, for k = 1..K, estimated by drawing k of the K settings with replacement
(2,000 draws, fixed seed; the band spans the 5th to 95th percentile of the draws). A setting's
value is its mean over seeds; a setting with no completed seed counts as the worst observed."""

from __future__ import annotations

import io
import math
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchbench.report.tables import by_entry, label  # noqa: E402


def setting_values(trials: pd.DataFrame, column: str) -> np.ndarray:
    means = []
    for _, runs in trials.groupby("setting"):
        done = runs.loc[runs["status"] == "completed", column].dropna() if column in runs else pd.Series(dtype=float)
        means.append(float(done.mean()) if len(done) else math.nan)
    values = np.array(means, dtype=float)
    finite = values[np.isfinite(values)]
    return np.where(np.isfinite(values), values, finite.max() if len(finite) else math.inf)


def expected_best(values: np.ndarray, draws: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(1, len(values) + 1):
        best = rng.choice(values, size=(draws, k), replace=True).min(axis=1)
        rows.append({"k": k, "mean": best.mean(), "low": np.percentile(best, 5), "high": np.percentile(best, 95)})
    return pd.DataFrame(rows)


def budget_table(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    column, rows = f"final_{metric}", []
    for family, trials in by_entry(frame):
        values = setting_values(trials, column)
        curve = expected_best(values)
        best = int(np.argmin(values))
        rows.append({
            "family": label(family), "settings": len(values), f"default {metric.upper()}": f"{values[0]:.4g}",
            "median over settings": f"{np.median(values):.4g}", f"best {metric.upper()}": f"{values[best]:.4g}",
            "best setting": best, f"E[best of {len(values)}]": f"{curve['mean'].iloc[-1]:.4g}",
        })  # fmt: skip
    return pd.DataFrame(rows)


def budget_plot(frame: pd.DataFrame, metric: str) -> bytes:
    figure, axes = plt.subplots(figsize=(5.5, 3.6))
    for family, trials in by_entry(frame):
        curve = expected_best(setting_values(trials, f"final_{metric}"))
        line = axes.plot(curve["k"], curve["mean"], marker="o", label=label(family))[0]
        axes.fill_between(curve["k"], curve["low"], curve["high"], color=line.get_color(), alpha=0.2)
    axes.set_xlabel("hyperparameter settings tried")
    axes.set_ylabel(f"expected best final {metric.upper()}")
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def has_study(frame: pd.DataFrame) -> bool:
    return "setting" in frame and frame["setting"].fillna(0).max() > 0

