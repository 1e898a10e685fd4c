"""Trains the MNIST feature classifier reproducibly and writes the weights shipped in the package,
with a JSON note of its checksum and test accuracy: `python -m benchbench.metrics.train_classifier`."""

from __future__ import annotations

import json

import torch
import torch.nn.functional as F

from benchbench.metrics.mnist_classifier import WEIGHTS, WEIGHTS_INFO, DigitNet, accuracy, weights_sha256


def train(seed: int = 0, epochs: int = 4) -> dict[str, object]:
    """Train the classifier reproducibly and write weights plus a JSON note with checksum and accuracy."""
    from benchbench.datasets.mnist import load_arrays

    torch.manual_seed(seed)
    arrays = load_arrays()
    x = torch.cat([arrays["train"][0], arrays["validation"][0]])
    y = torch.cat([arrays["train"][1], arrays["validation"][1]])
    net = DigitNet()
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, 3e-3, total_steps=epochs * (len(x) // 128))
    rng = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=rng)
        net.train()
        for start in range(0, len(x) - 127, 128):
            index = order[start : start + 128]
            batch = x[index].float() / 255
            # Small random shifts make the features robust to the slight misalignment of generated digits.
            shift = torch.randint(-2, 3, (2,), generator=rng).tolist()
            batch = torch.roll(batch, shifts=shift, dims=(2, 3))
            loss = F.cross_entropy(net(batch), y[index])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        net.eval()
        print(f"epoch {epoch + 1}: test accuracy {accuracy(net, *arrays['test']):.4f}", flush=True)
    WEIGHTS.parent.mkdir(parents=True, exist_ok=True)
    torch.save(net.state_dict(), WEIGHTS)
    info = {
        "seed": seed,
        "epochs": epochs,
        "train_images": len(x),
        "test_accuracy": accuracy(net, *arrays["test"]),
        "sha256": weights_sha256(),
        "torch": torch.__version__,
    }
    WEIGHTS_INFO.write_text(json.dumps(info, indent=2) + "\n")
    return info


if __name__ == "__main__":
    torch.set_num_threads(2)
    print(train())
