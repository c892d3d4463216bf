"""Style-transfer benchmark, measured side by side in one run (CPU).

1. Optimisation: keras.io's ``neural_style_transfer.py`` procedure (SGD, learning rate 100
   decayed by 0.96 every 100 steps, its loss and weights, the content, style and result images
   through the network together at every step, ``tf.function`` without XLA) and ours (SciPy's
   L-BFGS-B in [0, 1], the style and content targets computed once, XLA on the loss and
   gradient on a GPU; on CPU TensorFlow's own convolutions were faster) on the same content and style images and the same fixed feature network (VGG-19
   with seeded He-normal random weights: ``style_feature_extractor()``, no ImageNet weights
   here). The loss is recorded after every evaluation; both start from the content image.
   Goal: ours reaches keras.io's 4,000-iteration loss within 1,000 evaluations, at no more
   seconds per evaluation.
2. Fast stylizer: the app's default stylizer trained on the bundled photos, then its Gatys
   loss on the held-out test photos beside the same images optimised with 1,000 L-BFGS
   evaluations. Goal: within 1.5x the optimised loss at 100x less time per image.

Equal evaluation counts, not equal minutes. Writes ``benchmarks/results/style_transfer.json``
and its figures beside it.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.common import RESULTS, ROOT, machine, write_results  # noqa: E402

MILESTONES = (1, 10, 20, 50, 100, 200, 500, 1000, 2000, 4000)
GOAL_EVALUATIONS = 1000
GOAL_LOSS_RATIO = 1.5
GOAL_SPEEDUP = 100.0


def keras_io_procedure(extractor, content, style, *, iterations, style_layers, content_layer, weights):
    """keras.io's ``neural_style_transfer.py`` loop on this extractor, as written there (its losses copied).

    The image is optimised in the network's preprocessed space (caffe: BGR, 0-255, mean
    subtracted), as keras.io's ``preprocess_image`` makes it; the extractor takes [0, 1] RGB,
    so the loss maps the variable back first (exactly invertible).
    """
    import numpy as np
    import tensorflow as tf

    mean = tf.constant([103.939, 116.779, 123.68], tf.float32)
    rows, cols = content.shape[:2]

    def to_unit(x):  # keras.io's deprocess_image without the clipping
        return tf.reverse(x + mean, axis=[-1]) / 255.0

    def from_unit(x):
        return tf.reverse(x, axis=[-1]) * 255.0 - mean

    def gram_matrix(x):
        x = tf.transpose(x, (2, 0, 1))
        features = tf.reshape(x, (tf.shape(x)[0], -1))
        return tf.matmul(features, tf.transpose(features))

    def style_loss(style_features, combination):
        channels, size = 3, rows * cols
        return tf.reduce_sum(tf.square(gram_matrix(style_features) - gram_matrix(combination))) / (
            4.0 * (channels**2) * (size**2)
        )

    def content_loss(base, combination):
        return tf.reduce_sum(tf.square(combination - base))

    def total_variation_loss(x):
        a = tf.square(x[:, : rows - 1, : cols - 1, :] - x[:, 1:, : cols - 1, :])
        b = tf.square(x[:, : rows - 1, : cols - 1, :] - x[:, : rows - 1, 1:, :])
        return tf.reduce_sum(tf.pow(a + b, 1.25))

    base = from_unit(tf.constant(content[None]))
    style_reference = from_unit(tf.constant(style[None]))

    def compute_loss(combination, base_image, style_image):
        features = extractor(to_unit(tf.concat([base_image, style_image, combination], axis=0)))
        loss = tf.zeros(shape=())
        layer = features[content_layer]
        loss = loss + weights["content_weight"] * content_loss(layer[0], layer[2])
        for name in style_layers:
            layer = features[name]
            loss += (weights["style_weight"] / len(style_layers)) * style_loss(layer[1], layer[2])
        return loss + weights["tv_weight"] * total_variation_loss(combination)

    @tf.function
    def compute_loss_and_grads(combination, base_image, style_image):
        with tf.GradientTape() as tape:
            loss = compute_loss(combination, base_image, style_image)
        return loss, tape.gradient(loss, combination)

    import keras

    optimizer = keras.optimizers.SGD(
        keras.optimizers.schedules.ExponentialDecay(initial_learning_rate=100.0, decay_steps=100, decay_rate=0.96)
    )
    combination = tf.Variable(base)
    losses, start, compile_seconds = [], None, 0.0
    bar = keras.utils.Progbar(iterations, stateful_metrics=["loss"])
    for i in range(iterations):
        t = time.perf_counter()
        loss, grads = compute_loss_and_grads(combination, base, style_reference)
        optimizer.apply_gradients([(grads, combination)])
        losses.append(float(loss))
        if start is None:
            compile_seconds, start = time.perf_counter() - t, time.perf_counter()
        bar.update(i + 1, [("loss", losses[-1])])
    seconds = time.perf_counter() - start
    image = np.clip(to_unit(combination)[0].numpy(), 0.0, 1.0)
    return {"losses": losses, "seconds": seconds, "compile_seconds": compile_seconds, "image": image}


def at_milestones(losses, milestones=MILESTONES):
    return {str(m): losses[m - 1] for m in milestones if m <= len(losses)}


def part_optimisation(args, out_dir):
    import numpy as np
    import skimage.data

    from kerasdl.apps.stylize.data import centre_crop, default_style, resize_shorter
    from kerasdl.apps.stylize.figures import loss_curves_figure
    from kerasdl.apps.stylize.optimize import optimize_image
    from kerasdl.data.images import load_image, save_png
    from kerasdl.image_panels import show_image
    from kerasdl.losses.style import CONTENT_WEIGHT, STYLE_WEIGHT, TV_WEIGHT, GatysLoss
    from kerasdl.models.style import CONTENT_LAYER, STYLE_LAYERS, style_feature_extractor
    from kerasdl.training.hardware import resolve_jit_compile

    size = args.size
    content = centre_crop(resize_shorter(skimage.data.astronaut().astype(np.float32) / 255.0, size), size)
    style = centre_crop(resize_shorter(load_image(default_style()), size), size)
    extractor = style_feature_extractor()
    weights = {"content_weight": CONTENT_WEIGHT, "style_weight": STYLE_WEIGHT, "tv_weight": TV_WEIGHT}
    print(f"keras.io procedure: {args.keras_io_iterations} SGD iterations at {size}x{size}", flush=True)
    reference = keras_io_procedure(
        extractor,
        content,
        style,
        iterations=args.keras_io_iterations,
        style_layers=STYLE_LAYERS,
        content_layer=CONTENT_LAYER,
        weights=weights,
    )
    gatys = GatysLoss(extractor, style, style_layers=STYLE_LAYERS, content_layer=CONTENT_LAYER, **weights)
    targets = gatys.content_targets(content[None])
    same_start = float(gatys(content[None], targets)[0])
    print(f"ours: L-BFGS, {args.evaluations} evaluations", flush=True)
    ours = optimize_image(lambda x: gatys(x, targets)[0], content, evaluations=args.evaluations)
    keras_best = np.minimum.accumulate(reference["losses"]).tolist()
    target = keras_best[-1]
    reached = next((i + 1 for i, v in enumerate(ours.best_losses) if v <= target), None)
    keras_per_eval = reference["seconds"] / max(len(reference["losses"]) - 1, 1)
    ours_per_eval = ours.seconds / max(ours.evaluations - 1, 1)
    save_png(reference["image"], out_dir / "keras_io_result.png")
    save_png(ours.image, out_dir / "lbfgs_result.png")
    curves = loss_curves_figure(
        {"keras.io (SGD, lr 100)": keras_best, "ours (L-BFGS)": ours.best_losses},
        out_dir / "loss_curves.png",
        title=f"Gatys loss, {size}x{size}, fixed random VGG-19",
        reference=target,
    )
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.4, 2.9))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 4)
    show_image(axes[0], content, "content")
    show_image(axes[1], style, "style (drawn)")
    show_image(axes[2], reference["image"], f"keras.io, {len(reference['losses'])} it.")
    show_image(axes[3], ours.image, f"L-BFGS, {ours.evaluations} ev.")
    fig.tight_layout()
    from kerasdl.files import save_figure

    panels = save_figure(fig, out_dir / "optimisation_panels.png")
    return {
        "image_size": size,
        "content": "scikit-image astronaut (centre square)",
        "style": "kerasdl's drawn swirls (kerasdl.apps.stylize.data.draw_style, seed 0)",
        "feature_network": "VGG-19, He-normal random weights from NumPy seed 0 (style_feature_extractor())",
        "loss": "keras.io's: content 2.5e-8 (block5_conv2), style 1e-6 (block1..5_conv1), total variation 1e-6",
        "start_loss": {"keras_io": reference["losses"][0], "ours": same_start},
        "keras_io": {
            "iterations": len(reference["losses"]),
            "loss_at": at_milestones(keras_best),
            "final_loss": target,
            "seconds_per_evaluation": keras_per_eval,
            "compile_seconds": reference["compile_seconds"],
        },
        "ours": {
            "evaluations": ours.evaluations,
            "loss_at": at_milestones(ours.best_losses),
            "final_loss": ours.loss,
            "seconds_per_evaluation": ours_per_eval,
            "compile_seconds": ours.compile_seconds,
            "evaluations_to_reach_keras_io_final": reached,
            "xla": resolve_jit_compile(None),
        },
        "figures": {"loss curves": str(curves), "panels": str(panels)},
    }


def part_stylizer(args, out_dir):
    from kerasdl.apps import Stylize

    task = Stylize(run_dir=ROOT / "runs" / "bench" / "style_transfer")  # checkpoints stay out of the results
    settings = {"image_size": args.size, "epochs": args.epochs, "steps_per_epoch": args.steps, "verbose": 2}
    trained = task.train(**settings)
    evaluation = task.evaluate(evaluations=args.evaluations, figure=out_dir / "stylizer_panels.png")
    mean = evaluation.metrics["mean"]
    return {
        "train": {**settings, "seconds": trained.seconds, "parameters": trained.parameters},
        "test": evaluation.metrics["data"],
        "stylizer_loss": mean["stylizer_loss"],
        "optimized_loss": mean["optimized_loss"],
        "optimized_evaluations": args.evaluations,
        "loss_ratio": mean["stylizer_loss"] / mean["optimized_loss"],
        "stylizer_seconds_per_image": mean["stylizer_seconds"],
        "optimized_seconds_per_image": mean["optimized_seconds"],
        "speedup": mean["optimized_seconds"] / max(mean["stylizer_seconds"], 1e-9),
        "figure": str(out_dir / "stylizer_panels.png"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny images, few evaluations")
    parser.add_argument("--size", type=int, default=None, help="image side (default 128; 32 with --quick)")
    parser.add_argument("--keras-io-iterations", type=int, default=None, help="default 4000 (40 with --quick)")
    parser.add_argument("--evaluations", type=int, default=None, help="ours, default 1000 (10 with --quick)")
    parser.add_argument("--epochs", type=int, default=None, help="stylizer epochs (default: the recipe's 10)")
    parser.add_argument("--steps", type=int, default=None, help="stylizer steps per epoch (default 100)")
    args = parser.parse_args()
    quick = args.quick
    args.size = args.size or (32 if quick else 128)
    args.keras_io_iterations = args.keras_io_iterations or (40 if quick else 4000)
    args.evaluations = args.evaluations or (10 if quick else GOAL_EVALUATIONS)
    args.epochs = args.epochs or (1 if quick else 10)
    args.steps = args.steps or (2 if quick else 100)
    name = "style_transfer_quick" if quick else "style_transfer"
    out = RESULTS / f"{name}.json"
    out_dir = RESULTS / name
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "quick": quick}
    results["optimisation"] = part_optimisation(args, out_dir)
    write_results(out, results)
    results["fast_stylizer"] = part_stylizer(args, out_dir)
    opt, fast = results["optimisation"], results["fast_stylizer"]
    reached = opt["ours"]["evaluations_to_reach_keras_io_final"]
    results["goals"] = {
        "lbfgs_reaches_keras_io_final_loss_within_1000_evaluations": reached is not None
        and reached <= GOAL_EVALUATIONS,
        "evaluations_to_reach": reached,
        "seconds_per_evaluation_ratio_ours_over_keras_io": opt["ours"]["seconds_per_evaluation"]
        / opt["keras_io"]["seconds_per_evaluation"],
        "stylizer_loss_within_1.5x_of_optimised": fast["loss_ratio"] <= GOAL_LOSS_RATIO,
        "stylizer_100x_faster_per_image": fast["speedup"] >= GOAL_SPEEDUP,
    }
    write_results(out, results)
    print(results["goals"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
