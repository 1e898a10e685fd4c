"""A trial's checkpoint: everything a resumed run needs to continue as if never stopped (the
family's weights, optimiser and extra state, the data stream's position, the RNG, the counters,
trajectory and best generator so far), written atomically and loaded as tensors only."""

from __future__ import annotations

from pathlib import Path

import torch

import benchbench.datasets as datasets
from benchbench.errors import UserError, one_line
from benchbench.families import Family
from benchbench.results import SCHEMA_VERSION, load_tensors, save_tensors
from benchbench.training.state import TrialState


class CheckpointStore:
    """checkpoint.pt of one trial directory, for one configuration (its hash)."""

    def __init__(self, trial_dir: Path, config_hash: str, device: torch.device) -> None:
        self.path, self.config_hash, self.device = trial_dir / "checkpoint.pt", config_hash, device

    def exists(self) -> bool:
        return self.path.exists()

    def save(self, family: Family, stream: datasets.BatchStream, state: TrialState) -> None:
        rng = {"torch": torch.get_rng_state()}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        save_tensors(
            self.path,
            {
                "schema_version": SCHEMA_VERSION,
                "config_hash": self.config_hash,
                "family": family.state_dict(),
                "stream": stream.state_dict(),
                "rng": rng,
                "state": state.to_dict(),
            },
        )

    def resume(self, family: Family, stream: datasets.BatchStream) -> TrialState:
        """Load the checkpoint into `family` and `stream`; the trial's state from then on. A file
        of another configuration, or not a checkpoint at all, is refused in one line."""
        try:
            payload = load_tensors(self.path)
            if payload.get("config_hash") != self.config_hash:
                raise UserError(f"{self.path} belongs to another configuration; remove it to retrain")
            family.load_state_dict(payload["family"])
            stream.load_state_dict(payload["stream"])
            torch.set_rng_state(payload["rng"]["torch"])
            if "cuda" in payload["rng"] and self.device.type == "cuda":
                torch.cuda.set_rng_state(payload["rng"]["cuda"], self.device)
            return TrialState.from_dict(payload["state"])
        except UserError as error:
            raise UserError(f"cannot resume: {error}; remove it to train again") from None
        except Exception as error:  # a PyTorch file of another shape: not this trial's checkpoint
            raise UserError(
                f"cannot resume: {self.path} is not a checkpoint of this trial "
                f"({one_line(error)}); remove it to train again"
            ) from None
