"""Gatys et al.'s style transfer by optimising the image itself: L-BFGS (SciPy's) or Adam, XLA on loss and gradient."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np

METHODS = ("lbfgs", "adam")


@dataclasses.dataclass
class Optimized:
    """An optimised image and how it got there.

    Attributes:
        image: float32 ``(h, w, 3)`` in [0, 1].
        losses: the loss at every evaluation, in order (L-BFGS' line searches included).
        best_losses: the lowest loss seen after each evaluation (what the returned image scores at the end).
        seconds: wall-clock time of the evaluations (compilation excluded).
        compile_seconds: the first evaluation's time, with XLA's compilation.
        method: ``"lbfgs"`` or ``"adam"``.
    """

    image: np.ndarray
    losses: list[float]
    best_losses: list[float]
    seconds: float
    compile_seconds: float
    method: str

    @property
    def evaluations(self) -> int:
        return len(self.losses)

    @property
    def loss(self) -> float:
        return self.best_losses[-1]


def value_and_gradient(loss_fn, *, jit_compile: bool | None = None):
    """``f(image) -> (loss, gradient)`` of a scalar loss of one ``(1, h, w, 3)`` image, traced once.

    ``jit_compile`` None: XLA on a GPU only. On two CPU cores XLA made VGG-19's loss and
    gradient slower (0.55 s against 0.37 s per evaluation at 128 pixels, 0.38 against 0.07 at
    32): TensorFlow's oneDNN convolutions beat XLA's on CPU.
    """
    import tensorflow as tf

    from kerasdl.training.hardware import resolve_jit_compile

    jit_compile = resolve_jit_compile(jit_compile)

    def evaluate(image):
        with tf.GradientTape() as tape:
            tape.watch(image)
            loss = loss_fn(image)
        return loss, tape.gradient(loss, image)

    return tf.function(evaluate, jit_compile=jit_compile, reduce_retracing=True)


def optimize_image(
    loss_fn: Callable,
    initial,
    *,
    method: str = "lbfgs",
    evaluations: int = 1000,
    learning_rate: float = 0.02,
    every: int | None = None,
    on_image: Callable[[int, np.ndarray], None] | None = None,
    progress: bool = True,
    jit_compile: bool | None = None,
) -> Optimized:
    """Minimises ``loss_fn`` over the pixels of an image, from ``initial``, within [0, 1].

    Args:
        loss_fn: a scalar loss of a ``(1, h, w, 3)`` float32 tensor (``keras.ops`` / TensorFlow).
        initial: the starting image ``(h, w, 3)`` (the content image, as keras.io starts).
        method: ``"lbfgs"`` (SciPy's L-BFGS-B with the box [0, 1], as Gatys et al. used
            L-BFGS) or ``"adam"`` (pixels clipped to [0, 1] after each step).
        evaluations: the budget of loss-and-gradient evaluations: Adam's steps, or L-BFGS'
            function evaluations (its line searches included).
        learning_rate: Adam's step on the [0, 1] scale.
        every: call ``on_image(evaluation, image)`` every this many evaluations (and at the end).
        on_image: receives snapshots (``every``).
        progress: a progress bar per evaluation.
        jit_compile: compile the loss and gradient with XLA (default: on a GPU).

    Returns:
        An :class:`Optimized`: the best image seen, the loss after each evaluation.
    """
    import keras
    import tensorflow as tf

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; Received: method={method!r}")
    step = value_and_gradient(loss_fn, jit_compile=jit_compile)
    shape = (1, *np.shape(initial))
    bar = keras.utils.Progbar(evaluations, stateful_metrics=["loss"]) if progress else None
    losses: list[float] = []
    best = {"loss": np.inf, "image": np.asarray(initial, np.float32)}
    clock = {"start": None, "compile": 0.0}

    def evaluate(pixels: np.ndarray):
        start = time.perf_counter()
        loss, grad = step(tf.constant(pixels.reshape(shape), tf.float32))
        loss, grad = float(loss), grad.numpy()
        if clock["start"] is None:
            clock["compile"] = time.perf_counter() - start
            clock["start"] = time.perf_counter()
        losses.append(loss)
        if loss < best["loss"]:
            best["loss"], best["image"] = loss, pixels.reshape(shape[1:]).astype(np.float32)
        n = len(losses)
        if bar is not None:
            bar.update(n, [("loss", loss)])
        if every and on_image is not None and n % every == 0:
            on_image(n, best["image"])
        return loss, grad

    best_losses: list[float] = []
    if method == "lbfgs":
        from scipy.optimize import minimize

        def fun(x):
            if len(losses) >= evaluations:  # L-BFGS-B may ask once past maxfun: answer without counting
                raise _Budget
            loss, grad = evaluate(x.astype(np.float32))
            return loss, grad.astype(np.float64).ravel()

        x0 = np.asarray(initial, np.float64).ravel().clip(0.0, 1.0)
        try:
            minimize(
                fun,
                x0,
                jac=True,
                method="L-BFGS-B",
                bounds=[(0.0, 1.0)] * x0.size,
                options={"maxfun": evaluations, "maxiter": evaluations, "maxcor": 20, "ftol": 0.0, "gtol": 0.0},
            )
        except _Budget:
            pass
    else:
        image = tf.Variable(np.asarray(initial, np.float32)[None])
        adam = keras.optimizers.Adam(learning_rate)
        for _ in range(evaluations):
            _, grad = evaluate(image.numpy())
            adam.apply_gradients([(tf.constant(grad), image)])
            image.assign(tf.clip_by_value(image, 0.0, 1.0))
    running = np.inf
    for loss in losses:
        running = min(running, loss)
        best_losses.append(running)
    if every and on_image is not None and losses and len(losses) % every:
        on_image(len(losses), best["image"])
    seconds = time.perf_counter() - clock["start"] if clock["start"] is not None else 0.0
    return Optimized(
        image=best["image"],
        losses=losses,
        best_losses=best_losses,
        seconds=seconds,
        compile_seconds=clock["compile"],
        method=method,
    )


class _Budget(Exception):
    """The evaluation budget is spent (stops SciPy's L-BFGS-B between evaluations)."""
