"""Quantized LiteRT variants: converted, checked against the Keras model, and measured.

LiteRT's converter offers three post-training quantizations beside the float32 file:

- ``dynamic``: int8 weights, float activations quantized on the fly (no calibration);
- ``float16``: float16 weights (half the file; computed in float32 on most CPUs);
- ``int8``: weights and activations int8, the activation ranges calibrated on a
  representative dataset the app draws from its training data. Ops without an int8
  kernel stay float (listed as ``float_ops``); ``integer_io`` makes the input and output
  int8 too, for microcontrollers.

Each variant written is measured on the same inputs: file size, batch-1 latency with a fixed
number of XNNPACK threads, and the app's own quality metric (PSNR, accuracy, BLEU...) on its
evaluation data, beside the Keras model's. A variant that loses more than ``max_loss``
refuses the export.
"""

from __future__ import annotations

import dataclasses
import math
import os
import pathlib
import statistics
import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from kerasdl.errors import UserInputError

VARIANTS = ("none", "dynamic", "float16", "int8")
FILES = {
    "none": "model.tflite",
    "dynamic": "model_dynamic.tflite",
    "float16": "model_float16.tflite",
    "int8": "model_int8.tflite",
}
# Parity of a variant with the Keras model: max |diff| within this fraction of the largest |output|
# on the parity inputs. It catches a broken file (garbage weights, a dropped op), not a small loss:
# the quality metric and max_loss judge that.
RELATIVE_TOLERANCE = {"float16": 0.01, "dynamic": 0.1, "int8": 0.2}
MASK_SCALE = 1e3  # an int8 step this large spans about 2.5e5: no activation's range, a mask's fill value
LATENCY_THREADS = 2
LATENCY_REPEATS = 20
CALIBRATION_SAMPLES = 200


class QuantizationLossError(UserInputError):
    """A quantized variant loses more of the app's metric than allowed; nothing is exported."""


def parse_quantize(value) -> tuple[str, ...]:
    """The variants to write from ``"int8"``, ``"dynamic,int8"``, a list, or None.

    The float32 file (``none``) is always written: it is what the others are measured against.

    Args:
        value: Variant names, as a comma-separated string or a sequence.

    Returns:
        The variants in a fixed order, ``"none"`` first.

    Raises:
        UserInputError: An unknown name.
    """
    if value is None:
        return ("none",)
    items = value.split(",") if isinstance(value, str) else [n for v in value for n in str(v).split(",")]
    names = {n.strip().lower() for n in items if n.strip()}
    unknown = sorted(names - set(VARIANTS))
    if unknown:
        raise UserInputError(f"--quantize takes {', '.join(VARIANTS)} (comma-separated); got {', '.join(unknown)}")
    return tuple(v for v in VARIANTS if v in names | {"none"})


@dataclasses.dataclass(frozen=True)
class LiteRTQuality:
    """How an app scores a LiteRT file on its own evaluation data (see ``Task._litert_quality``).

    Attributes:
        metric: The metric's name, e.g. ``"psnr_db"`` or ``"accuracy"``.
        data: What it is scored on, for the report (``"Set5 x3, 5 images"``).
        score: ``score(predict) -> float``: the metric of ``predict``, a function from one float32
            input batch (the model's input, batch 1 is enough) to its output as numpy.
        representative: Yields float32 input batches from the training data (int8 calibration).
        latency_input: One batch-1 input for the latency.
        max_loss: The default refusal threshold, in ``unit``.
        unit: ``"dB"`` or ``"points"``.
        points_per_unit: Multiplies a difference of the metric into ``unit`` (100 for a fraction).
        parity_inputs: Realistic inputs for the parity check (default: the export's samples).
        higher_is_better: False for a metric such as a Fréchet distance: a variant's loss is then
            how much it rose.
        calibration: What calibrates int8, for ``metadata.json`` (default: training samples).
        refused: ``{variant: why}`` for variants the app's model cannot take (an input that must
            not be quantized); asking for one is refused with that reason before anything is written.
    """

    metric: str
    data: str
    score: Callable[[Callable[[np.ndarray], np.ndarray]], float]
    representative: Callable[[], Iterable[np.ndarray]]
    latency_input: np.ndarray
    max_loss: float
    unit: str = "points"
    points_per_unit: float = 1.0
    parity_inputs: np.ndarray | None = None
    higher_is_better: bool = True
    calibration: str | None = None
    refused: dict = dataclasses.field(default_factory=dict)

    def loss(self, reference: float, value: float) -> float:
        """How much worse ``value`` is than ``reference``, in ``unit`` (negative: better)."""
        worse = reference - value if self.higher_is_better else value - reference
        return round(worse * self.points_per_unit, 4) + 0.0


def accuracy_quality(
    inputs, labels, calibration, *, data: str, batch_size: int = 64, max_examples: int = 2000
) -> LiteRTQuality:
    """A classifier's :class:`LiteRTQuality`: accuracy on ``inputs`` (in points), int8 calibrated on ``calibration``.

    Args:
        inputs: float32 model inputs of the evaluation data: one array (a seeded ``max_examples``
            of its rows are scored), or a list of batches (scored as given, e.g. token ids padded
            per batch).
        labels: their class indices.
        calibration: float32 model inputs of the training data: an array (a seeded
            ``CALIBRATION_SAMPLES`` of its rows calibrate int8) or a list of batch-1 arrays.
        data: what ``inputs`` are, for the report.
        batch_size: rows per call of the model, for an array.
        max_examples: at most this many evaluation rows of an array (the variants are compared
            on the same ones).
    """
    labels = np.asarray(labels)
    if isinstance(inputs, np.ndarray):
        keep = np.sort(np.random.default_rng(0).permutation(len(labels))[:max_examples])
        inputs, labels = np.asarray(inputs, np.float32)[keep], labels[keep]
        inputs = [inputs[i : i + batch_size] for i in range(0, len(inputs), batch_size)]
    batches = [np.asarray(b, np.float32) for b in inputs]
    if isinstance(calibration, np.ndarray):
        order = np.random.default_rng(0).permutation(len(calibration))[:CALIBRATION_SAMPLES]
        calibration = [np.asarray(calibration[i : i + 1], np.float32) for i in order]

    def score(predict) -> float:
        outputs = np.concatenate([predict(batch) for batch in batches])
        return float(np.mean(np.argmax(outputs, axis=-1) == labels))

    return LiteRTQuality(
        metric="accuracy",
        data=f"{data}, {len(labels)} examples",
        score=score,
        representative=lambda: iter(calibration),
        latency_input=batches[0][:1],
        max_loss=1.0,
        unit="points",
        points_per_unit=100.0,
        parity_inputs=batches[0][:8],
    )


class LiteRTRunner:
    """A .tflite file as a function of float32 batches (int8/uint8 inputs and outputs (de)quantized).

    Args:
        path: The .tflite file.
        num_threads: XNNPACK threads.
    """

    def __init__(self, path: str | os.PathLike, *, num_threads: int = LATENCY_THREADS):
        from ai_edge_litert.interpreter import Interpreter

        self.path = pathlib.Path(path)
        self.num_threads = num_threads
        self._interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self._shape = None

    def _prepare(self, shape):
        if shape != self._shape:
            index = self._input["index"]
            if tuple(self._input["shape"]) != shape or self._shape is not None:
                self._interpreter.resize_tensor_input(index, list(shape))
            self._interpreter.allocate_tensors()
            self._shape = shape

    def set_input(self, x) -> None:
        """Sets the input (quantized when the file takes integers)."""
        x = np.asarray(x, dtype=np.float32)
        self._prepare(tuple(x.shape))
        dtype = self._input["dtype"]
        if np.issubdtype(dtype, np.integer):
            scale, zero = self._input["quantization"]
            info = np.iinfo(dtype)
            x = np.clip(np.round(x / scale + zero), info.min, info.max)
        self._interpreter.set_tensor(self._input["index"], x.astype(dtype))

    def invoke(self) -> None:
        """Runs the set input."""
        self._interpreter.invoke()

    def output(self) -> np.ndarray:
        """The output as float32 (dequantized when the file gives integers)."""
        y = np.array(self._interpreter.get_tensor(self._output["index"]))
        if np.issubdtype(y.dtype, np.integer):
            scale, zero = self._output["quantization"]
            y = (y.astype(np.float32) - zero) * scale
        return y.astype(np.float32)

    def __call__(self, x) -> np.ndarray:
        self.set_input(x)
        self.invoke()
        return self.output()


def _converter(model, spec, variant: str, *, representative=None, integer_io: bool = False):
    import tensorflow as tf

    from kerasdl.export.litert import concrete_converter

    converter = concrete_converter(model, spec)
    if variant == "none":
        return converter
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "float16":
        converter.target_spec.supported_types = [tf.float16]
    elif variant == "int8":
        if representative is None:
            raise ValueError("int8 needs a representative dataset")
        converter.representative_dataset = lambda: ([np.asarray(x, np.float32)] for x in representative())
        # int8 kernels where they exist; ops without one stay float (listed by float_ops)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8, tf.lite.OpsSet.TFLITE_BUILTINS]
        if integer_io:
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
    return converter


def _mask_ranged(content: bytes) -> list[str]:
    """The tensors of an int8 file whose int8 step exceeds ``MASK_SCALE``: they hold a mask's fill value."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(
        model_content=content, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    )
    return sorted(t["name"] for t in interpreter.get_tensor_details() if t["quantization"][0] > MASK_SCALE)


def convert_variant(model, spec, variant: str, *, representative=None, integer_io: bool = False) -> tuple[bytes, list]:
    """One LiteRT file of ``variant`` (``none``, ``dynamic``, ``float16``, ``int8``).

    int8 with a masked attention: Keras fills masked scores with the float32 minimum, and the
    converter gives the fill, the scores and what follows one int8 range of about 1e38, in which
    every score rounds to the same level (a translator's BLEU fell from 67.6 to 2.7). Those
    tensors, found by their int8 step, are converted again kept in float, with the softmax, by
    ``tf.lite.experimental.QuantizationDebugger`` (the converter's selective quantization).

    Returns:
        ``(file content, the tensors kept float because of a mask)``.
    """
    import tensorflow as tf

    options = {"representative": representative, "integer_io": integer_io}
    content = _converter(model, spec, variant, **options).convert()
    if variant != "int8":
        return content, []
    masked = _mask_ranged(content)
    if not masked:
        return content, []
    converter = _converter(model, spec, variant, **options)  # a fresh one: a converted converter cannot debug
    debugger = tf.lite.experimental.QuantizationDebugger(
        converter=converter,
        debug_dataset=converter.representative_dataset,
        debug_options=tf.lite.experimental.QuantizationDebugOptions(
            denylisted_nodes=masked, denylisted_ops=["SOFTMAX"]
        ),
    )
    return debugger.get_nondebug_quantized_model(), masked


def _convert(model, spec, variant: str, **options) -> bytes:
    return convert_variant(model, spec, variant, **options)[0]


def float_ops(path: str | os.PathLike) -> list[str]:
    """The ops of a quantized file that compute in float (inputs of float32 type), besides (de)quantize.

    Read from the interpreter without its default delegate, so XNNPACK's fused node does not
    hide the ops.

    Returns:
        Sorted op names, e.g. ``["RESIZE_BILINEAR"]``; empty when everything is integer.
    """
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(
        model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    )
    dtypes = {t["index"]: t["dtype"] for t in interpreter.get_tensor_details()}
    found = set()
    for op in interpreter._get_ops_details():  # noqa: SLF001 - the only per-op view LiteRT offers
        if op["op_name"] in ("QUANTIZE", "DEQUANTIZE"):
            continue
        if any(i >= 0 and dtypes.get(i) == np.float32 for i in op["inputs"]):
            found.add(op["op_name"])
    return sorted(found)


def batch1_latency_ms(fn: Callable[[], object], *, repeats: int = LATENCY_REPEATS, warmup: int = 3) -> float:
    """Median wall time of ``fn()`` in milliseconds, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def runner_latency_ms(runner: LiteRTRunner, x, *, repeats: int = LATENCY_REPEATS) -> float:
    """Batch-1 latency of a LiteRT file: ``invoke`` alone, the input already set."""
    runner.set_input(x)
    return batch1_latency_ms(runner.invoke, repeats=repeats)


def keras_latency_ms(model, x, *, repeats: int = LATENCY_REPEATS) -> float:
    """Batch-1 latency of Keras ``model.predict`` on the same input."""
    return batch1_latency_ms(lambda: model.predict(x, verbose=0), repeats=repeats)


def _parity(model_fn, runner: LiteRTRunner, inputs, variant: str, atol: float) -> tuple[float, float]:
    expected, worst, scale = [], 0.0, 0.0
    for i in range(len(inputs)):
        x = inputs[i : i + 1]
        want = np.asarray(model_fn(x), np.float64)
        got = runner(x).astype(np.float64)
        if want.shape != got.shape:
            return float("inf"), 0.0
        expected.append(want)
        worst = max(worst, float(np.max(np.abs(want - got))) if want.size else 0.0)
        scale = max(scale, float(np.max(np.abs(want))) if want.size else 0.0)
    tolerance = atol if variant == "none" else max(atol, RELATIVE_TOLERANCE[variant] * scale)
    return worst, tolerance


def measure_variants(
    model,
    folder: pathlib.Path,
    spec,
    variants: Sequence[str],
    *,
    quality: LiteRTQuality | None,
    sample_inputs,
    integer_io: bool = False,
    max_loss: float | None = None,
    atol: float = 1e-4,
    threads: int = LATENCY_THREADS,
    repeats: int = LATENCY_REPEATS,
    artifact: str = "",
    float_converter: str = "concrete_function",
) -> dict:
    """Writes the quantized variants beside ``model.tflite`` and measures every LiteRT file.

    Args:
        model: The Keras model.
        folder: The version folder; ``model.tflite`` (the float file) is already in it.
        spec: The LiteRT input ``tf.TensorSpec``.
        variants: What ``parse_quantize`` returned.
        quality: The app's metric on its evaluation data; None: size, latency and parity only.
        sample_inputs: The parity inputs when ``quality`` has none.
        integer_io: int8 input and output for the int8 file.
        max_loss: The largest loss allowed (in the metric's unit); None: the app's default.
        atol: The float file's parity tolerance.
        threads: XNNPACK threads for every measurement.
        repeats: Latency repeats (median).
        artifact: How errors name the export.
        float_converter: What wrote ``model.tflite`` (``write_tflite``'s answer): from the
            variants' own converter, its size is the reference; else one is converted for it.

    Returns:
        The ``metadata.json`` entry ``"litert"``.

    Raises:
        ExportParityError: A variant's outputs are outside its tolerance.
        QuantizationLossError: A variant loses more than ``max_loss``.
    """
    import keras

    from kerasdl.errors import ExportParityError
    from kerasdl.export.parity import keras_reference

    def model_fn(x):
        return keras_reference(model, x)

    if quality is not None:
        for variant in variants:
            if variant in quality.refused:
                raise UserInputError(f"--quantize {variant}: {quality.refused[variant]}")
        representative = quality.representative
        calibration = quality.calibration or f"{CALIBRATION_SAMPLES} samples of the training data at most, seeded"
        parity_inputs = quality.parity_inputs if quality.parity_inputs is not None else sample_inputs
        latency_input = quality.latency_input
    else:
        parity_inputs = np.asarray(keras.ops.convert_to_numpy(sample_inputs), np.float32)
        latency_input = parity_inputs[:1]

        def representative():
            return (parity_inputs[i : i + 1] for i in range(len(parity_inputs)))

        calibration = "the parity samples (the app gives no training samples)"
    parity_inputs = np.asarray(parity_inputs, np.float32)
    latency_input = np.asarray(latency_input, np.float32)
    limit = quality.max_loss if (quality is not None and max_loss is None) else max_loss

    result: dict = {
        "threads": threads,
        "latency": f"median of {repeats} batch-1 runs, input {list(latency_input.shape)}",
        "keras": {"latency_ms": round(keras_latency_ms(model, latency_input, repeats=repeats), 3)},
        "variants": {},
    }
    if quality is not None:
        result.update(
            metric=quality.metric,
            data=quality.data,
            unit=quality.unit,
            higher_is_better=quality.higher_is_better,
            max_loss=limit if math.isfinite(limit) else None,  # None: no limit (strict JSON has no Infinity)
            calibration=calibration,
        )
        result["keras"][quality.metric] = float(quality.score(model_fn))
    elif len(variants) > 1:
        result["calibration"] = calibration
    for variant in variants:
        path = folder / FILES[variant]
        masked = []
        if variant != "none":
            content, masked = convert_variant(
                model, spec, variant, representative=representative, integer_io=integer_io and variant == "int8"
            )
            path.write_bytes(content)
        runner = LiteRTRunner(path, num_threads=threads)
        worst, tolerance = _parity(model_fn, runner, parity_inputs, variant, atol)
        if not worst <= tolerance:
            raise ExportParityError(
                f"{artifact} {path.name}: outputs differ from Keras by {worst:.3g} > tolerance {tolerance:.3g}"
            )
        entry = {
            "file": path.name,
            "bytes": path.stat().st_size,
            "latency_ms": round(runner_latency_ms(runner, latency_input, repeats=repeats), 3),
            "parity_max_abs_diff": worst,
            "parity_tolerance": tolerance,
        }
        if variant == "int8":
            entry["float_ops"] = float_ops(path)  # ops without an int8 kernel, left float
            entry["integer_io"] = bool(integer_io)
            if masked:  # see convert_variant
                entry["kept_float_for_attention_masks"] = len(masked)
        if quality is not None:
            value = float(quality.score(runner))
            entry[quality.metric] = value
            entry["loss"] = quality.loss(result["keras"][quality.metric], value)
        result["variants"][variant] = entry
    # Sizes are compared with the float32 file of the converter the variants come from: the shipped
    # model.tflite may come from Keras' own exporter, which can store more than the weights.
    if float_converter == "concrete_function":
        reference = result["variants"]["none"]["bytes"]
    else:
        reference = len(_convert(model, spec, "none"))
    result["float32_bytes_same_converter"] = reference
    for entry in result["variants"].values():
        entry["size_ratio"] = round(entry["bytes"] / reference, 4)
        entry["latency_ratio_keras"] = round(entry["latency_ms"] / max(result["keras"]["latency_ms"], 1e-9), 4)
    if quality is not None:
        for variant, entry in result["variants"].items():
            if variant != "none" and entry["loss"] > limit:
                change = "loses" if quality.higher_is_better else "worsens"
                raise QuantizationLossError(
                    f"the {variant} LiteRT variant {change} {quality.metric} by {entry['loss']:.3g} {quality.unit} "
                    f"on {quality.data} (keras {result['keras'][quality.metric]:.4g}, {variant} "
                    f"{entry[quality.metric]:.4g}) > --max-loss {limit:g}; nothing was exported"
                )
    return result


def variants_table(litert: dict) -> str:
    """The variants as a text table: file, size, latency, the metric and its loss."""
    metric = litert.get("metric")
    header = ["variant", "file", "KB", "x float32", "latency ms", "x keras"]
    if metric:
        header += [metric, f"loss ({litert['unit']})"]
    rows = [header]
    keras_row = ["keras", "-", "-", "-", f"{litert['keras']['latency_ms']:.2f}", "1.00"]
    if metric:
        keras_row += [f"{litert['keras'][metric]:.4f}", "-"]
    rows.append(keras_row)
    for variant, e in litert["variants"].items():
        row = [
            variant,
            e["file"],
            f"{e['bytes'] / 1024:.0f}",
            f"{e['size_ratio']:.2f}",
            f"{e['latency_ms']:.2f}",
            f"{e['latency_ratio_keras']:.3g}",
        ]
        if metric:
            row += [f"{e[metric]:.4f}", f"{e['loss']:+.3f}"]
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    note = f"LiteRT variants ({litert['threads']} XNNPACK threads; latency: {litert['latency']}"
    note += f"; {metric} on {litert['data']})" if metric else ")"
    note += f"\n(x float32: the size over {litert['float32_bytes_same_converter'] / 1024:.0f} KB, the float32 file of the same converter)"
    return "\n".join([note, *lines])
