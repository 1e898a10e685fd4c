import math

import pandas as pd
import pytest

from benchbench.report import leaderboard, render_markdown, verdicts
from benchbench.report.stats import compare


def test_welch_outcome_by_hand():
    result = compare("a", [1.0, 2.0, 3.0], "b", [4.0, 5.0, 6.0], "FID")
    # t = -3 / sqrt(2/3) = -3.674, df = 4: two-sided p = 0.02131
    assert result.p_value == pytest.approx(0.02131, rel=1e-3)
    assert result.winner == "a"
    # pooled sd 1, d = (2 - 5) / 1 = -3, small-sample correction 1 - 3 / (4 * 6 - 9) = 0.8
    assert result.effect_size == pytest.approx(-2.4)
    higher_better = compare("a", [1.0, 2.0, 3.0], "b", [4.0, 5.0, 6.0], "IS", lower_is_better=False)
    assert higher_better.winner == "b"


def test_no_difference_and_too_few_seeds():
    same = compare("a", [1.0, 2.0, 3.0], "b", [1.5, 2.5, 2.0], "FID")
    assert same.winner is None and "no significant difference" in same.sentence({})
    few = compare("a", [1.0], "b", [2.0, 3.0], "FID")
    assert math.isnan(few.p_value) and "not tested (1 vs 2 completed seeds" in few.sentence({})
    assert few.sentence({"a": "A", "b": "B"}).startswith("no verdict: FID A 1 vs B 2.5")  # each value named


def _runs(final_a, final_b, status_b=None):
    rows = []
    for family, finals in (("wgan-gp", final_a), ("began", final_b)):
        for seed, value in enumerate(finals):
            status = (status_b or {}).get(seed, "completed") if family == "began" else "completed"
            rows.append(
                {
                    "family": family,
                    "family_label": {"wgan-gp": "WGAN-GP", "began": "BEGAN"}[family],
                    "dataset": "mnist",
                    "budget": "100s",
                    "seed": seed,
                    "status": status,
                    "extractor": "mnist-classifier",
                    "primary_metric": "fid",
                    "final_fid": value if status == "completed" else None,
                    "final_is": 5.0,
                    "collapse_suspected": False,
                    "diverged_at_step": 12 if status == "diverged" else None,
                    "device": "cpu",
                    "versions": "torch x",
                    "error": None,
                }
            )
    return pd.DataFrame(rows)


def test_leaderboard_orders_by_final_metric_and_counts_outcomes():
    table = leaderboard(_runs([10.0, 11.0, 12.0], [20.0, 21.0, 22.0], {2: "diverged"}))
    assert list(table["family"]) == ["WGAN-GP", "BEGAN"]
    began = table.iloc[1]
    assert began["seeds"] == 3 and began["completed"] == 2 and began["diverged"] == 1
    assert table.iloc[0]["final FID (t 95% CI)"].startswith("11 [")


def test_an_entry_that_lost_most_seeds_ranks_last_whatever_its_survivor_scored():
    table = leaderboard(_runs([10.0, 11.0, 12.0], [1.0, 2.0, 3.0], {0: "diverged", 1: "failed"}))
    assert list(table["family"]) == ["WGAN-GP", "BEGAN"]
    one_lost = leaderboard(_runs([10.0, 11.0, 12.0], [1.0, 2.0, 3.0], {2: "diverged"}))
    assert list(one_lost["family"]) == ["BEGAN", "WGAN-GP"]  # median of 1, 2 and worst is 2: still first


def test_markdown_report_names_extractor_and_verdict():
    runs = _runs([10.0, 11.0, 12.0], [20.0, 21.0, 22.0], {2: "diverged"})
    text = render_markdown(runs)
    assert "`mnist-classifier`" in text
    # quality on what completed (3 vs 2), reliability apart: 0 of 3 against 1 of 3 lost
    assert "**Verdict:** WGAN-GP better" in text and "P(WGAN-GP better) = 1.00" in text
    assert "diverged or failed: WGAN-GP 0 of 3, BEGAN 1 of 3 (Fisher's exact test p = 1)" in text
    assert "BEGAN seed 2: diverged at step 12" in text
    assert verdicts(runs)[0].n_b == 2
    close = _runs([10.0, 11.0, 12.0], [11.0, 12.0, 13.0], {2: "diverged"})
    assert "**Verdict:** no significant difference" in render_markdown(close)


def test_merging_refuses_rows_of_different_provenance(tmp_path):
    from benchbench.errors import UserError
    from benchbench.report.load import check_provenance

    runs = _runs([10.0, 11.0, 12.0], [20.0, 21.0, 22.0])
    runs["extractor_weights"] = "aaaa"
    runs["final_n_fake"] = 10_000
    check_provenance(runs)
    runs.loc[0, "final_n_fake"] = 500
    with pytest.raises(UserError, match="final_n_fake"):
        check_provenance(runs)
    runs.loc[0, "final_n_fake"] = 10_000
    runs.loc[1, "extractor_weights"] = "bbbb"
    with pytest.raises(UserError, match="extractor_weights"):
        check_provenance(runs)


def test_holm_by_hand():
    from benchbench.report.stats import holm

    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert math.isnan(holm([0.2, math.nan])[1])


def test_interval_contains_the_mean():
    from benchbench.report.stats import mean_ci

    mean, low, high = mean_ci([3.0, 5.0, 4.0, 10.0, 7.0])
    assert mean == pytest.approx(5.8) and low < 3.0 < mean < high  # reaches below the smallest seed at n = 5


def test_probability_of_improvement_and_diverged_seeds_rank_worst():
    clean = compare("a", [1.0, 2.0, 3.0], "b", [4.0, 5.0, 6.0], "FID")
    assert clean.p_improvement == 1.0 and clean.test == "Welch t-test"
    # b lost two of four seeds to divergence: they rank worst in P(better), and count in the exact test
    lost = compare("a", [1.0, 2.0, 3.0, 2.5], "b", [1.5, 2.2], "FID", lost_b=2)
    assert lost.test == "Welch t-test" and lost.n_lost_b == 2
    assert lost.p_improvement == pytest.approx((4 + 3 + 2 + 2) / 16)  # pairs with a below b
    assert "BEGAN 2 of 4" in lost.sentence({"b": "BEGAN"})


def test_labels_come_from_each_frame_and_never_leak_between_loads():
    """Two runs that label the same family differently keep their own labels (no process-wide map)."""
    from benchbench.report.entries import entry_labels

    first = _runs([10.0, 11.0, 12.0], [20.0, 21.0, 22.0])
    second = first.assign(family_label=first["family_label"].str.lower())
    assert "| WGAN-GP" in render_markdown(first) and "| wgan-gp" in render_markdown(second)
    assert "| WGAN-GP" in render_markdown(first)  # after the second: still its own
    assert entry_labels(first.assign(variant="gamma=0.5"))["began gamma=0.5"] == "BEGAN gamma=0.5"


def test_the_report_says_where_each_trial_spent_its_time():
    runs = _runs([10.0, 11.0, 12.0], [20.0, 21.0, 22.0]).assign(
        train_seconds=100.0, eval_seconds=40.0, final_seconds=30.0, setup_seconds=4.0
    )
    text = render_markdown(runs)
    assert "Per trial (mean): training 100 s; beside it, evaluation along the budget and checkpoints 10 s" in text
    assert "final scoring 30 s, set-up 4 s." in text
    assert "Per trial (mean)" not in render_markdown(_runs([10.0, 11.0, 12.0], [20.0, 21.0, 22.0]))


def test_the_run_line_sets_wall_clock_against_training():
    from benchbench.report.timing import time_line

    counters = {"train_seconds": 100.0, "eval_seconds": 60.0, "final_seconds": 40.0, "setup_seconds": 5.0}
    line = time_line([{"counters": counters}] * 4, wall=400.0, jobs=2)
    assert line.startswith("400 s of wall clock for 200 s of training at 2 at a time (2.00x)")
    assert "evaluation along the budget 20 s, final scoring 40 s, set-up 5 s" in line
    assert "had finished" in time_line([], wall=3.0, jobs=2)
    scoring = {
        "sampling": 0.5,
        "mnist-classifier": {"features": 1.4, "precision/recall": 2.0, "fid": 0.04},
        "mnist-lenet": {"features": 0.4, "precision/recall": 1.9, "fid": 0.05},
        "floor": 0.02,
    }
    line = time_line([{"counters": counters, "scoring_seconds": scoring}] * 4, wall=400.0, jobs=2)
    assert line.splitlines()[1] == (
        "Final scoring by part (mean per trial): sampling 0.5 s; mnist-classifier: precision/recall 2.0 s, "
        "features 1.4 s; mnist-lenet: precision/recall 1.9 s, features 0.4 s; the rest 33.8 s."
    )  # the largest part first; of 40 s of final scoring, what no part holds (and parts under 0.1 s) is the rest


def test_a_step_computed_otherwise_is_an_entry_of_its_own_but_the_gate_keys_it_as_configured():
    """bf16 trials reported beside float32 ones are compared with them, never pooled into one entry;
    the gate keeps keying by family and variant (it matches step settings apart)."""
    from benchbench.gate.baseline import keyed
    from benchbench.report.load import flatten

    steps = {"optimizer_impl": "default", "channels_last": False, "tf32": False, "autocast": "none"}
    summary = {"trial": "t", "family": "wgan-gp", "family_label": "WGAN-GP", "diagnostics": [], "step_settings": steps}
    plain = flatten(summary)
    bf16 = flatten(summary | {"step_settings": steps | {"autocast": "bf16", "channels_last": True}})
    swept = flatten(summary | {"variant": "n_critic=1", "step_settings": steps | {"autocast": "bf16"}})
    assert (plain["entry"], plain["label"]) == ("wgan-gp", "WGAN-GP")
    assert bf16["entry"] == "wgan-gp autocast=bf16 channels_last=true"
    assert swept["label"] == "WGAN-GP n_critic=1 autocast=bf16"
    gate_keys = keyed(pd.DataFrame([plain, bf16, swept]).assign(budget="100steps"))["entry"]
    assert list(gate_keys) == ["wgan-gp", "wgan-gp", "wgan-gp n_critic=1"]


@pytest.mark.parametrize("seeds", [1, 2, 3])
def test_every_sentence_agrees_with_the_numbers_beside_it_at_few_seeds(seeds):
    """Earlier a 2-seed report said 'intervals and tests need at least 3' beside t intervals,
    Welch p-values and Hedges' g."""
    text = render_markdown(_runs([10.0 + i for i in range(seeds)], [20.0 + i for i in range(seeds)]))
    assert "need at least 3" not in text
    if seeds == 1:
        assert "1 seed: its numbers are one draw, with no interval and no test" in text
        assert "Welch" not in text and "Hedges" not in text and "not tested" in text
    elif seeds == 2:
        assert "only 2 seeds: its t interval has 1 degree of freedom" in text and "rough first look" in text
        assert "Welch t-test p =" in text  # shown, and said what it can support
    else:
        assert "seeds:" not in text.split("**Verdict:**")[0] and "rough first look" not in text


def test_an_image_extractors_table_stays_out_of_a_points_section():
    """Earlier a report over 8 gaussians and MNIST printed 'Also scored with `mnist-lenet` (weights )'
    in the 8-gaussians section, a table of seeds alone."""
    images = _runs([10.0, 11.0, 12.0], [20.0, 21.0, 22.0])
    images["final_fid@mnist-lenet"] = [3.0, 3.1, 3.2, 5.0, 5.1, 5.2]
    images["extractor_weights@mnist-lenet"] = "abc123"
    points = _runs([0.1, 0.11, 0.12], [0.2, 0.21, 0.22]).assign(
        dataset="8gaussians", extractor=None, primary_metric="swd", final_swd=lambda f: f["final_fid"], final_fid=None
    )
    text = render_markdown(pd.concat([images, points], ignore_index=True))
    sections = text.split("## ")
    (points_section,) = [s for s in sections if s.startswith("8gaussians")]
    (image_section,) = [s for s in sections if s.startswith("mnist")]
    assert "Also scored with" not in points_section and "mnist-lenet" not in points_section
    assert "Also scored with `mnist-lenet` (weights abc123)" in image_section


def test_a_pairs_section_gets_its_translation_columns_and_no_tables_of_other_kinds():
    """A domain pair (CycleGAN's data): FID of the translations and the cycle L1 in its table, no
    class shares (a pair has no labels), no second space it was not scored in; beside it an
    image section keeps its own."""
    images = _runs([10.0, 11.0, 12.0], [20.0, 21.0, 22.0])
    images["final_fid@mnist-lenet"] = [3.0, 3.1, 3.2, 5.0, 5.1, 5.2]
    images["extractor_weights@mnist-lenet"] = "abc123"
    pairs = _runs([30.0, 31.0, 32.0], [40.0, 41.0, 42.0]).assign(
        dataset="pair:/data/horse zebra",
        family="cyclegan",
        family_label="CycleGAN",
        final_cycle_l1=[0.2, 0.21, 0.22] * 2,
    )
    pairs["seed"] = list(range(6))
    text = render_markdown(pd.concat([images, pairs], ignore_index=True))
    sections = text.split("## ")
    (pair_section,) = [s for s in sections if s.startswith("pair:/data/horse zebra")]
    (image_section,) = [s for s in sections if s.startswith("mnist")]
    assert "cycle L1" in pair_section and "CycleGAN" in pair_section and "6 |" in pair_section
    assert "Also scored with" not in pair_section and "classes drawn" not in pair_section
    assert "cycle L1" not in image_section and "Also scored with `mnist-lenet` (weights abc123)" in image_section
