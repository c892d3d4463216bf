"""Generative-model benchmark on MNIST, measured side by side in one run.

Each part trains one of the generation app's models and the keras.io configuration it is
compared with, by the same code (``kerasdl.apps.Generation``: the same data pipeline, optimizer
code and training step) for the same number of steps, then scores both with the same judge:

1. vae: the app's default VAE against keras.io's ``vae.py`` (convolutional, 2-D latent):
   test NLL in nats by importance sampling (Burda et al. 2016, k=1000) on dynamically
   binarised test digits, and the Fréchet distance of 10,000 samples to the test digits.
2. cvae: the conditional VAE: label accuracy of its samples.
3. cgan: the app's conditional DCGAN against keras.io's ``conditional_gan.py``: label
   accuracy, classification accuracy score (CAS), Fréchet distance.
4. dcgan: the app's DCGAN against the MNIST GAN of keras.io's "overriding train_step" example.

Every part also scores a Gaussian mixture on PCA coefficients (per class for conditional
models), fitted on the same training digits. The judge is one LeNet-5 trained on MNIST's
training digits, shared by all parts; its test accuracy is recorded. Training is counted in
steps; the seconds and the CPU are recorded beside them. Writes
``benchmarks/results/generative.json`` (the parts run replace those already there).
"""

from __future__ import annotations

import json
import pathlib
import shutil
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    ROOT,
    finish,
    machine,
    parts_parser,
    previous_results,
    selected_parts,
    shared_data,
    write_results,
)

PARTS = ("vae", "cvae", "cgan", "dcgan")
STEPS = {"vae": 4000, "cvae": 3000, "cgan": 2500, "dcgan": 2500}
QUICK_STEPS = 20
NLL_SAMPLES = 1000
NLL_IMAGES = 1000  # k=1000 costs ~0.1 s per image on two CPU cores: the first 1,000 test digits
JUDGE_STEPS = 2000
SAMPLES = 10000
RUNS = ROOT / "runs" / "bench" / "generative"
GOALS = {
    "vae_nll_nats_at_most": 92.0,
    "vae_nll_gain_over_keras_io_at_least": 5.0,
    "cvae_label_accuracy_at_least": 0.98,
    "cgan_label_accuracy_at_least": 0.98,
    "cgan_cas_at_least": 0.97,
    "dcgan_fd_ratio_to_keras_io_at_most": 0.7,
    "dcgan_fd_ratio_to_mixture_at_most": 0.5,
}


# ---------------------------------------------------------------- keras.io's configurations


def keras_io_vae(image_shape):
    """keras.io ``vae.py``: two stride-2 convolutions, Dense(16), a 2-D latent, the mirror back."""
    import keras
    from keras import layers

    from kerasdl.layers import DecoderLikelihood, GaussianSampling

    image = keras.Input(image_shape, name="image")
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(image)
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Dense(16, activation="relu")(layers.Flatten()(x))
    encoder = keras.Model(
        image, [layers.Dense(2, name="z_mean")(x), layers.Dense(2, name="z_log_var")(x)], name="encoder"
    )
    latent = keras.Input((2,), name="latent")
    y = layers.Reshape((7, 7, 64))(layers.Dense(7 * 7 * 64, activation="relu")(latent))
    y = layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu")(y)
    y = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(y)
    y = layers.Conv2DTranspose(1, 3, padding="same")(y)
    decoder = keras.Model(latent, DecoderLikelihood("bernoulli", name="reconstruction")(y), name="decoder")
    inputs = keras.Input(image_shape, name="image")
    return keras.Model(inputs, decoder(GaussianSampling(name="sampling")(encoder(inputs))), name="keras_io_vae")


def _keras_io_discriminator(image_shape, classes):
    import keras
    from keras import layers

    from kerasdl.models.generative.variational import label_input, one_hot

    image = keras.Input(image_shape, name="image")
    inputs, x = [image], image
    if classes:
        label = label_input()
        inputs.append(label)
        maps = layers.Reshape((1, 1, classes))(one_hot(label, classes))
        x = layers.Concatenate()([image, layers.UpSampling2D(image_shape[:2])(maps)])
    for filters in (64, 128):
        x = layers.LeakyReLU(0.2)(layers.Conv2D(filters, 3, strides=2, padding="same")(x))
    logit = layers.Dense(1, dtype="float32")(layers.GlobalMaxPooling2D()(x))
    return keras.Model(inputs if classes else image, logit, name="discriminator")


def _keras_io_generator(latent_dim, classes):
    import keras
    from keras import layers

    from kerasdl.models.generative.variational import concat_label

    noise = keras.Input((latent_dim,), name="noise")
    inputs = [noise]
    x = concat_label(noise, classes, inputs)
    channels = latent_dim + (classes or 0)
    x = layers.Reshape((7, 7, channels))(layers.LeakyReLU(0.2)(layers.Dense(7 * 7 * channels)(x)))
    for _ in range(2):
        x = layers.LeakyReLU(0.2)(layers.Conv2DTranspose(128, 4, strides=2, padding="same")(x))
    image = layers.Conv2D(1, 7, padding="same", activation="sigmoid", dtype="float32")(x)
    return keras.Model(inputs if classes else noise, image, name="generator")


def keras_io_gan(image_shape, classes=None, latent_dim=128):
    """keras.io's MNIST GAN (``conditional_gan.py`` when ``classes`` is given)."""
    from kerasdl.models.generative import AdversarialNetwork

    return AdversarialNetwork(
        _keras_io_generator(latent_dim, classes),
        _keras_io_discriminator(image_shape, classes),
        latent_dim=latent_dim,
        classes=classes,
        name="keras_io_conditional_gan" if classes else "keras_io_gan",
    )


def keras_io_task(name, run_dir):
    """A Generation task whose model is a keras.io configuration, trained by the app's own path."""
    from kerasdl.apps import Generation
    from kerasdl.apps.generation.task import GAN_TRAINING, VAE_TRAINING
    from kerasdl.apps.recipe import Recipe

    builders = {
        "keras-io-vae": (Recipe("vae", training=VAE_TRAINING), lambda o: keras_io_vae(o["input_shape"])),
        "keras-io-cgan": (
            Recipe("dcgan", training={**GAN_TRAINING, "learning_rate": 3e-4}, settings={"conditional": True}),
            lambda o: keras_io_gan(o["image_shape"], o["classes"]),
        ),
        "keras-io-gan": (
            Recipe("dcgan", training={**GAN_TRAINING, "learning_rate": 3e-4}),
            lambda o: keras_io_gan(o["image_shape"]),
        ),
    }

    class KerasIoGeneration(Generation):
        recipes = {k: v[0] for k, v in builders.items()}

        def _build(self, options):
            return builders[self.model_name][1](options)

    return KerasIoGeneration(name, run_dir=run_dir)


# ---------------------------------------------------------------- measuring


def mnist_file() -> pathlib.Path:
    path = shared_data() / "mnist" / "mnist.npz"
    if not path.is_file():
        raise SystemExit(f"error: {path} is missing (see ../shared/data/README.md)")
    return path


def train_and_score(task, *, steps, batch_size, judge_dir, quick):
    """Trains ``task`` for ``steps`` on MNIST and scores it; returns the JSON entry."""
    import numpy as np

    from kerasdl.data.generation import binarize
    from kerasdl.metrics.generative import importance_sampled_nll
    from kerasdl.models.generative import generative_info, generative_parts

    start = time.monotonic()
    epochs = 10 if not quick else 1
    report = task.train(
        dataset_file=mnist_file(),
        epochs=epochs,
        steps_per_epoch=steps // epochs,
        batch_size=batch_size,
        resume=False,
        verbose=2,
    )
    for name in ("judge.keras", "judge.json"):  # one judge for every part
        shutil.copy(judge_dir / name, task.run_dir / name)
    evaluation = task.evaluate(
        samples=200 if quick else SAMPLES, nll_samples=0, judge_steps=50 if quick else JUDGE_STEPS
    )
    entry = {
        "model": task.model_name,
        "parameters": report.parameters,
        "steps": report.epochs_run * report.train_config["steps_per_epoch"],
        "batch_size": batch_size,
        "learning_rate": report.train_config["learning_rate"],
        "train_seconds": round(report.seconds, 1),
        "scores": evaluation.metrics["model"],
        "baseline": evaluation.metrics.get("baseline"),
    }
    info = generative_info(task.model)
    if info.kind == "vae":
        found = task._data(None, None, None, None)
        images = 20 if quick else NLL_IMAGES
        parts = generative_parts(task.model)
        nll = importance_sampled_nll(
            parts["encoder"],
            parts["decoder"],
            binarize(found.test, seed=0)[:images],
            found.test_labels[:images] if info.classes else None,
            samples=50 if quick else NLL_SAMPLES,
            seed=0,
        )
        entry["scores"]["nll_nats"] = float(np.mean(nll))
        entry["nll"] = {"importance_samples": 50 if quick else NLL_SAMPLES, "test_images": images}
    entry["seconds_with_evaluation"] = round(time.monotonic() - start, 1)
    print(json.dumps({k: entry[k] for k in ("model", "steps", "train_seconds", "scores")}), flush=True)
    return entry


def judge(quick) -> dict:
    """One LeNet-5 on MNIST's training digits: the features and labels every part is scored with."""
    from kerasdl.apps.generation.judge import Judge
    from kerasdl.data.generation import load_generation_data
    from kerasdl.files import write_json

    found = load_generation_data(dataset_file=mnist_file())
    folder = RUNS / "judge"
    folder.mkdir(parents=True, exist_ok=True)
    steps = 50 if quick else JUDGE_STEPS
    start = time.monotonic()
    model = Judge.train(found.train, found.train_labels, classes=10, steps=steps)
    model.save(folder / "judge.keras")
    write_json({"source": found.source, "train_images": len(found.train), "steps": steps}, folder / "judge.json")
    return {
        "model": "LeNet-5 (modern variant), 28x28 padded to 32x32",
        "steps": steps,
        "test_accuracy": model.accuracy(found.test, found.test_labels),
        "train_seconds": round(time.monotonic() - start, 1),
        "folder": folder,
    }


def main() -> int:
    from kerasdl.apps import Generation

    args = parts_parser(__doc__, PARTS, "a smoke run: a few steps, few samples").parse_args()
    chosen = selected_parts(args.parts, PARTS)
    if chosen is None:
        return 2
    out, results = previous_results("generative", args.quick)
    results.update({"machine": machine(), "data": "MNIST (../shared/data/mnist/mnist.npz): 54,001 train, 10,000 test"})
    results["judge"] = judge(args.quick)
    judge_dir = results["judge"].pop("folder")
    pairs = {
        "vae": (("vae", Generation), ("keras-io-vae", keras_io_task), 128),
        "cvae": (("cvae", Generation), None, 128),
        "cgan": (("conditional-dcgan", Generation), ("keras-io-cgan", keras_io_task), 64),
        "dcgan": (("dcgan", Generation), ("keras-io-gan", keras_io_task), 64),
    }
    for part in chosen:
        ours, reference, batch = pairs[part]
        steps = QUICK_STEPS if args.quick else STEPS[part]
        entry = {
            "ours": train_and_score(
                ours[1](ours[0], run_dir=RUNS / ours[0]),
                steps=steps,
                batch_size=batch,
                judge_dir=judge_dir,
                quick=args.quick,
            )
        }
        if reference:
            entry["keras_io"] = train_and_score(
                reference[1](reference[0], RUNS / reference[0]),
                steps=steps,
                batch_size=batch,
                judge_dir=judge_dir,
                quick=args.quick,
            )
        results[part] = entry
        write_results(out, results)
    return finish(out, results, goals(results))


def goals(results) -> dict:
    """Each goal of the issue: the measured value and whether it was met."""
    found = {}

    def check(name, value, ok):
        found[name] = {"value": value, "met": bool(ok)}

    if "vae" in results:
        ours, ref = results["vae"]["ours"]["scores"], results["vae"]["keras_io"]["scores"]
        check("vae_nll_nats_at_most", ours["nll_nats"], ours["nll_nats"] <= GOALS["vae_nll_nats_at_most"])
        gain = ref["nll_nats"] - ours["nll_nats"]
        check("vae_nll_gain_over_keras_io_at_least", gain, gain >= GOALS["vae_nll_gain_over_keras_io_at_least"])
    if "cvae" in results:
        acc = results["cvae"]["ours"]["scores"]["label_accuracy"]
        check("cvae_label_accuracy_at_least", acc, acc >= GOALS["cvae_label_accuracy_at_least"])
    if "cgan" in results:
        scores = results["cgan"]["ours"]["scores"]
        check("cgan_label_accuracy_at_least", scores["label_accuracy"], scores["label_accuracy"] >= 0.98)
        cas = scores["classification_accuracy_score"]
        check("cgan_cas_at_least", cas, cas >= GOALS["cgan_cas_at_least"])
    if "dcgan" in results:
        ours = results["dcgan"]["ours"]["scores"]["frechet_distance"]
        ref = results["dcgan"]["keras_io"]["scores"]["frechet_distance"]
        mixture = results["dcgan"]["ours"]["baseline"]["frechet_distance"]
        check(
            "dcgan_fd_ratio_to_keras_io_at_most", ours / ref, ours / ref <= GOALS["dcgan_fd_ratio_to_keras_io_at_most"]
        )
        check(
            "dcgan_fd_ratio_to_mixture_at_most",
            ours / mixture,
            ours / mixture <= GOALS["dcgan_fd_ratio_to_mixture_at_most"],
        )
    return found


if __name__ == "__main__":
    sys.exit(main())
