"""The founding papers' own claims, checked on a run: each bundled claim suite names one of these
by its entry point (pyproject.toml, group `benchbench.claims`), as an installed package adds its
own. The registry, outcomes and helpers are in report/claims.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from benchbench.report.claims import ClaimCheck, ablation, completed, outcome_of, variant_value
from benchbench.report.entries import ci_text, compare_entries, entry_labels, entry_names
from benchbench.report.load import read_trajectory
from benchbench.report.stats import ALPHA


def wgan_gp_toy(runs: pd.DataFrame) -> list[ClaimCheck]:
    """Gulrajani et al. 2017, Figure 1 and Section 5.1."""
    rows, findings, outcomes = [], [], []
    for dataset, frame in runs.groupby("dataset", sort=True):
        entry, labels = entry_names(frame), entry_labels(frame)
        for name in dict.fromkeys(entry):
            trials = completed(frame[entry == name])
            row = {
                "dataset": dataset,
                "family": labels[name],
                "seeds": int((entry == name).sum()),
                "completed": len(trials),
                "final SWD": ci_text(trials["final_swd"].tolist()),
            }
            for column, heading in (
                ("final_modes_covered", "modes covered"),
                ("final_high_quality_share", "high-quality share"),
            ):
                if column in trials and trials[column].notna().any():
                    row[heading] = f"{trials[column].mean():.3g}"
            rows.append(row)
        if not {"wgan-gp", "wgan"} <= set(entry):
            continue
        swd = compare_entries(frame, "wgan-gp", "wgan", "final_swd", "SWD")
        sentence = (
            f"{dataset}: SWD WGAN-GP {swd.mean_a:.3g} vs WGAN {swd.mean_b:.3g} ({swd.test} p = {swd.p_value:.3g})"
        )
        significant = not math.isnan(swd.p_value) and swd.p_value < ALPHA
        better = swd.winner == "wgan-gp" if significant else False
        if "final_modes_covered" in frame and frame["final_modes_covered"].notna().any():
            done = completed(frame)
            modes = {e: done.loc[entry[done.index] == e, "final_modes_covered"].mean() for e in ("wgan-gp", "wgan")}
            sentence += f"; modes covered {modes['wgan-gp']:.3g} vs {modes['wgan']:.3g}"
            better = better and modes["wgan-gp"] >= modes["wgan"]
        findings.append(sentence)
        outcomes.append(outcome_of(better, significant))
    outcome = (
        "inconclusive"
        if not outcomes or "inconclusive" in outcomes
        else ("held" if all(o == "held" for o in outcomes) else "did not hold")
    )
    return [
        ClaimCheck(
            "WGAN-GP, Figure 1: the gradient penalty learns the toy distributions that weight clipping does not",
            "Gulrajani et al. 2017 (Fig. 1, Sec. 5.1): a critic with weight clipping fails to capture the 8 gaussians, "
            "25 gaussians and swiss roll, one with the gradient penalty succeeds. Held here when WGAN-GP's final sliced "
            "Wasserstein distance is significantly below WGAN's on every dataset, covering at least as many modes.",
            outcome,
            findings,
            pd.DataFrame(rows),
        )
    ]


def began(runs: pd.DataFrame) -> list[ClaimCheck]:
    """Berthelot et al. 2017: M_global as a convergence measure (Sec. 3.4.1) and gamma (Sec. 3.3)."""
    trials = completed(runs[runs["family"] == "began"])
    collapsed = (
        trials["collapse_suspected"].fillna(False).astype(bool)
        if "collapse_suspected" in trials
        else pd.Series(False, index=trials.index)
    )
    checks = _m_global_tracks_quality(trials, collapsed) + _gamma_trades_diversity(trials, collapsed)
    if not checks:
        checks.append(
            ClaimCheck(
                "BEGAN",
                "BEGAN's claims need BEGAN trials with trajectories.",
                "inconclusive",
                ["no completed BEGAN trials in this run"],
            )
        )
    return checks


def _m_global_tracks_quality(trials: pd.DataFrame, collapsed: pd.Series) -> list[ClaimCheck]:
    points, per_trial = [], []
    for _, trial in trials.iterrows():
        trajectory = read_trajectory(trial.get("trial_dir"))
        if trajectory is None or not {"m_global", "fid"} <= set(trajectory):
            continue
        trajectory = trajectory[["m_global", "fid"]].dropna()
        points.append(trajectory)
        if len(trajectory) >= 3:
            per_trial.append(stats.spearmanr(trajectory["m_global"], trajectory["fid"]).statistic)
    if not points:
        return []
    pooled = pd.concat(points)
    rho, p_value = stats.spearmanr(pooled["m_global"], pooled["fid"])
    positive = sum(r > 0 for r in per_trial if not math.isnan(r))
    enough = len(pooled) >= 6 and len(per_trial) >= 3
    held = rho > 0 and positive * 2 > len(per_trial)
    findings = [
        f"Spearman rho between M_global and validation FID over {len(pooled)} evaluation points of "
        f"{len(points)} trials: {rho:.2f} (p = {p_value:.2g}); within a trial rho > 0 in {positive} of "
        f"{len(per_trial)} (median {np.nanmedian(per_trial) if per_trial else math.nan:.2f})."
    ]
    if collapsed.any():
        findings.append(
            f"{int(collapsed.sum())} of {len(trials)} trials collapsed (fewer than half the classes drawn); the paper "
            "says M_global also reveals collapse, so they are kept in the correlation."
        )
    significant = p_value < ALPHA and (held or rho < 0)
    return [
        ClaimCheck(
            "BEGAN: M_global tracks image quality",
            "Berthelot et al. 2017 (Sec. 3.4.1, Fig. 2): the convergence measure M_global falls as the images "
            "improve. Held here when M_global and FID are positively rank-correlated along training (pooled "
            "p < 0.05, and positive within most trials).",
            outcome_of(held, significant, enough),
            findings,
        )
    ]


def _gamma_trades_diversity(trials: pd.DataFrame, collapsed: pd.Series) -> list[ClaimCheck]:
    checks: list[ClaimCheck] = []
    gammas = trials.assign(gamma=[variant_value(v, "gamma") for v in trials.get("variant", [""] * len(trials))])
    gammas = gammas[gammas["gamma"].notna()]
    if len(gammas) and collapsed[gammas.index].any():
        healthy = gammas[~collapsed[gammas.index]]
        if healthy["gamma"].nunique() < 3 or len(healthy) < 6:
            checks.append(
                ClaimCheck(
                    "BEGAN: gamma trades diversity for quality",
                    "Berthelot et al. 2017 (Sec. 3.3, Fig. 2): lower gamma gives less diverse, higher-quality images.",
                    "inconclusive",
                    [
                        f"{int(collapsed[gammas.index].sum())} of {len(gammas)} trials collapsed (fewer than half the classes drawn), leaving "
                        f"{len(healthy)}; the precision and recall of a collapsed generator say nothing about the trade-off."
                    ],
                    gammas.groupby("gamma")
                    .agg(seeds=("seed", "count"), collapsed=("collapse_suspected", "sum"), fid=("final_fid", "mean"))
                    .reset_index(),
                )
            )
            gammas = gammas.iloc[0:0]
        else:
            gammas = healthy
    if len(gammas) and {"final_recall", "final_precision"} <= set(gammas):
        gamma = gammas["gamma"].astype(float)
        recall = stats.spearmanr(gamma, gammas["final_recall"])
        precision = stats.spearmanr(gamma, gammas["final_precision"])
        table = (
            gammas.groupby("gamma")
            .agg(
                seeds=("seed", "count"),
                precision=("final_precision", "mean"),
                recall=("final_recall", "mean"),
                fid=("final_fid", "mean"),
            )
            .reset_index()
        )
        enough = gamma.nunique() >= 3 and len(gammas) >= 6
        significant = recall.pvalue < ALPHA and precision.pvalue < ALPHA
        expected = recall.statistic > 0 and precision.statistic < 0
        opposite = (recall.pvalue < ALPHA and recall.statistic < 0) or (
            precision.pvalue < ALPHA and precision.statistic > 0
        )
        outcome = "did not hold" if enough and opposite else outcome_of(expected, significant, enough)
        checks.append(
            ClaimCheck(
                "BEGAN: gamma trades diversity for quality",
                "Berthelot et al. 2017 (Sec. 3.3, Fig. 2): lower gamma gives less diverse, higher-quality images. "
                "Measured by recall (diversity) and precision (quality); held here when, over trials, recall rises and "
                "precision falls with gamma (Spearman, both p < 0.05).",
                outcome,
                [
                    f"Spearman rho(gamma, recall) = {recall.statistic:.2f} (p = {recall.pvalue:.2g}); rho(gamma, precision)"
                    f" = {precision.statistic:.2f} (p = {precision.pvalue:.2g}); {len(gammas)} completed trials."
                ],
                table.round(4),
            )
        )
    return checks


def progan(runs: pd.DataFrame) -> list[ClaimCheck]:
    """Karras et al. 2018, Sec. 2 and Fig. 4."""
    outcome, findings, table = ablation(runs, "progan", "progressive", "true", "false", "final_fid", "final FID")
    if "final_pyramid_swd" in runs:
        _, swd, _ = ablation(runs, "progan", "progressive", "true", "false", "final_pyramid_swd", "final SWD x1e3")
        findings += swd
    budgets = ", ".join(sorted(runs.loc[runs["family"] == "progan", "budget"].astype(str).unique()))
    findings.append(
        f"Both trained under the same budget ({budgets}); progressive growing spends it on smaller "
        "networks first, so it takes more steps in that time."
    )
    return [
        ClaimCheck(
            "ProGAN: progressive growing reaches better quality in the same wall-clock time",
            "Karras et al. 2018 (Sec. 2, Fig. 4): growing G and D progressively trains faster and reaches better "
            "quality than training the full network from the start. Held here when the progressive network's final "
            "FID is significantly lower under the same wall-clock budget (SWD reported beside it).",
            outcome,
            findings,
            table,
        )
    ]


def cyclegan(runs: pd.DataFrame) -> list[ClaimCheck]:
    """Zhu et al. 2017, Sec. 5.1.4 (ablation), with CyCADA's label-preservation measure."""
    frame = runs[runs["family"] == "cyclegan"]
    values = sorted({variant_value(v, "cycle_lambda") for v in frame.get("variant", [])} - {None}, key=float)
    if len(values) < 2:
        return [
            ClaimCheck(
                "CycleGAN: the cycle loss preserves content",
                "needs cycle_lambda swept",
                "inconclusive",
                [f"cycle_lambda values in the run: {values}"],
            )
        ]
    without, with_cycle = values[0], values[-1]
    outcome, findings, table = ablation(
        runs,
        "cyclegan",
        "cycle_lambda",
        with_cycle,
        without,
        "final_label_accuracy",
        "label accuracy",
    )
    if "final_label_accuracy_untranslated" in frame and frame["final_label_accuracy_untranslated"].notna().any():
        findings.append(
            f"The classifier reads {frame['final_label_accuracy_untranslated'].mean():.4g} of the "
            "untranslated source digits correctly: the bar a content-keeping translation should clear."
        )
    return [
        ClaimCheck(
            "CycleGAN: the cycle-consistency loss preserves content across domains",
            "Zhu et al. 2017 (Sec. 5.1.4, Table 4): without the cycle loss the mapping is under-constrained and the "
            "translated image need not keep the input's content. Measured as label preservation (a digit classifier's "
            "accuracy on translated images, as in CyCADA, Hoffman et al. 2018). Held here when accuracy is "
            f"significantly higher with cycle_lambda = {with_cycle} than with {without}.",
            outcome,
            findings,
            table,
        )
    ]
