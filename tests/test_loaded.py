"""benchbench load: a generator trained elsewhere becomes a run, in any of its forms, and bad
files are refused in one line with nothing written."""

import json
import warnings

import pytest
import torch
from click.testing import CliRunner

from benchbench.cli import main

SAMPLES = "400"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


class Digits(torch.nn.Module):
    """A fixed noise-to-image map (a linear layer and tanh), 28x28 like MNIST."""

    def __init__(self, z_size=16, channels=1):
        super().__init__()
        self.layer, self.channels = torch.nn.Linear(z_size, channels * 784), channels

    def forward(self, z):
        return torch.tanh(self.layer(z)).view(-1, self.channels, 28, 28)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("generators")
    torch.manual_seed(0)
    model = Digits().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.save(torch.jit.script(model), root / "g.pt")
        dims = {"z": {0: torch.export.Dim("n")}}
        torch.export.save(torch.export.export(model, (torch.randn(4, 16),), dynamic_shapes=dims), root / "g.pt2")
        torch.onnx.export(model, torch.randn(2, 16), root / "g.onnx", input_names=["z"], dynamic_axes={"z": {0: "n"}}, dynamo=False)  # fmt: skip
        torch.jit.save(torch.jit.script(Digits(channels=3)), root / "rgb.pt")
    return root


def load(files, name, out, *extra):
    return invoke("load", files / name, "--dataset", "mnist", "--z-size", 16, "--out", out, "--final-samples", SAMPLES,
                  "--seeds", 2, "--device", "cpu", *extra)  # fmt: skip


def finals(out):
    run = json.loads((out / "run.json").read_text())
    return [json.loads((out / key / "summary.json").read_text()) for key in run["trials"]]


def test_the_same_generator_in_three_forms_scores_the_same(files, tmp_path):
    scores = {}
    for name in ("g.pt", "g.pt2", "g.onnx"):
        result = load(files, name, tmp_path / name)
        assert result.exit_code == 0, result.output
        assert "FutureWarning" not in result.output and "Warning" not in result.output
        scores[name] = [s["final"]["metrics"]["fid"] for s in finals(tmp_path / name)]
    assert scores["g.pt"] == pytest.approx(scores["g.pt2"])
    assert scores["g.pt"] == pytest.approx(scores["g.onnx"], rel=1e-4)
    assert scores["g.pt"][0] != scores["g.pt"][1]  # two sampling seeds, two samples


def test_a_loaded_run_records_its_source_and_no_budget_and_reads_as_a_run(files, tmp_path):
    assert load(files, "g.pt", tmp_path / "run", "--name", "my-gan").exit_code == 0
    first, second = finals(tmp_path / "run")
    assert first["loaded"]["sha256"].startswith("sha256:") and first["loaded"]["form"] == "TorchScript"
    assert first["budget"] == "loaded" and first["family_label"] == "my-gan" and second["seed"] == 1
    assert first["final"]["reference_digest"].startswith("sha256:") and first["final"]["n_fake"] == int(SAMPLES)
    report = invoke("report", tmp_path / "run")
    assert report.exit_code == 0 and "my-gan" in report.output and "budget loaded" in report.output
    again = load(files, "g.pt", tmp_path / "run", "--name", "my-gan")  # finished seeds are kept
    assert again.exit_code == 0 and "sampling seed" not in again.output
    # and the gate takes it as it takes a trained run: a baseline of its seeds, checked without speed rows
    assert invoke("baseline", tmp_path / "run", "-o", tmp_path / "base.json").exit_code == 0
    checked = invoke("check", tmp_path / "run", "--baseline", tmp_path / "base.json")
    assert checked.exit_code == 0 and "| my-gan " in checked.output and "final_fid " in checked.output, checked.output


def test_a_family_state_dict_loads_as_weights_only(tmp_path):
    from benchbench.training.budget import Budget
    from benchbench.training.trainer import build
    from benchbench.training.trial import Settings, Trial

    trial = Trial("wgan-gp", "mnist", 0, Budget.parse("1steps"), Settings(width=0.125))
    _, _, family = build(trial, torch.device("cpu"))
    torch.save(family.generator.state_dict(), tmp_path / "weights.pt")
    result = invoke("load", tmp_path / "weights.pt", "--family", "wgan-gp", "--dataset", "mnist", "--width", 0.125,
                    "--out", tmp_path / "run", "--final-samples", SAMPLES, "--seeds", 1, "--device", "cpu")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert finals(tmp_path / "run")[0]["loaded"]["form"] == "state dict"


class Payload:
    def __reduce__(self):
        return (print, ("this must never run",))


@pytest.mark.parametrize(
    "make, extra, fragment",
    [
        (lambda p: p.write_text("not a model"), ("--z-size", 16), "not an exported program"),
        (lambda p: torch.save({"x": torch.zeros(2)}, p.with_suffix(".pt")), ("--z-size", 16), "not TorchScript"),
        (lambda p: torch.save(Payload(), p.with_suffix(".pt")), ("--family", "wgan-gp"), "refused"),
        (None, ("--z-size", 7), "does --z-size 7 fit it?"),
        (None, ("--z-size", 16, "--name", "../up"), "--name '../up'"),
        ("rgb", ("--z-size", 16), "draws 3x28x28 images"),
    ],
)
def test_bad_generators_are_one_line_and_write_nothing(files, tmp_path, make, extra, fragment, capfd):
    path = files / "g.pt"
    if make == "rgb":
        path = files / "rgb.pt"
    elif make is not None:
        path = tmp_path / "bad.pt2"
        make(path)
        path = path if path.exists() else path.with_suffix(".pt")
    result = invoke("load", path, "--dataset", "mnist", "--out", tmp_path / "out", "--device", "cpu", *extra)
    assert result.exit_code == 2 and fragment in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    assert "this must never run" not in capfd.readouterr().out


def test_a_suite_scores_its_loaded_generators_beside_its_trials_in_one_report(files, tmp_path):
    suite = tmp_path / "beside.toml"
    suite.write_text(
        f'name = "beside"\nfamilies = ["dcgan"]\ndatasets = ["mnist"]\nseeds = 1\nbudgets = ["2steps"]\n'
        f"[settings]\nwidth = 0.125\nfinal_samples = {SAMPLES}\neval_points = 1\neval_samples = 200\n"
        f'[[loaded]]\npath = "{files / "g.pt2"}"\nz_size = 16\nname = "mine"\nseeds = 2\n'
    )
    result = invoke("run", suite, "--out", tmp_path / "run", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert f"then mine loaded from {files / 'g.pt2'} at 2 sampling seeds" in result.output  # in the plan line
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["trials"][1:] == ["loaded-mine-mnist-s0", "loaded-mine-mnist-s1"]
    assert run["suite"]["loaded"][0]["name"] == "mine"
    trained, *loaded = finals(tmp_path / "run")
    assert trained["family"] == "dcgan" and [s["loaded"]["form"] for s in loaded] == ["exported program"] * 2
    assert all(s["final"]["n_fake"] == int(SAMPLES) for s in loaded)  # the suite's final settings
    report = (tmp_path / "run" / "report.md").read_text()
    assert "mine" in report and "budget loaded" in report and "DCGAN" in report
    again = invoke("run", suite, "--out", tmp_path / "run", "--device", "cpu")  # a rerun keeps every trial
    assert again.exit_code == 0 and "samples at sampling seed" not in again.output


@pytest.mark.parametrize(
    "table, fragment",
    [
        ("[[loaded]]\nz_size = 16\n", "path (the generator file) is required"),
        ('[[loaded]]\npath = "g.pt"\n', "give z_size"),
        ('[[loaded]]\npath = "g.pt"\nz_size = true\n', "give z_size"),
        ('[[loaded]]\npath = "g.pt"\nz_size = 16\noutput_range = ["a", "b"]\n', "output_range must be [LOW, HIGH]"),
        ('[[loaded]]\npath = "g.pt"\nfamily = "dcgan"\nwidth = "wide"\n', "width must be a positive number"),
        ('[[loaded]]\npath = "g.pt"\nz_size = 16\nzsize = 3\n', "unknown keys ['zsize']"),
        ('[[loaded]]\npath = "g.pt"\nz_size = 16\ndataset = "cifar10"\n', "dataset must be one of"),
        (
            '[[loaded]]\npath = "a/g.pt"\nz_size = 16\n[[loaded]]\npath = "b/g.pt"\nz_size = 16\n',
            "g on mnist more than once",
        ),
    ],
)
def test_a_bad_loaded_table_is_refused_before_anything_runs(tmp_path, table, fragment):
    suite = tmp_path / "bad.toml"
    suite.write_text(f'families = ["dcgan"]\ndatasets = ["mnist"]\n{table}')
    result = invoke("run", suite, "--out", tmp_path / "run")
    assert result.exit_code == 2 and fragment in result.output, result.output
    assert not (tmp_path / "run").exists()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("reference") / "mnist-test.pt"
    made = invoke("reference", "mnist", "-o", path)
    assert made.exit_code == 0 and "10000 mnist test images in mnist-classifier features" in made.output, made.output
    return path


def test_a_precomputed_reference_scores_as_the_dataset_does_with_no_images(files, reference, tmp_path, monkeypatch):
    import benchbench.datasets

    assert load(files, "g.pt", tmp_path / "data", "--seeds", 1).exit_code == 0
    monkeypatch.setattr(benchbench.datasets, "load", lambda *a, **k: pytest.fail("the dataset was read"))
    args = ("--z-size", 16, "--out", tmp_path / "ref", "--final-samples", SAMPLES, "--seeds", 1, "--device", "cpu")
    result = invoke("load", files / "g.pt", "--reference", reference, *args)
    assert result.exit_code == 0, result.output
    (by_data,), (by_reference,) = finals(tmp_path / "data"), finals(tmp_path / "ref")
    assert by_reference["final"]["metrics"] == pytest.approx(by_data["final"]["metrics"], rel=1e-6)
    for key in ("reference_digest", "reference_features", "dataset_digest", "resolution", "extractor_weights"):
        assert by_reference["final"][key] == by_data["final"][key], key  # one protocol fingerprint
    assert by_reference["loaded"]["reference"]["sha256"].startswith("sha256:") and by_reference["dataset"] == "mnist"
    assert "no real images" in by_reference["floor"]["final"]["note"]


def test_bad_references_are_one_line(files, reference, tmp_path):
    from benchbench.results.io import load_tensors, save_tensors

    other = load_tensors(reference)
    other["described"]["extractor_weights"] = "0123456789abcdef"
    save_tensors(tmp_path / "other-weights.pt", other)
    torch.save({"x": torch.zeros(2)}, tmp_path / "not-a-reference.pt")
    torch.save(Payload(), tmp_path / "pickle.pt")
    base = ("load", files / "g.pt", "--z-size", 16, "--out", tmp_path / "out", "--device", "cpu")
    for extra, fragment in (
        (("--reference", tmp_path / "other-weights.pt"), "was made with mnist-classifier weights 0123456789abcdef"),
        (("--reference", tmp_path / "not-a-reference.pt"), "is not a benchbench reference file"),
        (("--reference", tmp_path / "pickle.pt"), "refused"),
        (("--reference", tmp_path / "missing.pt"), "does not exist"),
        ((), "--dataset NAME or as --reference FILE"),
        (("--reference", reference, "--dataset", "mnist"), "one of the two"),
    ):
        result = invoke(*base, *extra)
        assert result.exit_code == 2 and fragment in result.output, (extra, result.output)
        assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
