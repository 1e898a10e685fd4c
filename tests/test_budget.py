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
