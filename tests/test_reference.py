"""The speed reference: timed in the trial's process without touching its results, and the
relative speed it yields, on the clock it names."""

import time

import pytest
import torch

import benchbench.training.reference as reference
from benchbench.training import run_trial
from benchbench.training.budget import Counters
from benchbench.training.reference import SpeedReference, relative_speed

CPU = torch.device("cpu")


def test_the_reference_does_not_change_the_trial(toy_trial, tmp_path, monkeypatch):
    timed = run_trial(toy_trial("wgan-gp", "30steps"), tmp_path / "a", CPU)
    monkeypatch.setattr(reference.SpeedReference, "maybe_time", lambda self, counters: None)
    untimed = run_trial(toy_trial("wgan-gp", "30steps"), tmp_path / "b", CPU)
    assert timed["final"]["metrics"] == untimed["final"]["metrics"]
    assert timed["counters"]["reference_iterations"] > 0 and untimed["relative_speed"] is None
    block = timed["speed_reference"]
    assert block["clock"] == "process cpu time"
    expected = timed["counters"]["images"] / block["training_seconds"] / block["iterations_per_second"]
    assert timed["relative_speed"] == pytest.approx(expected)


def test_blocks_come_every_interval_of_training_and_are_not_training_time():
    wall, cpu = iter(range(1000)), iter(range(0, 10000, 10))
    ref = SpeedReference(CPU, lambda: float(next(wall)), every_seconds=1.0, block_iterations=2)
    ref.clock = lambda: float(next(cpu))  # fake clocks: one tick (10 on the CPU clock) per reading
    counters = Counters()
    for train_seconds in (0.0, 0.5, 1.0, 1.2, 2.5):
        counters.train_seconds = train_seconds
        ref.maybe_time(counters)
    assert counters.reference_iterations == 6  # at 0, 1.0 and 2.5 training seconds
    assert counters.reference_seconds == 30 and counters.reference_wall_seconds == 3
    assert counters.train_seconds == 2.5  # blocks are not training time


def test_relative_speed_is_images_per_training_second_over_reference_iterations_per_second():
    counters = Counters(images=6400, train_clock_seconds=4.0, reference_iterations=100, reference_seconds=0.1)
    fields = relative_speed(counters, CPU)
    assert fields["relative_speed"] == pytest.approx(6400 / 4.0 / 1000.0)
    slower = relative_speed(Counters(images=6400, train_clock_seconds=5.0, **_ref()), CPU)  # a 25% slower step
    assert slower["relative_speed"] == pytest.approx(0.8 * fields["relative_speed"])
    assert relative_speed(Counters(images=6400, train_clock_seconds=4.0), CPU)["relative_speed"] is None
    gpu = relative_speed(Counters(images=6400, train_seconds=2.0, **_ref()), torch.device("cuda"))
    assert gpu["relative_speed"] == pytest.approx(3.2) and gpu["speed_reference"]["clock"] == "wall clock"


def _ref() -> dict:
    return {"reference_iterations": 100, "reference_seconds": 0.1}


def test_cpu_time_ignores_time_the_process_is_not_running():
    ref = SpeedReference(CPU, time.perf_counter)
    counters = Counters()
    started = ref.clock()
    time.sleep(0.2)  # off the CPU, as when a neighbour holds the core
    ref.count_step(counters, started)
    assert counters.train_clock_seconds < 0.05
