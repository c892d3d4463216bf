"""Choosing the distribution strategy, XLA and precision for the machine at hand."""

from __future__ import annotations

import json
import os
import warnings

import keras
import tensorflow as tf


def gpus() -> list:
    """The visible GPUs."""
    return tf.config.list_physical_devices("GPU")


def select_strategy() -> tf.distribute.Strategy:
    """The ``tf.distribute`` strategy for this machine.

    ``MultiWorkerMirroredStrategy`` when ``TF_CONFIG`` describes a cluster (one process per
    machine, started by the user or a launcher; created once, at start-up, by
    :func:`kerasdl.training.start_workers`), ``MirroredStrategy`` across several local
    GPUs, otherwise the default strategy (one device).
    """
    from kerasdl.training import distributed

    if distributed.cluster():
        return distributed.cluster_strategy()
    if len(gpus()) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def resolve_jit_compile(jit_compile: bool | None) -> bool:
    """XLA on when asked, off when asked, and by default on where it helps: on GPUs.

    On CPU, XLA gave these small convolutional models no speed-up (see ``make bench``).
    """
    return bool(gpus()) if jit_compile is None else bool(jit_compile)


def mixed_policy(devices: list) -> str:
    """``mixed_bfloat16`` where every GPU has bfloat16 tensor cores (compute capability 8.0 and
    up: Ampere, Hopper), else ``mixed_float16``.

    On an H200 both ran at the same speed (``benchmarks/results/accelerator.json``), and
    bfloat16 keeps float32's exponent range, so it needs no loss scaling and cannot overflow.
    """
    capabilities = [tf.config.experimental.get_device_details(d).get("compute_capability") for d in devices]
    if capabilities and all(c is not None and tuple(c) >= (8, 0) for c in capabilities):
        return "mixed_bfloat16"
    return "mixed_float16"


def set_precision(mixed_precision: bool) -> str:
    """Sets Keras' global dtype policy; mixed precision only where a GPU can use it."""
    devices = gpus()
    if mixed_precision and not devices:
        warnings.warn("--mixed-precision needs a GPU; training in float32 on the CPU", stacklevel=2)
        mixed_precision = False
    policy = mixed_policy(devices) if mixed_precision else "float32"
    keras.mixed_precision.set_global_policy(policy)
    return policy


def read_tf_config() -> dict:
    """The ``TF_CONFIG`` environment variable as a dict; ``{}`` when it is unset or empty.

    Every reader of ``TF_CONFIG`` goes through here, so a malformed one is one clear error.

    Raises:
        kerasdl.errors.UserInputError: ``TF_CONFIG`` is not a JSON object.
    """
    from kerasdl.errors import UserInputError

    text = os.environ.get("TF_CONFIG", "").strip()
    if not text:
        return {}
    try:
        tf_config = json.loads(text)
    except ValueError as err:
        raise UserInputError(
            f"the TF_CONFIG environment variable is not valid JSON ({err}); fix or unset it "
            '(e.g. {"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", "index": 0}})'
        ) from None
    if not isinstance(tf_config, dict):
        raise UserInputError(f"the TF_CONFIG environment variable must be a JSON object; got {text[:60]!r}")
    return tf_config


def worker_index() -> int:
    """This worker's index in a multi-worker cluster (0 when alone)."""
    return int(read_tf_config().get("task", {}).get("index", 0))
