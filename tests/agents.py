"""Handed-in agents for the leaderboard's tests: folders of .npy weights as notebook 04 saves them."""

from pathlib import Path

import numpy as np

from utils.networks import network_weights, weight_name


def save_weights(folder: Path, weights: list) -> None:
    """``weights`` as ``kernel_0.npy, bias_0.npy, ...`` in a new ``folder``, dtypes as given (bad ones too)."""
    folder.mkdir(parents=True)
    for i, array in enumerate(weights):
        np.save(folder / f"{weight_name(i)}.npy", array)


def pretrained_weights() -> list:
    """The weights of the pretrained agent in data/pretrained/."""
    return network_weights("pretrained")
