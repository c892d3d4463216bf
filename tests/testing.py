"""The shared test harness for builders, after keras-hub's ``TestCase.run_backbone_test``.

Every registered builder, whatever its family, gets the same checks::

    from tests.testing import run_builder_test

    run_builder_test(
        edsr,
        init_kwargs={"scale": 2, "num_blocks": 1, "filters": 4},
        input_data=np.zeros((2, 6, 7, 3), "float32"),
        expected_output_shape=(2, 12, 14, 3),
    )

The model is built, run, rebuilt from its config, saved to ``.keras`` and reloaded in
safe mode (so every custom layer must be registered and serialisable), and built again
through the registry.
"""

from __future__ import annotations

import os
import tempfile
import types

import keras
import numpy as np

from kerasdl import registry


def registered_name(builder) -> str:
    """The registry name under which ``builder`` was registered."""
    names = [name for name in registry.list_models() if registry.model_entry(name).builder is builder]
    assert names, f"{getattr(builder, '__name__', builder)!r} is not in the model registry"
    assert len(names) == 1, f"{builder!r} is registered under several names: {names}"
    return names[0]


def _shape(tensor):
    return tuple(int(d) for d in keras.ops.shape(tensor))


def _shapes(outputs):
    """Output shapes in the outputs' own structure: a tuple, or a list/dict of tuples."""
    if isinstance(outputs, dict):
        return {k: _shape(v) for k, v in outputs.items()}
    if isinstance(outputs, (list, tuple)):
        return [_shape(v) for v in outputs]
    return _shape(outputs)


def _as_shapes(expected, outputs):
    """``expected_output_shape`` normalised like :func:`_shapes` (shapes are the leaves)."""
    if isinstance(outputs, dict):
        return {k: tuple(v) for k, v in expected.items()}
    if isinstance(outputs, (list, tuple)):
        return [tuple(v) for v in expected]
    return tuple(expected)


def _numpy(outputs):
    return [np.asarray(keras.ops.convert_to_numpy(t)) for t in keras.tree.flatten(outputs)]


def assert_same_outputs(expected, actual, *, atol, what):
    expected, actual = _numpy(expected), _numpy(actual)
    assert len(expected) == len(actual), f"{what}: {len(actual)} outputs, expected {len(expected)}"
    for i, (e, a) in enumerate(zip(expected, actual)):
        assert e.shape == a.shape, f"{what}: output {i} has shape {a.shape}, expected {e.shape}"
        np.testing.assert_allclose(a, e, atol=atol, rtol=0, err_msg=f"{what}: output {i} differs")


def run_builder_test(
    builder,
    *,
    init_kwargs,
    input_data,
    expected_output_shape,
    registry_name=None,
    atol=1e-6,
):
    """Runs the standard checks on a builder and returns the model it built.

    Args:
        builder: the builder function (as registered with ``kerasdl.register_model``).
        init_kwargs: keyword arguments for the builder (and for ``get_model``).
        input_data: what the model is called on: an array, or a list/dict for several inputs.
        expected_output_shape: the output's shape, batch included; a matching
            list/dict of shapes for several outputs.
        registry_name: the name in the registry; by default looked up from ``builder``.
        atol: tolerance between the original and the reloaded model's outputs.

    Checks:
        * the builder returns a ``keras.Model`` whose output on ``input_data`` has
          ``expected_output_shape`` and finite values;
        * ``Model.from_config(model.get_config())`` rebuilds the same architecture;
        * a ``.keras`` round trip with ``safe_mode=True`` gives the same outputs;
        * ``kerasdl.get_model(name, **init_kwargs)`` builds a model with the same
          parameter count;
        * built under a ``mixed_float16`` policy, its outputs are still float32 (the last
          layer stays float32, so losses and softmaxes see full precision); a headless
          model (``include_top=False``) hands features on in the compute dtype instead.
    """
    model = builder(**init_kwargs)
    assert isinstance(model, keras.Model), f"builder returned {type(model).__name__}, not a keras.Model"
    outputs = model(input_data, training=False)
    assert _shapes(outputs) == _as_shapes(expected_output_shape, outputs), (
        f"output shape {_shapes(outputs)} != expected {expected_output_shape}"
    )
    for i, array in enumerate(_numpy(outputs)):
        assert np.all(np.isfinite(array)), f"output {i} has non-finite values"
    params = model.count_params()
    assert params > 0

    # Config round trip: the architecture is fully described by get_config().
    revived = model.__class__.from_config(model.get_config())
    assert revived.count_params() == params
    assert [type(layer).__name__ for layer in revived.layers] == [type(layer).__name__ for layer in model.layers]

    # .keras round trip in safe mode: weights and custom layers survive.
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        restored = keras.saving.load_model(path, safe_mode=True)
    assert restored.count_params() == params
    assert_same_outputs(outputs, restored(input_data, training=False), atol=atol, what="reloaded .keras model")

    # The registry builds the same model by name.
    name = registry_name or registered_name(builder)
    from_registry = registry.get_model(name, **init_kwargs)
    assert isinstance(from_registry, keras.Model)
    assert from_registry.count_params() == params, (
        f"get_model({name!r}) has {from_registry.count_params()} parameters, the builder {params}"
    )
    if init_kwargs.get("include_top", True):
        assert_float32_outputs_under_mixed_precision(builder, init_kwargs)
    return model


def assert_float32_outputs_under_mixed_precision(builder, init_kwargs):
    """The model built under ``mixed_float16`` outputs float32; returns it."""
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        mixed = builder(**init_kwargs)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    dtypes = [str(getattr(t, "dtype", "")) for t in keras.tree.flatten(mixed.outputs)]
    assert all(d == "float32" for d in dtypes), f"outputs under mixed_float16 are {dtypes}, not float32"
    return mixed


# --- parity with a reference implementation (keras.applications) ---


def lively_weights(model, *, seed, gain):
    """Seeded weights that keep activations of order one, so ``atol=1e-5`` means something.

    Keras' default initialisation shrinks MobileNet's outputs to ~1e-21 and VGG's to ~1e-3,
    where any two models agree within 1e-5. Here kernels are normal with variance
    ``gain / fan_in`` (2 for plain ReLU stacks, 1 for deep residual ones), and batch-norm
    statistics and biases are random but mild, so every weight's place matters.
    """
    rng = np.random.default_rng(seed)
    layer_of = {layer.name: layer for layer in model.layers}
    values = []
    for variable in model.weights:
        layer_name, kind = variable.path.split("/")[-2:]
        shape = tuple(variable.shape)
        if kind == "kernel":
            depthwise = isinstance(layer_of[layer_name], keras.layers.DepthwiseConv2D)
            fan_in = np.prod(shape[:2]) if depthwise else np.prod(shape[:-1])
            values.append(rng.normal(0.0, np.sqrt(gain / fan_in), shape))
        elif kind in ("gamma", "moving_variance"):
            values.append(rng.uniform(0.8, 1.2, shape))
        else:  # bias, beta, moving_mean
            values.append(rng.normal(0.0, 0.05, shape))
    return [v.astype("float32") for v in values]


def reference_case(builder, reference, *, include_top, folder, gain, input_shape=(32, 32, 3), seed=0):
    """A keras.applications model with lively weights, its outputs on a seeded batch, its weights file.

    Both models are built with the same arguments; the classifier gives logits, which are
    more telling than near-uniform softmax outputs. ``folder=None`` saves no weights file
    (``path`` is None).
    """
    kwargs = {"include_top": include_top, "input_shape": input_shape, "classifier_activation": None}
    ref = reference(weights=None, **kwargs)
    ref.set_weights(lively_weights(ref, seed=seed, gain=gain))
    x = np.random.default_rng(seed).random((2, *input_shape), dtype=np.float32)
    expected = keras.ops.convert_to_numpy(ref(x, training=False))
    assert expected.std() > 1e-2, "outputs too small for the comparison to mean anything"
    path = None if folder is None else folder / f"{reference.__name__}.weights.h5"
    if path is not None:
        ref.save_weights(path)
    return types.SimpleNamespace(builder=builder, reference=ref, kwargs=kwargs, x=x, expected=expected, path=path)


def _weighted_layers(model):
    return [(layer.name, [tuple(w.shape) for w in layer.weights]) for layer in model.layers if layer.weights]


def assert_same_structure(ours, ref):
    """Same parameter counts (trainable ones too) and weighted layers: names and shapes, in the same order."""
    assert ours.count_params() == ref.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in ours.trainable_weights)
    assert trainable == sum(int(np.prod(w.shape)) for w in ref.trainable_weights)
    assert _weighted_layers(ours) == _weighted_layers(ref)


def assert_matches_reference(case):
    """Same parameter counts, weighted layers in the same order, and after ``set_weights`` the same outputs.

    Returns our model, with the reference's weights.
    """
    ours, ref = case.builder(**case.kwargs), case.reference
    assert_same_structure(ours, ref)
    ours.set_weights(ref.get_weights())
    actual = keras.ops.convert_to_numpy(ours(case.x, training=False))
    np.testing.assert_allclose(actual, case.expected, atol=1e-5, rtol=0)
    return ours


def assert_loads_reference_file(case):
    """A ``.weights.h5`` file saved from keras.applications loads with ``weights=<path>``."""
    ours = case.builder(weights=str(case.path), **case.kwargs)
    actual = keras.ops.convert_to_numpy(ours(case.x, training=False))
    np.testing.assert_allclose(actual, case.expected, atol=1e-5, rtol=0)


def forbid_reference(monkeypatch, name):
    """Replaces ``keras.applications.<name>``, so a test fails if the ImageNet branch runs."""

    def forbidden(**kwargs):
        raise AssertionError(f"keras.applications.{name} was called: the ImageNet branch ran")

    monkeypatch.setattr(keras.applications, name, forbidden)
