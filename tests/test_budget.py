import pytest

from benchbench.errors import UserError
from benchbench.training.budget import Budget, Counters


@pytest.mark.parametrize(
    "text, kind, value",
    [
        ("120s", "seconds", 120),
        ("2min", "seconds", 120),
        ("2000steps", "steps", 2000),
        ("50kimg", "kimg", 50),
        ("0.5kimg", "kimg", 0.5),
        (" 10 steps ", "steps", 10),
        ("1e12flops", "flops", 1e12),
    ],
)
def test_parse(text, kind, value):
    budget = Budget.parse(text)
    assert (budget.kind, budget.value) == (kind, value)


@pytest.mark.parametrize("text", ["0s", "-5steps", "ten steps", "12", "5parsecs", "2.5steps", "0flops"])
def test_parse_refuses(text):
    with pytest.raises(UserError):
        Budget.parse(text)


def test_spent_and_progress_read_the_right_counter():
    counters = Counters(steps=10, images=3200, train_seconds=30.0)
    assert Budget.parse("20steps").progress(counters) == pytest.approx(0.5)
    assert Budget.parse("3.2kimg").spent(counters)
    assert not Budget.parse("31s").spent(counters)
    assert counters.as_dict()["kimg"] == pytest.approx(3.2)


def test_str_round_trips():
    for text in ("120s", "2000steps", "50kimg", "0.5kimg"):
        assert str(Budget.parse(text)) == text


def test_a_suite_can_exclude_family_and_dataset_pairs():
    from benchbench.errors import UserError
    from benchbench.suite import from_dict

    data = {"families": ["wgan-gp", "began"], "datasets": ["mnist", "8gaussians"], "seeds": 2, "budgets": ["1steps"]}
    plan = from_dict(data | {"exclude": [{"family": "began", "dataset": "8gaussians"}]}, "t").plan()
    assert len(plan) == 6 and ("began", "8gaussians") not in {(t.family, t.dataset) for t in plan}
    assert len(from_dict(data | {"exclude": [{"dataset": "mnist"}]}, "t").plan()) == 4
    for bad, fragment in (
        ([{"family": "nope"}], "nope"),
        ([{"famly": "began"}], "each exclude table names a family, a dataset or both"),
        ({"family": "began"}, "exclude must be a list of tables"),
    ):
        with pytest.raises(UserError, match=fragment):
            from_dict(data | {"exclude": bad}, "t")
    with pytest.raises(UserError, match="plans no trial"):
        from_dict(data | {"exclude": [{"dataset": "mnist"}, {"dataset": "8gaussians"}]}, "t").plan()


def test_a_suite_gives_cheap_datasets_more_seeds():
    from benchbench.suite import Overrides, from_dict

    data = {"families": ["wgan-gp"], "datasets": ["mnist", "8gaussians"], "seeds": 3, "budgets": ["1steps"]}
    suite = from_dict(data | {"dataset_seeds": {"8gaussians": 10}}, "t")
    seeds = {d: sorted(t.seed for t in suite.plan() if t.dataset == d) for d in ("mnist", "8gaussians")}
    assert seeds == {"mnist": [0, 1, 2], "8gaussians": list(range(10))}
    assert suite.describe()["dataset_seeds"] == {"8gaussians": list(range(10))}
    assert "dataset_seeds" not in from_dict(data, "t").describe()  # older run directories still match
    # --seeds asks for those seeds everywhere
    overridden = from_dict(Overrides(seeds=2).apply(data | {"dataset_seeds": {"8gaussians": 10}}), "t")
    assert len(overridden.plan()) == 4
    for bad in ({"cifar10": 5}, [10], {"8gaussians": 0}):
        with pytest.raises(UserError, match="dataset_seeds"):
            from_dict(data | {"dataset_seeds": bad}, "t")


def test_overrides_are_applied_to_the_suite_file_once_and_name_their_source():
    from benchbench.errors import UserError
    from benchbench.suite import Overrides, load

    plain = load("default", Overrides(jobs=1))
    assert plain.jobs == 1 and plain.families == ["wgan-gp", "began"] and not Overrides(jobs=1).changed
    changed = Overrides(families=["dcgan"], seeds=2, settings={"width": 0.5}, family_config={"dcgan": {"lr": 1e-3}})
    suite = load("default", changed)
    assert suite.families == ["dcgan"] and suite.seeds == [0, 1] and suite.settings.width == 0.5
    assert suite.settings.final_extractors == ["mnist-lenet"]  # the file's other settings stay
    assert suite.family_config == {"dcgan": {"lr": 1e-3}} and changed.changed
    with pytest.raises(UserError, match="^command line: unknown settings"):
        load("default", Overrides(settings={"no_such": 1}))
