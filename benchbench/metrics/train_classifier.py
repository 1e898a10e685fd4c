"""Trains the MNIST feature networks reproducibly and writes the weights shipped in the package,
with a JSON note of checksum and test accuracy: `python -m benchbench.metrics.train_classifier`
for `mnist-classifier`, `... train_classifier lenet` for the independent `mnist-lenet`."""

from __future__ import annotations

import hashlib
import json
import sys

import torch
import torch.nn.functional as F

from benchbench.metrics import mnist_classifier, mnist_lenet
from benchbench.metrics.mnist_classifier import accuracy

# network -> (class, weights, info, seed, shift augmentation): the second differs in all of these
NETWORKS = {
    "digitnet": (mnist_classifier.DigitNet, mnist_classifier.WEIGHTS, mnist_classifier.WEIGHTS_INFO, 0, True),
    "lenet": (mnist_lenet.LeNet5, mnist_lenet.WEIGHTS, mnist_lenet.WEIGHTS_INFO, 1, False),
}


def train(network: str = "digitnet", epochs: int = 4) -> dict[str, object]:
    """Train a network reproducibly and write weights plus a JSON note with checksum and accuracy."""
    from benchbench.datasets.mnist import load_arrays

    make, weights, weights_info, seed, shifts = NETWORKS[network]
    torch.manual_seed(seed)
    arrays = load_arrays()
    x = torch.cat([arrays["train"][0], arrays["validation"][0]])
    y = torch.cat([arrays["train"][1], arrays["validation"][1]])
    net = make()
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
            if shifts:
                shift = torch.randint(-2, 3, (2,), generator=rng).tolist()
                batch = torch.roll(batch, shifts=shift, dims=(2, 3))
            loss = F.cross_entropy(net(batch), y[index])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        net.eval()
        print(f"epoch {epoch + 1}: test accuracy {accuracy(net, *arrays['test']):.4f}", flush=True)
    weights.parent.mkdir(parents=True, exist_ok=True)
    torch.save(net.state_dict(), weights)
    info = {
        "network": network,
        "seed": seed,
        "shift_augmentation": shifts,
        "epochs": epochs,
        "train_images": len(x),
        "test_accuracy": accuracy(net, *arrays["test"]),
        "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "torch": torch.__version__,
    }
    weights_info.write_text(json.dumps(info, indent=2) + "\n")
    return info


if __name__ == "__main__":
    torch.set_num_threads(2)
    print(train(*sys.argv[1:2]))
