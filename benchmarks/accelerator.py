"""Training throughput of the kerasdl builders on an accelerator, per mixed-precision policy.

What is measured: for each workload (a registered builder with a standard input size,
batch size and loss for its task) and each Keras dtype policy (``float32``,
``mixed_bfloat16``, ``mixed_float16``), the steady-state speed of one optimizer step:
samples/s, ms/step, the time of the first step (tracing plus XLA compilation), the loss
after the timed steps and whether it is finite, and the parameter count. Each mixed
policy's throughput is also given as a ratio over ``float32`` on the same workload.

Why this way: the accelerator machine has JAX with CUDA but no TensorFlow, so the script
runs Keras on its JAX backend (``KERAS_BACKEND=jax``). The models are the same Keras
graphs the TensorFlow apps train, traced by JAX and compiled by XLA; ``jit_compile=True``
is set explicitly, so every step is one compiled XLA program. The script imports nothing
that imports TensorFlow (``kerasdl.apps``, ``kerasdl.training``, ``benchmarks.common``).

How: ``keras.backend.clear_session()``, the global dtype policy, then
``kerasdl.get_model(builder, **kwargs)``, compiled with ``Adam(1e-4)`` and the workload's
loss. Under ``mixed_float16`` Keras 3's ``compile`` wraps the optimizer in a
``LossScaleOptimizer`` (dynamic loss scaling); the optimizer's class is recorded. One synthetic batch (seeded NumPy: images in
[0, 1), token ids in [1, vocabulary), labels of the loss's kind) is converted once to
device arrays, so no host-to-device copy is timed. ``model.train_on_batch`` runs the
warm-up steps (the first one, which compiles, is timed on its own), then ``--steps``
steps are timed, three times; the median is reported. ``train_on_batch`` returns the
loss as a Python float, so each step ends synchronised with the device: the timings are
honest, and they include Keras' per-step Python work (moving the model state in and out
of the compiled step and fetching the loss), which is a visible share of a step only for
the smallest models.

Caveats for reading the numbers: under JAX's default matmul precision
(``jax_default_matmul_precision`` unset, recorded with the results) XLA may run float32
matmuls and convolutions on Hopper/Ampere GPUs in TF32, so ``float32`` here is not strict
IEEE float32; run with ``JAX_DEFAULT_MATMUL_PRECISION=highest`` for that. Under
``mixed_float16`` the loss scale starts high and the first steps that overflow are skipped,
so after a few dozen steps the final loss is a sanity check (finite or not), not a
comparison between policies. Synthetic data measures compute only: no input pipeline, no
augmentation.

Usage::

    KERAS_BACKEND=jax python benchmarks/accelerator.py                 # everything
    python benchmarks/accelerator.py --only resnet50,edsr --steps 50
    python benchmarks/accelerator.py --quick --output /tmp/quick.json  # a CPU smoke run
    timeout 590 python benchmarks/accelerator.py --resume              # again after a time limit

Writes ``benchmarks/results/accelerator.json`` (rewritten after every measurement, so an
interrupted run keeps what it measured).
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import gc  # noqa: E402
import math  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

import kerasdl  # noqa: E402
from kerasdl.files import read_json, write_json  # noqa: E402

POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")
QUICK_POLICIES = ("float32", "mixed_bfloat16")
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "accelerator.json"
LEARNING_RATE = 1e-4
REPEATS = 3
WARMUP_STEPS = 3  # the first one compiles
SEED = 0

# keras-hub's Transformer layers apply the padding mask themselves; Keras still warns, at every
# trace, that their inner projections "destroy the mask" (the builders silence it while building).
warnings.filterwarnings("ignore", message=".*does not support masking.*")


# ----------------------------------------------------------------------------- workloads


@dataclasses.dataclass(frozen=True)
class Tensor:
    """One synthetic array, batch dimension excluded.

    ``kind`` is ``"image"`` (float32 in [0, 1)), ``"tokens"`` (int32 ids in [1, high): 0 is
    padding) or ``"classes"`` (int32 labels in [0, high)).
    """

    shape: tuple[int, ...]
    kind: str
    high: int = 0


@dataclasses.dataclass(frozen=True)
class Workload:
    """A builder, its arguments, and the batch and loss it is trained with."""

    name: str
    builder: str
    kwargs: dict[str, Any]
    batch_size: int
    inputs: Tensor | dict[str, Tensor]
    labels: Tensor
    loss: Callable[[], keras.losses.Loss]


def sparse_cross_entropy() -> keras.losses.Loss:
    return keras.losses.SparseCategoricalCrossentropy()


def sparse_cross_entropy_from_logits() -> keras.losses.Loss:
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def image_classifier(builder: str, side: int, batch_size: int, classes: int = 1000) -> Workload:
    """An ImageNet-style classifier: softmax over ``classes``, sparse cross-entropy."""
    return Workload(
        name=builder,
        builder=builder,
        kwargs=dict(input_shape=(side, side, 3), classes=classes),
        batch_size=batch_size,
        inputs=Tensor((side, side, 3), "image"),
        labels=Tensor((), "classes", classes),
        loss=sparse_cross_entropy,
    )


def image_to_image(
    builder: str, side: int, *, channels: int, batch_size: int, loss, scale: int | None = None
) -> Workload:
    """A restoration model: ``side``-pixel patches in, the same (or ``scale`` times larger) out."""
    out_side = side * (scale or 1)
    return Workload(
        name=builder,
        builder=builder,
        kwargs=dict(input_shape=(side, side, channels), channels=channels, **({"scale": scale} if scale else {})),
        batch_size=batch_size,
        inputs=Tensor((side, side, channels), "image"),
        labels=Tensor((out_side, out_side, channels), "image"),
        loss=loss,
    )


def workloads(quick: bool) -> list[Workload]:
    """The benchmarked workloads; ``quick`` shrinks batches and images for a CPU smoke run."""

    def batch(full: int) -> int:
        return 2 if quick else full

    def side(full: int, small: int = 64) -> int:
        return small if quick else full

    unet_side, unet_classes = side(256), 3
    lr_side, sr_scale = side(48, 16), 3
    patch = side(40, 16)
    text_length, text_vocabulary = 40, 8000
    caption_side, caption_length, caption_vocabulary = side(128), 32, 5000
    review_length, review_vocabulary = 400, 30000
    return [
        image_classifier("resnet50", side(224), batch(128)),
        image_classifier("mobilenet_v2", side(224), batch(128)),
        image_classifier("vgg16", side(224), batch(64)),
        image_classifier("inception_v3", side(299, 75), batch(64)),  # 75 is its smallest input
        # Three classes, as the Oxford-IIIT Pet trimaps; the builder's default (one output map)
        # would make a softmax cross-entropy identically zero.
        Workload(
            name="unet",
            builder="unet",
            kwargs=dict(input_shape=(unet_side, unet_side, 3), classes=unet_classes),
            batch_size=batch(16),
            inputs=Tensor((unet_side, unet_side, 3), "image"),
            labels=Tensor((unet_side, unet_side), "classes", unet_classes),
            loss=sparse_cross_entropy_from_logits,
        ),
        image_to_image(
            "edsr", lr_side, channels=3, scale=sr_scale, batch_size=batch(16), loss=keras.losses.MeanAbsoluteError
        ),
        # ESPCN works on the luminance (Y) channel
        image_to_image(
            "espcn", lr_side, channels=1, scale=sr_scale, batch_size=batch(64), loss=keras.losses.MeanSquaredError
        ),
        image_to_image("dncnn", patch, channels=1, batch_size=batch(128), loss=keras.losses.MeanSquaredError),
        Workload(  # the keras.io English-to-Spanish configuration
            name="transformer_seq2seq",
            builder="transformer_seq2seq",
            kwargs=dict(
                source_vocabulary_size=text_vocabulary,
                target_vocabulary_size=text_vocabulary,
                source_sequence_length=text_length,
                target_sequence_length=text_length,
                embed_dim=256,
                intermediate_dim=2048,
                num_heads=8,
                num_encoder_layers=1,
                num_decoder_layers=1,
            ),
            batch_size=batch(64),
            inputs={
                "encoder_token_ids": Tensor((text_length,), "tokens", text_vocabulary),
                "decoder_token_ids": Tensor((text_length,), "tokens", text_vocabulary),
            },
            labels=Tensor((text_length,), "classes", text_vocabulary),
            loss=sparse_cross_entropy_from_logits,
        ),
        Workload(  # the sentiment app's "cnn" recipe, on token ids
            name="text_cnn_classifier",
            builder="text_cnn_classifier",
            kwargs=dict(vocabulary_size=review_vocabulary, sequence_length=review_length, embed_dim=64, filters=64),
            batch_size=batch(32),
            inputs=Tensor((review_length,), "tokens", review_vocabulary),
            labels=Tensor((), "classes", 2),
            loss=sparse_cross_entropy,
        ),
        Workload(  # the builder's defaults: small CNN encoder, randomly initialised
            name="transformer_captioner",
            builder="transformer_captioner",
            kwargs=dict(
                vocabulary_size=caption_vocabulary,
                sequence_length=caption_length,
                image_shape=(caption_side, caption_side, 3),
            ),
            batch_size=batch(32),
            inputs={
                "image": Tensor((caption_side, caption_side, 3), "image"),
                "caption_ids": Tensor((caption_length,), "tokens", caption_vocabulary),
            },
            labels=Tensor((caption_length,), "classes", caption_vocabulary),
            loss=sparse_cross_entropy_from_logits,
        ),
    ]


# ----------------------------------------------------------------------------- data


def synthetic_array(spec: Tensor, batch_size: int, rng: np.random.Generator) -> np.ndarray:
    shape = (batch_size, *spec.shape)
    if spec.kind == "image":
        return rng.random(shape, dtype=np.float32)
    if spec.kind == "tokens":
        return rng.integers(1, spec.high, shape, dtype=np.int32)
    if spec.kind == "classes":
        return rng.integers(0, spec.high, shape, dtype=np.int32)
    raise ValueError(f"Unknown tensor kind; Received: kind={spec.kind!r}")


def synthetic_batch(workload: Workload):
    """``(x, y)`` as device arrays, made once so that no host-to-device copy is timed."""
    rng = np.random.default_rng(SEED)
    on_device = keras.ops.convert_to_tensor
    if isinstance(workload.inputs, dict):
        x = {key: on_device(synthetic_array(spec, workload.batch_size, rng)) for key, spec in workload.inputs.items()}
    else:
        x = on_device(synthetic_array(workload.inputs, workload.batch_size, rng))
    y = on_device(synthetic_array(workload.labels, workload.batch_size, rng))
    return x, y


# ----------------------------------------------------------------------------- model


def build_and_compile(workload: Workload, policy: str) -> keras.Model:
    """The workload's model under ``policy``, compiled for XLA with Adam and its loss."""
    keras.backend.clear_session()
    keras.mixed_precision.set_global_policy(policy)
    keras.utils.set_random_seed(SEED)
    model = kerasdl.get_model(workload.builder, **workload.kwargs)
    # under mixed_float16 Keras wraps the optimizer in a LossScaleOptimizer itself
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss=workload.loss(), jit_compile=True)
    return model


def train_steps(model: keras.Model, x, y, steps: int) -> float:
    """Runs ``steps`` training steps on one batch; returns the last loss (which synchronises)."""
    loss = math.nan
    for _ in range(steps):
        loss = float(model.train_on_batch(x, y))
    return loss


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


# ----------------------------------------------------------------------------- measurement


def measure(workload: Workload, policy: str, *, steps: int, repeats: int, warmup_steps: int) -> dict:
    """Throughput of one workload under one dtype policy (raises on any failure)."""
    model = build_and_compile(workload, policy)
    x, y = synthetic_batch(workload)
    compile_seconds, _ = timed(lambda: train_steps(model, x, y, 1))
    train_steps(model, x, y, warmup_steps - 1)
    repeat_seconds = []
    for _ in range(repeats):
        seconds, loss = timed(lambda: train_steps(model, x, y, steps))
        repeat_seconds.append(seconds)
    step_seconds = statistics.median(repeat_seconds) / steps
    return {
        "parameters": model.count_params(),
        "optimizer": type(model.optimizer).__name__,
        "output_dtype": str(model.outputs[0].dtype),
        "compile_seconds": round(compile_seconds, 2),
        "ms_per_step": round(1000 * step_seconds, 3),
        "samples_per_s": round(workload.batch_size / step_seconds, 1),
        "repeat_seconds": [round(s, 4) for s in repeat_seconds],
        "final_loss": loss if math.isfinite(loss) else str(loss),  # JSON has no NaN
        "loss_finite": math.isfinite(loss),
    }


def describe_workload(workload: Workload) -> dict:
    def shape(spec: Tensor) -> list[int]:
        return [workload.batch_size, *spec.shape]

    inputs = (
        {key: shape(spec) for key, spec in workload.inputs.items()}
        if isinstance(workload.inputs, dict)
        else shape(workload.inputs)
    )
    loss = workload.loss()
    return {
        "builder": workload.builder,
        "kwargs": workload.kwargs,
        "batch_size": workload.batch_size,
        "input_shape": inputs,
        "label_shape": shape(workload.labels),
        "loss": type(loss).__name__ + ("(from_logits=True)" if getattr(loss, "from_logits", False) else ""),
    }


def measure_safely(workload: Workload, policy: str, **settings) -> dict:
    """``measure`` with any failure recorded as ``error`` (a failing policy is a finding too)."""
    record = {"workload": workload.name, "policy": policy, **describe_workload(workload)}
    try:
        record.update(measure(workload, policy, **settings))
    except Exception as err:  # noqa: BLE001 - recorded and reported, the run goes on
        record["error"] = f"{type(err).__name__}: {err}"
    finally:
        keras.mixed_precision.set_global_policy("float32")
        keras.backend.clear_session()
        gc.collect()
    return record


def result_line(record: dict) -> str:
    head = f"{record['workload']:22s} {record['policy']:15s}"
    if "error" in record:
        return f"{head} ERROR {record['error'].splitlines()[0][:300]}"
    finite = "" if record["loss_finite"] else "  NON-FINITE LOSS"
    return (
        f"{head} {record['samples_per_s']:10.1f} samples/s {record['ms_per_step']:9.2f} ms/step"
        f"  compile {record['compile_seconds']:6.1f} s  loss {record['final_loss']:.4g}"
        f"  params {record['parameters']:,}  {record['optimizer']}{finite}"
    )


def speedups_over_float32(records: list[dict]) -> dict:
    """Per workload, each mixed policy's samples/s over float32's."""
    rate = {(r["workload"], r["policy"]): r["samples_per_s"] for r in records if "error" not in r}
    speedups = {}
    for (workload, policy), samples_per_s in rate.items():
        baseline = rate.get((workload, "float32"))
        if policy != "float32" and baseline:
            speedups.setdefault(workload, {})[f"{policy}/float32"] = round(samples_per_s / baseline, 3)
    return speedups


# ----------------------------------------------------------------------------- environment


def gpu_description() -> str | None:
    """``nvidia-smi``'s name, driver and memory of the GPUs, when there is one."""
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip() or None


def environment() -> dict:
    devices = jax.devices()
    return {
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "jax": jax.__version__,
        "jax_devices": [str(d) for d in devices],
        "device_kind": devices[0].device_kind,
        "gpu": gpu_description(),
        "jax_default_matmul_precision": jax.config.jax_default_matmul_precision,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
    }


# ----------------------------------------------------------------------------- main


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: batch 2, small images, 2 timed steps, 1 repeat, float32 and mixed_bfloat16",
    )
    parser.add_argument("--only", help="comma-separated workload names (default: all)")
    parser.add_argument("--policies", help=f"comma-separated dtype policies (default: {','.join(POLICIES)})")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per repeat (default: %(default)s)")
    parser.add_argument(
        "--repeats", type=int, default=REPEATS, help="timed repeats; the median is kept (default: %(default)s)"
    )
    parser.add_argument("--output", type=pathlib.Path, default=DEFAULT_OUTPUT, help="JSON file (default: %(default)s)")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the successful measurements already in --output and skip them"
        " (to finish a run cut short by a time limit)",
    )
    args = parser.parse_args(argv)
    if args.steps < 1 or args.repeats < 1:
        parser.error("--steps and --repeats must be at least 1")
    return args


def selected_workloads(quick: bool, only: str | None) -> list[Workload]:
    available = workloads(quick)
    if not only:
        return available
    by_name = {w.name: w for w in available}
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SystemExit(f"--only: unknown workloads {unknown}; known: {', '.join(by_name)}")
    return [by_name[n] for n in names]


def earlier_results(path: pathlib.Path) -> list[dict]:
    """The successful measurements of an earlier run written to ``path`` (none if there is no file)."""
    if not path.is_file():
        return []
    return [r for r in read_json(path)["results"] if "error" not in r]


def main(argv=None) -> None:
    args = parse_args(argv)
    if keras.backend.backend() != "jax":
        raise SystemExit(f"this benchmark runs Keras on JAX; KERAS_BACKEND is {keras.backend.backend()!r}")
    steps, repeats = (2, 1) if args.quick else (args.steps, args.repeats)
    policies = args.policies.split(",") if args.policies else list(QUICK_POLICIES if args.quick else POLICIES)
    if unknown := [p for p in policies if p not in POLICIES]:
        raise SystemExit(f"--policies: unknown {unknown}; known: {', '.join(POLICIES)}")
    settings = dict(steps=steps, repeats=repeats, warmup_steps=2 if args.quick else WARMUP_STEPS)
    payload = {
        "benchmark": "training throughput per dtype policy, Keras on JAX/XLA, synthetic data",
        "environment": environment(),
        "settings": {
            **settings,
            "quick": args.quick,
            "policies": policies,
            "learning_rate": LEARNING_RATE,
            "jit_compile": True,
            "seed": SEED,
        },
        "results": earlier_results(args.output) if args.resume else [],
    }
    payload["speedups_over_float32"] = speedups_over_float32(payload["results"])
    done = {(r["workload"], r["policy"]) for r in payload["results"]}
    print(
        f"{payload['environment']['device_kind']} ({payload['environment']['jax_devices'][0]}), "
        f"keras {keras.__version__}, jax {jax.__version__}, "
        f"matmul precision {payload['environment']['jax_default_matmul_precision']}",
        flush=True,
    )
    for workload in selected_workloads(args.quick, args.only):
        for policy in policies:
            if (workload.name, policy) in done:
                print(f"{workload.name:22s} {policy:15s} measured earlier, kept", flush=True)
                continue
            record = measure_safely(workload, policy, **settings)
            payload["results"].append(record)
            payload["speedups_over_float32"] = speedups_over_float32(payload["results"])
            write_json(payload, args.output)
            print(result_line(record), flush=True)
    write_json(payload, args.output)
    print(f"Wrote {args.output}", flush=True)


if __name__ == "__main__":
    main()
