"""The verdict along the budget, on hand-made trajectories whose answer is known: a family ahead
early, overtaken between two evaluation points, one still improving and one on a plateau."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchbench.report.along import along_budget
from benchbench.report.stats import holm

SECONDS = [2.0, 4.0, 10.0, 21.0]
# per seed and point; at every point the seeds' noise sums to zero, so the means are the curves'
NOISE = [[-1.0, 0.5, 0.5, -1.0], [0.0, -1.0, 1.0, 0.0], [1.0, 0.5, -1.5, 1.0]]


def runs(tmp_path, curves: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for family, means in curves.items():
        for seed, noise in enumerate(NOISE):
            folder = tmp_path / f"{family}-{seed}"
            folder.mkdir()
            fid = np.array(means) + np.array(noise)
            seconds = np.array(SECONDS) + 0.01 * seed  # a time budget stops a little after each point
            pd.DataFrame({"step": [5, 10, 25, 52], "train_seconds": seconds, "fid": fid}).to_csv(
                folder / "trajectory.csv", index=False
            )
            rows.append({"family": family, "variant": "", "status": "completed", "trial_dir": str(folder)})
    return pd.DataFrame(rows)


def test_each_point_is_welch_over_seeds_and_holm_over_the_points(tmp_path):
    curves = {"wgan-gp": [100, 80, 60, 50], "began": [150, 90, 40, 20]}
    result = along_budget(runs(tmp_path, curves), "wgan-gp", "began", "fid", "seconds")
    raw = []
    for i, point in enumerate(result.points):
        a = [curves["wgan-gp"][i] + NOISE[s][i] for s in range(3)]
        b = [curves["began"][i] + NOISE[s][i] for s in range(3)]
        raw.append(stats.ttest_ind(a, b, equal_var=False).pvalue)
        assert point.comparison.p_value == pytest.approx(raw[-1])
        assert point.comparison.mean_a == pytest.approx(np.mean(a)) and point.budget == pytest.approx(SECONDS[i] + 0.01)
    assert [p.comparison.p_adjusted for p in result.points] == pytest.approx(holm(raw))
    winners = [p.comparison.winner for p in result.points]
    expected = [("wgan-gp" if a < b else "began") if p < 0.05 else None for a, b, p in zip(*curves.values(), holm(raw))]
    assert winners == expected and winners[0] == "wgan-gp" and winners[-1] == "began"


def test_the_crossing_is_bracketed_by_two_points_and_interpolated_in_log_budget(tmp_path):
    result = along_budget(runs(tmp_path, {"a": [100, 80, 60, 50], "b": [150, 90, 40, 20]}), "a", "b", "fid", "seconds")
    ((before, after, where),) = result.crossings()
    assert (before, after) == pytest.approx((4.01, 10.01))
    d0, d1 = 80 - 90, 60 - 40
    share = d0 / (d0 - d1)
    assert where == pytest.approx(math.exp(math.log(4.01) + share * (math.log(10.01) - math.log(4.01))))
    assert result.sentence({"a": "A", "b": "B"}) == (
        f"A better from 2.01 s to 4.01 s; B better from 10 s to 21 s; the curves cross between 4.01 s and "
        f"10 s (near {where:.3g} s); A and B still improving at the end"
    )


def test_still_improving_is_a_one_sided_paired_test_of_the_last_two_points(tmp_path):
    # "falling" improves at the end in every seed; "flat" moves by noise alone
    result = along_budget(
        runs(tmp_path, {"falling": [90, 70, 50, 30], "flat": [90, 70, 50, 50]}), "falling", "flat", "fid", "seconds"
    )
    falling, flat = result.improving
    assert falling.still_improving and falling.change == pytest.approx((30 - 50) / 50)
    a = [50 + NOISE[s][2] for s in range(3)]
    b = [30 + NOISE[s][3] for s in range(3)]
    assert falling.p_value == pytest.approx(stats.ttest_rel(b, a, alternative="less").pvalue)
    assert not flat.still_improving
    assert result.sentence({}).endswith("falling still improving at the end")


def test_higher_is_better_metrics_turn_every_direction(tmp_path):
    frame = runs(tmp_path, {"a": [1, 2, 3, 4], "b": [1.5, 2.5, 3.5, 20]})
    for folder in frame["trial_dir"]:  # the same curves as an Inception Score: higher is better
        path = f"{folder}/trajectory.csv"
        pd.read_csv(path).rename(columns={"fid": "is"}).to_csv(path, index=False)
    result = along_budget(frame, "a", "b", "is", "seconds")
    assert result.points[-1].comparison.winner == "b"
    assert [i.still_improving for i in result.improving] == [False, True]


def test_points_are_those_every_completed_trial_reached_and_failed_trials_are_left_out(tmp_path):
    frame = runs(tmp_path, {"a": [100, 80, 60, 50], "b": [150, 90, 40, 20]})
    short = frame["trial_dir"].iloc[0]
    pd.read_csv(f"{short}/trajectory.csv").iloc[:3].to_csv(f"{short}/trajectory.csv", index=False)
    assert len(along_budget(frame, "a", "b", "fid", "seconds").points) == 3
    frame.loc[0, "status"] = "diverged"  # a diverged trial's curve stops early: it is not a curve to align
    assert len(along_budget(frame, "a", "b", "fid", "seconds").points) == 4
    assert along_budget(frame, "a", "missing", "fid", "seconds") is None


def space_frame(primary: dict[str, list[float]], other: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for family in primary:
        for a, b in zip(primary[family], other[family]):
            rows.append({"family": family, "variant": "", "status": "completed", "final_fid": a, "final_fid@lenet": b})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "other, agreement, fragment",
    [
        ({"x": [10, 11, 12], "y": [30, 31, 32]}, "agree", "this agrees with `classifier`"),
        ({"x": [30, 31, 32], "y": [10, 11, 12]}, "disagree", "the answer depends on the feature space"),
        ({"x": [10, 20, 30], "y": [15, 25, 35]}, "partly", "only `classifier` finds x significantly better"),
    ],
)
def test_a_verdict_is_set_beside_the_same_pair_in_another_feature_space(other, agreement, fragment):
    from benchbench.report.spaces import space_verdicts
    from benchbench.report.tables import verdicts

    frame = space_frame({"x": [50, 51, 52], "y": [80, 81, 82]}, other)
    (space,) = space_verdicts(frame, verdicts(frame))
    assert space.extractor == "lenet" and space.agreement == agreement
    expected = stats.ttest_ind(other["x"], other["y"], equal_var=False).pvalue
    assert space.other.p_value == pytest.approx(expected) and space.primary.winner == "x"
    assert fragment in space.sentence({}, "classifier")


def test_a_crossing_through_an_exact_zero_is_found_at_that_point(tmp_path):
    # the difference of the means goes -10, 0, +20: the curves cross at the second point exactly
    result = along_budget(runs(tmp_path, {"a": [100, 90, 60, 50], "b": [110, 90, 40, 30]}), "a", "b", "fid", "seconds")
    assert result.crossings() == [pytest.approx((2.01, 10.01, 4.01))]
    # touching zero and turning back is no crossing
    (tmp_path / "touch").mkdir()
    touch = runs(tmp_path / "touch", {"a": [100, 90, 30, 20], "b": [110, 90, 40, 30]})
    assert along_budget(touch, "a", "b", "fid", "seconds").crossings() == []


def test_seeds_that_diverged_count_at_the_points_they_missed(tmp_path):
    frame = runs(tmp_path, {"a": [100, 80, 60, 50], "b": [150, 90, 40, 20]})
    # b's first seed diverged after the second point: its trajectory stops there
    lost = frame.index[(frame["family"] == "b")][0]
    frame.loc[lost, "status"] = "diverged"
    path = tmp_path / "b-0" / "trajectory.csv"
    pd.read_csv(path).iloc[:2].to_csv(path, index=False)
    result = along_budget(frame, "a", "b", "fid", "seconds")
    assert len(result.points) == 4
    assert [p.comparison.n_b for p in result.points] == [3, 3, 2, 2]
    assert [p.comparison.n_lost_b for p in result.points] == [0, 0, 1, 1]
    assert "B 1 of 3" in result.points[-1].comparison.sentence({"b": "B"})


def test_one_seed_a_side_claims_no_test_and_no_trend(tmp_path):
    frame = runs(tmp_path, {"a": [100, 80, 60, 50], "b": [150, 90, 40, 20]})
    one = frame.groupby("family").head(1)
    sentence = along_budget(one, "a", "b", "fid", "seconds").sentence({})
    assert "not tested at any of the 4 points" in sentence and "no significant difference" not in sentence
    assert "whether a and b still improve needs 2 completed seeds" in sentence and "neither" not in sentence


def test_one_seed_a_side_claims_no_agreement_between_feature_spaces():
    from benchbench.report.spaces import space_verdicts
    from benchbench.report.tables import verdicts

    frame = space_frame({"x": [50], "y": [80]}, {"x": [10], "y": [30]})
    (space,) = space_verdicts(frame, verdicts(frame))
    assert space.agreement == "untested"
    assert "no agreement can be claimed" in space.sentence({}, "classifier")


def test_verdicts_in_every_feature_space_are_one_holm_family():
    from benchbench.report.tables import sections

    frame = space_frame({"x": [50, 51, 52], "y": [80, 81, 82]}, {"x": [10, 11, 12], "y": [30, 31, 32]})
    frame = frame.assign(dataset="mnist", budget="1s", extractor="classifier", primary_metric="fid")
    (section,) = sections(frame)
    primary, other = section.comparisons[0], section.spaces[0].other
    assert [primary.p_adjusted, other.p_adjusted] == pytest.approx(holm([primary.p_value, other.p_value]))
