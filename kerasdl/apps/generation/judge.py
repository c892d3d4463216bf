"""A classifier of real images that judges generated ones: its features, labels and accuracy.

The ``Judge`` is LeNet-5 (the registry's ``"lenet5"``, ``variant="modern"``) trained on
real images; ``sample_quality`` reads generated images through it (a Frechet distance on
its F6 features, as FID does on Inception's, and whether each image looks like the class
it was generated for), and ``classification_accuracy_score`` trains a fresh LeNet on
generated images alone and scores it on real ones.
"""

from __future__ import annotations

import os
import pathlib
import tempfile

import keras
import numpy as np

from kerasdl.metrics.generative import frechet_distance

LENET_SIZE = 32  # LeNet-5's input side; smaller images are brought up to it inside the model
MNIST_SIZE = 28  # padded by 2 pixels on each side, as in LeCun et al. (1998), rather than resized
DEFAULT_EPOCHS = 10
PREDICT_BATCH = 256


def _check_images(images, argument="images"):
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4 or len(images) == 0 or images.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"{argument} must be a non-empty float array (n, h, w, c) in [0, 1] with 1, 3 or 4 channels; "
            f"Received: {argument} with shape {images.shape}"
        )
    return images


def _check_labels(labels, n, argument="labels"):
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"{argument} must be {n} integers, one per image; Received: {argument} with shape {labels.shape}"
        )
    return labels.astype("int32")


def _to_lenet_size(image):
    """Native-size images in [0, 1] to at least 32x32: 28x28 padded by 2, other small sides resized."""
    height, width = image.shape[1:3]
    if (height, width) == (MNIST_SIZE, MNIST_SIZE):
        return keras.layers.ZeroPadding2D((LENET_SIZE - MNIST_SIZE) // 2, name="pad")(image)
    if height < LENET_SIZE or width < LENET_SIZE:
        size = (max(height, LENET_SIZE), max(width, LENET_SIZE))
        return keras.layers.Resizing(*size, interpolation="bilinear", name="resize")(image)
    return image


def judge_model(image_shape, *, classes):
    """LeNet-5 (modern) behind a pad or resize, from native-size images in [0, 1] to class probabilities.

    Args:
        image_shape: ``(h, w, c)`` of the images the judge will see.
        classes: number of classes.

    Returns:
        A ``keras.Model`` named ``"lenet5"`` whose ``"f6"`` layer holds the 84 features before the ``"predictions"`` layer.
    """
    from kerasdl.registry import get_model

    image = keras.Input(tuple(image_shape), name="image")
    return get_model("lenet5", input_tensor=_to_lenet_size(image), classes=classes, variant="modern")


def _batches(images, labels, batch_size, rng):
    """Shuffled minibatches forever, a new permutation each epoch."""
    while True:
        order = rng.permutation(len(images))
        for start in range(0, len(images), batch_size):
            index = np.sort(order[start : start + batch_size])
            yield images[index], labels[index]


class Judge:
    """A classifier of real images used to judge generated ones.

    LeNet-5 ("Gradient-based learning applied to document recognition", LeCun et al.,
    1998; the modern ReLU and max-pooling reading) trained on real images. Its penultimate
    layer F6 (84 units) is the feature space of :func:`sample_quality`'s Frechet distance,
    as Inception-v3's pool features are for FID (Heusel et al., 2017). Images are passed
    at their native size in [0, 1]; the model pads 28x28 to 32x32 and resizes smaller ones.

    Args:
        model: a model from images to class probabilities with a ``"predictions"`` output
            layer, as :meth:`train` and :meth:`load` make.

    Example:
        >>> judge = Judge.train(x_train, y_train, classes=10, epochs=5)  # doctest: +SKIP
        >>> judge.accuracy(x_test, y_test)  # doctest: +SKIP
        0.99
    """

    def __init__(self, model):
        self.model = model
        self._features = keras.Model(model.inputs, model.get_layer("predictions").input, name=f"{model.name}_features")

    @property
    def classes(self) -> int:
        """Number of classes."""
        return int(self.model.output_shape[-1])

    @property
    def image_shape(self) -> tuple:
        """``(h, w, c)`` of the images the judge takes."""
        return tuple(self.model.input_shape[1:])

    @classmethod
    def train(cls, images, labels, *, classes, epochs=None, steps=None, batch_size=128, seed=0, verbose=0) -> Judge:
        """Trains a fresh LeNet-5 on real images (Adam, sparse cross-entropy).

        Args:
            images: float array ``(n, h, w, c)`` in [0, 1].
            labels: integer labels ``(n,)``.
            classes: number of classes.
            epochs: passes over the data; 10 when neither this nor ``steps`` is given.
            steps: optimizer steps instead of epochs (shuffled minibatches, reshuffled each pass).
            batch_size: images per step.
            seed: seeds the weights and the shuffling (``keras.utils.set_random_seed``).
            verbose: ``fit``'s verbosity.

        Returns:
            The trained ``Judge``.
        """
        images = _check_images(images)
        labels = _check_labels(labels, len(images))
        if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or classes < 2:
            raise ValueError(f"classes must be an int >= 2; Received: classes={classes!r}")
        if labels.min() < 0 or labels.max() >= classes:
            raise ValueError(
                f"labels must lie in [0, {classes}); Received: labels from {labels.min()} to {labels.max()}"
            )
        if epochs is not None and steps is not None:
            raise ValueError(f"give epochs or steps, not both; Received: epochs={epochs!r}, steps={steps!r}")
        for argument, value in (("epochs", epochs), ("steps", steps), ("batch_size", batch_size)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
                raise ValueError(f"{argument} must be a positive int; Received: {argument}={value!r}")
        keras.utils.set_random_seed(seed)
        model = judge_model(images.shape[1:], classes=int(classes))
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        if steps is None:
            model.fit(images, labels, batch_size=batch_size, epochs=epochs or DEFAULT_EPOCHS, verbose=verbose)
        else:
            batches = _batches(images, labels, min(batch_size, len(images)), np.random.default_rng(seed))
            model.fit(batches, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=verbose)
        return cls(model)

    def _inputs(self, images, argument="images"):
        images = _check_images(images, argument)
        if images.shape[1:] != self.image_shape:
            raise ValueError(
                f"{argument} must be {self.image_shape} images, as the judge was trained on; "
                f"Received: {argument} with shape {images.shape}"
            )
        return images

    def probabilities(self, images) -> np.ndarray:
        """Class probabilities ``(n, classes)``."""
        return self.model.predict(self._inputs(images), batch_size=PREDICT_BATCH, verbose=0)

    def features(self, images) -> np.ndarray:
        """F6's features ``(n, 84)``, the input of the output layer."""
        return self._features.predict(self._inputs(images), batch_size=PREDICT_BATCH, verbose=0)

    def predict_labels(self, images) -> np.ndarray:
        """The most probable class of each image, ``(n,)``."""
        return np.argmax(self.probabilities(images), axis=-1)

    def accuracy(self, images, labels) -> float:
        """The fraction of images whose predicted class is their label."""
        predicted = self.predict_labels(images)
        return float(np.mean(predicted == _check_labels(labels, len(predicted))))

    def save(self, path) -> pathlib.Path:
        """Writes the model to a ``.keras`` file, atomically (a temporary file, then a rename)."""
        path = pathlib.Path(path)
        if path.suffix != ".keras":
            raise ValueError(f"path must end in .keras; Received: path={str(path)!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".keras", dir=path.parent)
        os.close(fd)
        try:
            self.model.save(tmp)
            os.replace(tmp, path)
        finally:
            pathlib.Path(tmp).unlink(missing_ok=True)
        return path

    @classmethod
    def load(cls, path) -> Judge:
        """Reads a judge written by :meth:`save` (safe mode, without its optimizer)."""
        from kerasdl.saving import load_model

        return cls(load_model(path, compile=False))


class PixelJudge:
    """The feature space for unlabelled images, where no classifier can be trained: their PCA coefficients.

    The Fréchet distance then compares the leading principal components of the pixels
    (fitted on the real training images), a coarser yardstick than a classifier's features.

    Args:
        images: the real training images ``(n, h, w, c)`` in [0, 1].
        components: at most this many principal components (fewer for small data).
        seed: the PCA's seed.
    """

    description = "PCA coefficients of the pixels (unlabelled data: no classifier to judge with)"

    def __init__(self, images, *, components: int = 32, seed: int = 0):
        from sklearn.decomposition import PCA

        images = _check_images(images)
        self.image_shape = images.shape[1:]
        flat = images.reshape(len(images), -1)
        self._pca = PCA(n_components=max(1, min(components, len(flat) - 1, flat.shape[1])), random_state=seed)
        self._pca.fit(flat)

    def _inputs(self, images, argument="images"):
        images = _check_images(images, argument)
        if images.shape[1:] != self.image_shape:
            raise ValueError(f"{argument} must be {self.image_shape} images; Received: shape {images.shape}")
        return images

    def features(self, images) -> np.ndarray:
        images = self._inputs(images)
        return self._pca.transform(images.reshape(len(images), -1))


def sample_quality(judge, generated, real, *, generated_labels=None) -> dict:
    """How real generated images look to a judge trained on real ones.

    Args:
        judge: a :class:`Judge` (or, for unlabelled data and without ``generated_labels``, a
            :class:`PixelJudge`).
        generated: generated images ``(n, h, w, c)`` in [0, 1].
        real: real images (held out from the judge's training), same image shape.
        generated_labels: the class each image was generated for, for a conditional model.

    Returns:
        ``{"frechet_distance": ...}``: :func:`~kerasdl.metrics.frechet_distance` of the judge's
        F6 features of ``generated`` and of ``real`` (FID's recipe, Heusel et al. 2017, in
        LeNet's feature space); with ``generated_labels`` also ``"label_accuracy"``, the
        fraction of generated images the judge gives the label they were generated for.

    Example:
        >>> sample_quality(judge, vae_samples, x_test, generated_labels=y_wanted)  # doctest: +SKIP
        {'frechet_distance': 3.1, 'label_accuracy': 0.94}
    """
    generated = judge._inputs(generated, "generated")
    result = {"frechet_distance": frechet_distance(judge.features(generated), judge.features(real))}
    if generated_labels is not None:
        result["label_accuracy"] = judge.accuracy(generated, _check_labels(generated_labels, len(generated)))
    return result


def classification_accuracy_score(
    generated, generated_labels, real_test, real_test_labels, *, classes, steps=1000, batch_size=128, seed=0
) -> float:
    """Classification Accuracy Score: a classifier trained only on generated images, tested on real ones.

    From "Classification Accuracy Score for Conditional Generative Models" (Ravuri and
    Vinyals, 2019): a fresh LeNet-5 is trained on ``generated`` with the labels they were
    generated for, then scored on real test images. A generator whose classes are right
    and diverse scores near a classifier trained on real data.

    Args:
        generated: generated images ``(n, h, w, c)`` in [0, 1].
        generated_labels: the class each was generated for, ``(n,)``.
        real_test: real test images, same image shape.
        real_test_labels: their labels.
        classes: number of classes.
        steps: training steps of the classifier.
        batch_size: images per step.
        seed: seeds the classifier's weights and shuffling.

    Returns:
        The classifier's accuracy on ``real_test``, in [0, 1].

    Example:
        >>> classification_accuracy_score(x_gen, y_gen, x_test, y_test, classes=10)  # doctest: +SKIP
        0.97
    """
    judge = Judge.train(generated, generated_labels, classes=classes, steps=steps, batch_size=batch_size, seed=seed)
    return judge.accuracy(judge._inputs(real_test, "real_test"), real_test_labels)
