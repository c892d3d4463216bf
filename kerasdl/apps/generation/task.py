"""``Generation``: VAEs and GANs that learn to draw images, scored beside a Gaussian mixture, as a Python object."""

from __future__ import annotations

import math

from kerasdl.apps.recipe import Recipe
from kerasdl.apps.reports import Predictions, SampleReport
from kerasdl.apps.task import Scores, ServingSpec, Task, TrainingPlan
from kerasdl.errors import UserInputError
from kerasdl.models.arguments import is_int

VAE_TRAINING = {"epochs": 30, "steps_per_epoch": None, "learning_rate": 1e-3, "batch_size": 64}
GAN_TRAINING = {"epochs": 30, "steps_per_epoch": None, "learning_rate": 2e-4, "batch_size": 64}
RECIPES = {
    "vae": Recipe(
        "vae",
        options={"architecture": "conv", "latent_dim": 16, "filters": (32, 64)},
        training=VAE_TRAINING,
        summary="convolutional VAE, 16-D latent, Bernoulli decoder (the default)",
    ),
    "vae-2d": Recipe(
        "vae",
        options={"architecture": "conv", "latent_dim": 2, "filters": (32, 64)},
        training=VAE_TRAINING,
        summary="convolutional VAE with a 2-D latent space (sample draws its map)",
    ),
    # A 2-D latent leaves the class to the label: on MNIST (3,000 steps) the judge read the asked-for
    # digit in 95% of samples at latent_dim 2, 87% at 4, 76% at 8 and 60% at 16, while the
    # Frechet distance improved the other way (61, 47, 32, 38).
    "cvae": Recipe(
        "cvae",
        options={"architecture": "conv", "latent_dim": 2, "filters": (32, 64)},
        training=VAE_TRAINING,
        summary="conditional VAE with a 2-D latent: a chosen class on demand",
    ),
    "gan": Recipe("gan", training=GAN_TRAINING, summary="GAN with MLP generator and discriminator (Goodfellow 2014)"),
    "cgan": Recipe("cgan", training=GAN_TRAINING, summary="conditional GAN, MLPs (Mirza & Osindero 2014)"),
    "dcgan": Recipe("dcgan", training=GAN_TRAINING, summary="DCGAN: strided convolutions, batch norm (Radford 2016)"),
    "conditional-dcgan": Recipe(
        "dcgan",
        training=GAN_TRAINING,
        settings={"conditional": True},
        summary="DCGAN given the class, as keras.io's conditional GAN",
    ),
}
JUDGE_STEPS = 2000
JUDGE_FEATURES = "LeNet-5 F6 (trained on the real images)"
# Quantized LiteRT variants: the Frechet distance of this many samples (evaluate's seeded noise and
# labels) to as many test images; a variant may raise it by 5% of the Keras generator's.
QUALITY_SAMPLES = 500
QUALITY_RELATIVE_LOSS = 0.05
QUALITY_BATCH = 100
CALIBRATION_SEED = 1
CONDITIONAL_BUILDERS = ("cvae", "cgan")
VAE_BUILDERS = ("vae", "cvae")


def _default_judge_steps(found) -> int:
    """``evaluate``'s default judge training: 5 passes over the training images in batches of 128, at most 2,000 steps."""
    return min(JUDGE_STEPS, math.ceil(5 * len(found.train) / 128))


def gan_optimizer(schedule):
    """Adam with ``beta_1=0.5``, as DCGAN (Radford et al. 2016) found steadier for adversarial training."""
    import keras

    return keras.optimizers.Adam(schedule, beta_1=0.5)


class Generation(Task):
    """Generative models (VAE, CVAE, GAN, cGAN, DCGAN) that draw new images, scored beside a Gaussian mixture.

    A VAE is scored by its test log-likelihood (importance sampling, Burda et al. 2016) and
    every model by the Fréchet distance of its samples to the test images in the features of a
    LeNet-5 trained on the real training images; a conditional model also by how often that
    classifier reads its samples as the asked-for class.

    Example:
        >>> generator = Generation("cvae")                    # scikit-learn's digits by default
        >>> generator.train(epochs=20)                        # doctest: +SKIP
        >>> generator.sample(output_dir="samples").files      # doctest: +SKIP
        >>> generator.predict(["7:0", "7:1"])                 # doctest: +SKIP

    Args:
        model: ``"vae"`` (default), ``"vae-2d"``, ``"cvae"``, ``"gan"``, ``"cgan"``, ``"dcgan"``
            or ``"conditional-dcgan"``.
        image_size: the side images are resized to (default: the data's).
        channels: 1 (grayscale) or 3 (RGB) (default: the data's).
        model_options: builder options over the recipe's (``latent_dim``...).
        run_dir: where training writes (default ``runs/generation``).
    """

    name = "generation"
    aliases = ("generate",)
    recipes = RECIPES
    default_model = "vae"
    metrics_not_exported = ()

    def __init__(
        self,
        model=None,
        *,
        image_size: int | None = None,
        channels: int | None = None,
        model_options=None,
        run_dir=None,
    ):
        if channels not in (None, 1, 3):
            raise UserInputError(f"channels must be 1 or 3; got {channels!r}")
        if image_size is not None and not is_int(image_size, 4):
            raise UserInputError(f"image_size must be an integer of at least 4; got {image_size!r}")
        self.image_size, self.channels = image_size, channels
        super().__init__(model, model_options=model_options, run_dir=run_dir)

    def _init_arguments(self) -> dict:
        return {**super()._init_arguments(), "image_size": self.image_size, "channels": self.channels}

    @property
    def conditional(self) -> bool:
        """Whether the recipe's model is given the class."""
        return self.recipe.builder in CONDITIONAL_BUILDERS or bool(self.recipe.settings.get("conditional"))

    @property
    def class_names(self) -> list[str]:
        return list(self.state.get("class_names") or [])

    def _check_model(self, model, source) -> None:
        from kerasdl.models.generative import generative_info

        try:
            info = generative_info(model)
        except ValueError:
            raise UserInputError(f"{source} is not a VAE or GAN of the generation app") from None
        names = self.state.get("class_names")
        if info.classes and names and len(names) != info.classes:
            raise UserInputError(f"the run's record names {len(names)} classes but {source} draws {info.classes}")

    # ------------------------------------------------------------ data and model

    def _data(self, data, dataset, dataset_file, split_seed):
        from kerasdl.data.generation import load_generation_data

        if data is None and dataset is None and dataset_file is None:
            data, dataset, dataset_file = (self.state.get(k) for k in ("data", "dataset", "dataset_file"))
        seed = split_seed if split_seed is not None else self.state.get("split_seed", 0)
        return load_generation_data(
            data=data,
            dataset=dataset,
            dataset_file=dataset_file,
            size=self.image_size,
            channels=self.channels,
            seed=seed,
        )

    def _builder_arguments(self, image_shape, classes) -> dict:
        options = dict(self.recipe.options)
        shape_argument = "input_shape" if self.recipe.builder in VAE_BUILDERS else "image_shape"
        options[shape_argument] = tuple(image_shape)
        if self.conditional:
            options["classes"] = classes
        return options

    def _build(self, options):
        from kerasdl.registry import get_model

        try:
            return get_model(self.recipe.builder, **options)
        except (TypeError, ValueError) as err:
            raise UserInputError(f"--model {self.model_name}: {err}") from None

    # ------------------------------------------------------------ verbs

    def train(self, data=None, *, dataset=None, dataset_file=None, split_seed: int | None = None, **training):
        """Trains on the training part of a seeded split (a VAE on freshly binarised images each batch).

        Args:
            data: a folder of images, or of class subfolders (needed by the conditional models).
            dataset: or a named dataset: ``"digits"`` (scikit-learn's 8x8 digits, the default)
                or ``"mnist"`` (from Keras' cache).
            dataset_file: or an ``.npz`` holding ``x_train, y_train, x_test, y_test`` (MNIST's layout).
            split_seed: the seed of the split (default 0).
            **training: :class:`~kerasdl.training.TrainConfig` settings over the recipe's.

        Returns:
            A :class:`~kerasdl.apps.reports.TrainReport`.
        """
        import keras

        from kerasdl.data.generation import evaluation_dataset, training_dataset
        from kerasdl.losses import ReconstructionNLL
        from kerasdl.models.generative import generative_info

        config = self.recipe.train_config(**training)
        config.validate()
        self.state = {}
        found = self._data(data, dataset, dataset_file, split_seed)
        if self.conditional and not found.labelled:
            raise UserInputError(
                f"--model {self.model_name} is conditional: it needs labelled images (class subfolders, digits, "
                f"mnist), but {found.source} has one class"
            )
        classes = len(found.class_names)
        options = self._builder_arguments(found.image_shape, classes)
        info = generative_info(self._build(options))  # fails early on a size the architecture cannot take
        keras.backend.clear_session()
        if config.steps_per_epoch is None:  # one pass over the training images
            config.steps_per_epoch = max(1, math.ceil(len(found.train) / config.batch_size))
        vae = info.kind == "vae"
        binary = vae and info.likelihood == "bernoulli"
        target = "reconstruction" if vae else "none"
        self.image_size, self.channels = found.image_shape[0], found.image_shape[2]
        state = {
            "class_names": found.class_names,
            "data": None if data is None else str(data),
            "dataset": dataset,
            "dataset_file": None if dataset_file is None else str(dataset_file),
            "split_seed": 0 if split_seed is None else split_seed,
        }
        return self._fit(
            TrainingPlan(
                build_model=lambda: self._build(options),
                loss=ReconstructionNLL(likelihood=info.likelihood, stddev=info.stddev) if vae else None,
                metrics=None,
                train_data=training_dataset(
                    found.train,
                    found.train_labels if self.conditional else None,
                    batch_size=config.batch_size,
                    seed=config.seed,
                    target=target,
                    binary=binary,
                ),
                val_data=evaluation_dataset(
                    found.val,
                    found.val_labels if self.conditional else None,
                    batch_size=256,
                    target=target,
                    binary=binary,
                )
                if vae
                else None,
                config=config,
                description=(
                    f"Training {self.model_name} on {found.describe()}; "
                    f"{config.epochs} epochs x {config.steps_per_epoch} steps of {config.batch_size}"
                ),
                state=state,
                summary={**state, "image_shape": list(found.image_shape), "binarised": binary},
                optimizer=None if vae else gan_optimizer,
                monitor="val_loss" if vae else None,
            )
        )

    def _judge(self, found, *, steps: int, verbose: int):
        """The classifier that scores samples: trained on the real training images once, kept in the run folder."""
        from kerasdl.apps.generation.judge import Judge
        from kerasdl.files import read_json, write_json

        path, record_path = self.run_dir / "judge.keras", self.run_dir / "judge.json"
        record = {"source": found.source, "train_images": len(found.train), "steps": steps}
        if path.is_file() and record_path.is_file() and read_json(record_path) == record:
            return Judge.load(path)
        judge = Judge.train(
            found.train, found.train_labels, classes=len(found.class_names), steps=steps, verbose=verbose
        )
        judge.save(path)
        write_json(record, record_path)
        return judge

    def evaluate(
        self,
        data=None,
        *,
        dataset=None,
        dataset_file=None,
        split_seed: int | None = None,
        samples: int = 10000,
        nll_samples: int = 100,
        judge_steps: int | None = None,
        baseline: bool = True,
        output=None,
        figure=None,
    ):
        """Test log-likelihood (VAEs), Fréchet distance, label accuracy and CAS, beside a Gaussian mixture.

        Args:
            data: a folder whose seeded test part is scored; None: the test part of what the
                run trained on (MNIST's own 10,000 test digits for MNIST).
            dataset: a named dataset instead (see ``train``).
            dataset_file: or an ``.npz`` (see ``train``).
            split_seed: the split's seed (default: the run's).
            samples: images drawn from the model (and the mixture): at least 2, at most the test images.
            nll_samples: importance samples per test image for a VAE's log-likelihood (Burda
                et al. use 5,000; 0 skips it).
            judge_steps: training steps of the LeNet-5 whose features and labels score samples,
                and of the classifier trained on samples for the classification accuracy score
                (default: 5 passes over the training images in batches of 128, at most 2,000).
            baseline: also fit, sample and score the Gaussian mixture.
            output: the JSON report (default ``<run_dir>/evaluation.json``).
            figure: the samples figure (default ``<run_dir>/samples.png``).

        Returns:
            An :class:`~kerasdl.apps.reports.EvaluationReport`.
        """
        from kerasdl.apps.generation.evaluation import evaluate_generator, format_table
        from kerasdl.apps.generation.figures import grid_figure
        from kerasdl.models.generative import generative_info

        model = self._require_model()
        for name, value in (("samples", samples), ("judge_steps", JUDGE_STEPS if judge_steps is None else judge_steps)):
            if not is_int(value):
                raise UserInputError(f"--{name.replace('_', '-')} must be a positive integer; got {value!r}")
        if not is_int(nll_samples, 0):
            raise UserInputError(f"--nll-samples must be 0 (skip) or more; got {nll_samples!r}")
        info = generative_info(model)
        found = self._data(data, dataset, dataset_file, split_seed)
        if found.image_shape != tuple(info.image_shape):
            h, w, c = info.image_shape
            raise UserInputError(f"the model draws {h}x{w}x{c} images but {found.source} has {found.image_shape}")
        if info.classes and found.class_names != self.class_names:
            raise UserInputError(
                f"the model was trained on classes {self.class_names}, but {found.source} has {found.class_names}"
            )
        if len(found.test) < 2:
            raise UserInputError(
                f"the test part of {found.source} has {len(found.test)} image; the Fréchet distance needs at least 2"
            )
        count = max(2, min(samples, len(found.test)))
        if judge_steps is None:
            judge_steps = _default_judge_steps(found)
        if found.labelled:
            judge, features = self._judge(found, steps=judge_steps, verbose=0), JUDGE_FEATURES
        else:
            from kerasdl.apps.generation.judge import PixelJudge

            judge = PixelJudge(found.train)
            features = PixelJudge.description
        metrics, panels, labels = evaluate_generator(
            model,
            info,
            found,
            judge,
            count=count,
            nll_samples=nll_samples,
            cas_steps=judge_steps,
            baseline=baseline,
        )
        metrics = {"model_name": self.model_name, "data": found.source, "features": features, **metrics}
        ours = metrics["model"]
        headline = f"Fréchet distance {ours['frechet_distance']:.3g}"
        if "baseline" in metrics:
            headline += f" vs Gaussian mixture {metrics['baseline']['frechet_distance']:.3g}"
        if "nll_nats" in ours:
            headline += f"; test NLL {ours['nll_nats']:.2f} nats"
        if "label_accuracy" in ours:
            headline += f"; label accuracy {ours['label_accuracy']:.3f}"
        shown = self._figure_panels(panels, labels, info)
        rows = info.classes or 8
        return self._report(
            Scores(
                metrics,
                headline,
                format_table(metrics),
                figures={
                    "samples figure": (
                        "samples.png",
                        lambda path: grid_figure(
                            shown, rows=rows, row_labels=self.class_names if info.classes else None, path=path
                        ),
                    )
                },
            ),
            output=output,
            figure=figure,
        )

    @staticmethod
    def _figure_panels(panels, labels, info, columns: int = 10):
        """Up to ``columns`` images per class (a row each) or 8 rows, from each panel."""
        import numpy as np

        if not info.classes:
            return {name: images[: 8 * columns] for name, images in panels.items()}
        picked = np.concatenate([np.flatnonzero(labels == c)[:columns] for c in range(info.classes)])
        return {name: images[picked] for name, images in panels.items()}

    def predict(self, inputs, *, output_dir=None) -> Predictions:
        """Draws one image per seed; a conditional model takes ``label:seed`` (``"7:0"`` draws a 7).

        Args:
            inputs: seeds (integers), or ``label:seed`` strings for a conditional model; one or a list.
            output_dir: write ``<label>_<seed>.png`` files there and return their paths.

        Returns:
            :class:`~kerasdl.apps.reports.Predictions`: uint8 images ``(h, w, c)``, or the
            written paths with ``output_dir``; ``.inputs`` names each input.
        """
        import numpy as np

        from kerasdl.apps.generation.generating import generate, noise_from_seeds, parse_requests
        from kerasdl.data.images import check_writable_dir, save_png, to_uint8
        from kerasdl.models.generative import generative_info

        model = self._require_model()
        info = generative_info(model)
        seeds, labels, names = parse_requests(inputs)
        if info.classes and labels is None:
            raise UserInputError(
                f"{self.model_name} is conditional: give label:seed (labels: {', '.join(self.class_names)})"
            )
        if not info.classes and labels is not None:
            raise UserInputError(f"{self.model_name} is not conditional: give seeds without labels")
        indices = None
        if labels is not None:
            unknown = sorted({label for label in labels if label not in self.class_names})
            if unknown:
                raise UserInputError(f"unknown label {unknown[0]!r}; the classes are {', '.join(self.class_names)}")
            indices = np.array([self.class_names.index(label) for label in labels], np.int32)
        images = [to_uint8(image) for image in generate(model, noise_from_seeds(seeds, info.latent_dim), indices)]
        if output_dir is None:
            return Predictions(images, inputs=names)
        folder = check_writable_dir(output_dir)
        paths = [
            save_png(image.astype(np.float32) / 255.0, folder / f"{name.replace(':', '_')}.png")
            for name, image in zip(names, images)
        ]
        return Predictions(paths, inputs=names)

    def sample(self, *, columns: int = 10, rows: int = 8, steps: int = 9, seed: int = 0, output_dir=None):
        """Draws a grid of samples (a row per class for conditional models), interpolation strips and, for a 2-D VAE, its latent map.

        Args:
            columns: images per row of the grid.
            rows: rows of an unconditional model's grid, and interpolation strips.
            steps: images per interpolation strip, from one random latent point to another.
            seed: the seed of the noise.
            output_dir: where the PNG files go (default: the run folder).

        Returns:
            A :class:`~kerasdl.apps.reports.SampleReport` naming the files.
        """
        import numpy as np

        from kerasdl.apps.generation.evaluation import prior_noise
        from kerasdl.apps.generation.figures import grid_figure, latent_map_figure
        from kerasdl.apps.generation.generating import generate
        from kerasdl.data.images import check_writable_dir
        from kerasdl.models.generative import generative_info

        model = self._require_model()
        for name, value in (("columns", columns), ("rows", rows), ("steps", steps)):
            if not is_int(value, 2 if name == "steps" else 1):
                raise UserInputError(f"--{name} must be an integer of at least {2 if name == 'steps' else 1}")
        info = generative_info(model)
        folder = check_writable_dir(output_dir if output_dir is not None else self.run_dir)
        rng = np.random.default_rng(seed)
        classes = info.classes or 0
        grid_rows = classes or rows
        noise = prior_noise(grid_rows * columns, info.latent_dim, seed=seed)
        labels = np.repeat(np.arange(classes), columns).astype(np.int32) if classes else None
        row_labels = self.class_names if classes else None
        files = {
            "samples": grid_figure(
                {self.model_name: generate(model, noise, labels)},
                rows=grid_rows,
                row_labels=row_labels,
                path=folder / "samples.png",
            )
        }
        # Interpolation: each row walks a straight line between two draws from the prior.
        start, end = rng.standard_normal((2, rows, info.latent_dim)).astype(np.float32)
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :, None]
        path_noise = (start[:, None] * (1 - t) + end[:, None] * t).reshape(-1, info.latent_dim)
        path_labels = np.repeat(np.arange(rows) % classes, steps).astype(np.int32) if classes else None
        files["interpolation"] = grid_figure(
            {"interpolation in latent space": generate(model, path_noise, path_labels)},
            rows=rows,
            row_labels=[self.class_names[r % classes] for r in range(rows)] if classes else None,
            path=folder / "interpolation.png",
        )
        if info.kind == "vae" and info.latent_dim == 2 and not classes:
            from scipy.stats import norm

            points = 20
            quantiles = norm.ppf(np.linspace(0.02, 0.98, points))
            grid = np.array([[x, y] for y in quantiles[::-1] for x in quantiles], np.float32)
            files["latent map"] = latent_map_figure(
                generate(model, grid), points=points, extent=float(quantiles[-1]), path=folder / "latent_map.png"
            )
        return self._announce(SampleReport(app=self.name, files=files))

    # ------------------------------------------------------------ export

    def _serving(self) -> ServingSpec:
        import numpy as np
        import tensorflow as tf

        from kerasdl.apps.generation.generating import label_indices, noise_from_seeds, serving_model
        from kerasdl.export import Endpoint
        from kerasdl.models.generative import generative_info

        info = generative_info(self.model)
        network = serving_model(self.model)
        names = self.class_names
        latent = info.latent_dim

        def draw(noise, labels=None):
            if labels is not None:
                noise = tf.concat([noise, tf.cast(label_indices(labels, names), tf.float32)[:, None]], axis=1)
            images = network(noise, training=False)
            pixels = tf.cast(tf.round(tf.clip_by_value(images, 0.0, 1.0) * 255.0), tf.uint8)
            return {"image_png": tf.map_fn(tf.io.encode_png, pixels, fn_output_signature=tf.string)}

        seed_spec = tf.TensorSpec([None], tf.int64, name="seed")
        noise_spec = tf.TensorSpec([None, latent], tf.float32, name="noise")
        label_spec = tf.TensorSpec([None], tf.string, name="label")
        sample_seeds = np.array([0, 1, 12345], np.int64)
        sample_noise = np.random.default_rng(0).standard_normal((3, latent)).astype(np.float32)
        if info.classes:
            sample_labels = np.array([names[0], names[-1], names[len(names) // 2]], object)
            endpoints = [
                Endpoint(
                    "serving_default",
                    lambda seed, label: draw(noise_from_seeds(seed, latent), label),
                    [seed_spec, label_spec],
                    [sample_seeds, sample_labels],
                    compare="png",
                ),
                Endpoint("serving_noise", draw, [noise_spec, label_spec], [sample_noise, sample_labels], compare="png"),
            ]
            float_input = np.concatenate([sample_noise, np.array([[0], [len(names) - 1], [1]], np.float32)], axis=1)
        else:
            endpoints = [
                Endpoint(
                    "serving_default",
                    lambda seed: draw(noise_from_seeds(seed, latent)),
                    [seed_spec],
                    [sample_seeds],
                    compare="png",
                ),
                Endpoint("serving_noise", lambda noise: draw(noise), [noise_spec], [sample_noise], compare="png"),
            ]
            float_input = sample_noise
        h, w, c = info.image_shape
        label_text = ", label: [batch] string (a class name)" if info.classes else ""
        return ServingSpec(
            model=network,
            float_input=tf.TensorSpec([None, network.input_shape[-1]], tf.float32, name="noise"),
            sample_inputs=float_input,
            endpoints=endpoints,
            metadata={
                "kind": info.kind,
                "latent_dim": latent,
                "class_names": names if info.classes else None,
                "image_shape": [h, w, c],
            },
            usage={
                "serving_default": f"seed: [batch] int64{label_text} -> image_png: [batch] {h}x{w} PNG",
                "serving_noise": f"noise: [batch, {latent}] float32 (standard normal){label_text} -> image_png",
                "serving_float": f"noise: [batch, {network.input_shape[-1]}] float32"
                + (" (the last column: the class index)" if info.classes else "")
                + f" -> output: [batch, {h}, {w}, {c}] in [0, 1]",
            },
        )

    def _scoring_judge(self, found):
        """``(judge, features)`` for ``found``: the run's judge when it was trained on these images, else a new one.

        The run's ``judge.keras`` is what ``evaluate`` last scored with (whatever its steps);
        without one, it is trained with ``evaluate``'s default steps and kept, as ``evaluate``
        would. Unlabelled images get the pixels' PCA, as in ``evaluate``.
        """
        from kerasdl.apps.generation.judge import Judge, PixelJudge
        from kerasdl.files import read_json

        if not found.labelled:
            return PixelJudge(found.train), PixelJudge.description
        path, record_path = self.run_dir / "judge.keras", self.run_dir / "judge.json"
        if path.is_file() and record_path.is_file():
            record = read_json(record_path)
            if record.get("source") == found.source and record.get("train_images") == len(found.train):
                return Judge.load(path), JUDGE_FEATURES
        return self._judge(found, steps=_default_judge_steps(found), verbose=0), JUDGE_FEATURES

    def _litert_quality(self):
        """The Fréchet distance of 500 samples to the test images, drawn through the LiteRT file.

        The app's own measure (``evaluate``'s): the generator's images from 500 rows of seeded
        standard-normal noise (and balanced class indices for a conditional model), the noise
        and labels ``evaluate(samples=500)`` draws, read through the run's judge
        (LeNet-5's F6 features; the pixels' PCA for unlabelled images) against as many test
        images (all of them when fewer). Every file draws from the same noise, so a difference
        is the file's alone, not the sampling's. The judge is the run's ``judge.keras`` when
        ``evaluate`` trained one on these images; else it is trained here (``evaluate``'s
        default steps) and kept for ``evaluate``.

        Lower is better, so the loss is how much a variant raises the distance
        (``higher_is_better=False``). The default ``max_loss`` is 5% of the Keras generator's
        distance, computed here: the distance's scale depends on the feature space and the data
        (130 to 170 for a VAE or DCGAN trained 5-10 epochs on digits, in LeNet's features; other
        values in PCA coefficients), so an absolute threshold would mean nothing across runs.
        int8 moved those by less than 0.1 (0.05%). A PSNR of the variant's images
        against the Keras generator's was the alternative: cheap and judge-free, but not what
        the app measures, and infinite for Keras against itself, so no loss can be taken from
        it.

        int8 is calibrated on 200 other rows of standard-normal noise (seed 1). A conditional
        model is refused int8: the class index rides in the input tensor's last column, whose
        int8 range the converter takes from the noise columns (about -2.7 to 3.1 on digits), so
        classes 4 to 9 would be clipped to 3 (measured: their images came out as class 3's).
        Its dynamic and float16 files keep float activations and take the index exactly.
        """
        import numpy as np

        from kerasdl.apps.generation.evaluation import prior_noise, sample_labels
        from kerasdl.apps.generation.generating import generate
        from kerasdl.export.quantize import CALIBRATION_SAMPLES, LiteRTQuality
        from kerasdl.metrics.generative import frechet_distance
        from kerasdl.models.generative import generative_info

        model = self._require_model()
        info = generative_info(model)
        found = self._data(None, None, None, None)
        if found.image_shape != tuple(info.image_shape):
            h, w, c = info.image_shape
            raise UserInputError(f"the model draws {h}x{w}x{c} images but {found.source} has {found.image_shape}")
        count = min(QUALITY_SAMPLES, len(found.test))
        if count < 2:
            raise UserInputError(
                f"the test part of {found.source} has {len(found.test)} image; the Fréchet distance that scores "
                "quantized LiteRT files needs at least 2 (export without --quantize)"
            )
        judge, features = self._scoring_judge(found)
        real = judge.features(found.test[:count])
        noise = prior_noise(count, info.latent_dim, seed=0)
        labels = sample_labels(count, info.classes, seed=0) if info.classes else None
        inputs = noise if labels is None else np.concatenate([noise, labels[:, None].astype(np.float32)], axis=1)

        def distance(images) -> float:
            return float(frechet_distance(judge.features(np.clip(images, 0.0, 1.0)), real))

        def score(predict) -> float:
            return distance(
                np.concatenate([predict(inputs[i : i + QUALITY_BATCH]) for i in range(0, count, QUALITY_BATCH)])
            )

        max_loss = round(QUALITY_RELATIVE_LOSS * distance(generate(model, noise, labels)), 4)

        def representative():
            rng = np.random.default_rng(CALIBRATION_SEED)
            for i in range(CALIBRATION_SAMPLES):
                row = rng.standard_normal((1, info.latent_dim)).astype(np.float32)
                if info.classes:
                    row = np.concatenate([row, np.full((1, 1), i % info.classes, np.float32)], axis=1)
                yield row

        classes = ", balanced classes" if info.classes else ""
        return LiteRTQuality(
            metric="frechet_distance",
            data=f"{count} samples (seeded noise{classes}) vs {count} test images of {found.source}; {features}",
            score=score,
            representative=representative,
            latency_input=inputs[:1],
            max_loss=max_loss,
            unit="FD",
            parity_inputs=inputs[:8],
            higher_is_better=False,
            calibration=f"{CALIBRATION_SAMPLES} rows of standard-normal noise, seed {CALIBRATION_SEED}",
            refused={
                "int8": "a conditional generator takes its class index in the input's last column, which int8 "
                "would quantize with the noise (classes above 3 clipped); export dynamic or float16"
            }
            if info.classes
            else {},
        )

    @staticmethod
    def serving_inputs(inputs):
        """``serving_default``'s arguments from the inputs ``predict`` takes: seeds, and labels when given."""
        import tensorflow as tf

        from kerasdl.apps.generation.generating import parse_requests

        seeds, labels, _ = parse_requests(inputs)
        arguments = {"seed": tf.constant(seeds, tf.int64)}
        if labels is not None:
            arguments["label"] = tf.constant(labels, tf.string)
        return arguments

    @staticmethod
    def serving_outputs(outputs) -> list:
        import tensorflow as tf

        return [tf.io.decode_png(png).numpy() for png in outputs["image_png"].numpy()]
