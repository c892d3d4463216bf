"""``kerasdl.load_model``: every `.keras` file kerasdl writes loads without importing an app or a builder.

Tiny models use each serialisable object kerasdl defines for its apps (the caption-grouping and
image-preprocessing layers, the masked loss and accuracy, ``psnr``) and a keras-hub layer; they are
saved here and loaded in one fresh Python process that imports nothing of kerasdl but ``kerasdl``.
"""

import json
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest

import kerasdl
from kerasdl.errors import UserInputError
from kerasdl.layers import CaptionGroups, ImagePreprocessing
from kerasdl.losses import MaskedCrossEntropy
from kerasdl.metrics import MaskedAccuracy, psnr

# Where these objects lived before they moved: `.keras` files written then name these modules.
OLD_MODULES = {
    "kerasdl.layers.caption_groups": "kerasdl.apps.captioning.training",
    "kerasdl.layers.image_preprocessing": "kerasdl.models.captioning.encoders",
    "kerasdl.losses.masked_cross_entropy": "kerasdl.apps.translation.recipes",
    "kerasdl.metrics.masked_accuracy": "kerasdl.apps.translation.recipes",
}

# Loads every model of the manifest with kerasdl.load_model alone; writes outputs and evaluations.
CHILD = """
import json, sys
import numpy as np
import kerasdl

folder = sys.argv[1]
manifest = json.load(open(f"{folder}/manifest.json"))
inputs = np.load(f"{folder}/inputs.npz")
report = {"outputs": {}, "evaluate": {}, "loss": {}}
for name, entry in manifest.items():
    model = kerasdl.load_model(f"{folder}/{name}.keras")
    x = {key: inputs[f"{entry['x']}/{key}"] for key in entry["keys"]} if entry["keys"] else inputs[entry["x"]]
    report["outputs"][name] = np.asarray(model.predict(x, verbose=0)).tolist()
    if entry.get("y"):
        report["evaluate"][name] = model.evaluate(x, inputs[entry["y"]], verbose=0, return_dict=True)
        report["loss"][name] = type(model.loss).__name__
report["kerasdl_modules"] = sorted(m for m in sys.modules if m.startswith("kerasdl."))
print(json.dumps(report))
"""


def _captioning_model():
    """Images and grouped caption ids in, grouped logits out, through both moved layers."""
    image = keras.Input((4, 4, 3), name="image")
    ids = keras.Input((2, 5), dtype="int32", name="caption_ids")
    x = ImagePreprocessing("caffe", name="preprocessing")(image)
    features = keras.layers.Dense(4)(keras.layers.Reshape((16, 3))(x))
    features, flat_ids = CaptionGroups(2, "split", name="split_captions")([features, ids])
    tokens = keras.layers.Embedding(9, 4, mask_zero=True)(flat_ids)
    logits = keras.layers.Dense(9)(keras.layers.Attention()([tokens, features]))
    logits = CaptionGroups(2, "merge", name="merge_captions")(logits)
    return keras.Model({"image": image, "caption_ids": ids}, logits)


def _translation_model():
    """Token ids to next-token logits, compiled with the masked loss and accuracy."""
    ids = keras.Input((6,), dtype="int32")
    model = keras.Model(ids, keras.layers.Dense(11)(keras.layers.Embedding(11, 8)(ids)))
    model.compile(optimizer="adam", loss=MaskedCrossEntropy(label_smoothing=0.1), metrics=[MaskedAccuracy()])
    return model


def _keras_hub_model():
    import keras_hub

    ids = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(11, 8)(ids)
    x = keras_hub.layers.TransformerEncoder(intermediate_dim=16, num_heads=2)(x)
    return keras.Model(ids, keras.layers.Dense(3)(x))


def _image_model():
    """An image-to-image model compiled with the ``psnr`` metric."""
    image = keras.Input((8, 8, 3))
    model = keras.Model(image, keras.layers.Conv2D(3, 3, padding="same", activation="sigmoid")(image))
    model.compile(optimizer="adam", loss="mse", metrics=[psnr])
    return model


def _with_old_modules(source, target):
    """A copy of a `.keras` file whose config names the modules the objects were defined in before."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "config.json":
                text = data.decode()
                for module, before in OLD_MODULES.items():
                    text = text.replace(f'"module": "{module}"', f'"module": "{before}"')
                assert text != data.decode(), f"{source} names none of the moved objects"
                data = text.encode()
            new.writestr(item, data)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """The models, saved; and what a fresh process made of them (``(models, inputs, report)``)."""
    folder = tmp_path_factory.mktemp("saving")
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    inputs = {
        "caption/image": rng.random((3, 4, 4, 3), dtype=np.float32),
        "caption/caption_ids": rng.integers(0, 9, (3, 2, 5)).astype("int32"),
        "ids": rng.integers(0, 11, (4, 6)).astype("int32"),
        "labels": np.concatenate([rng.integers(1, 11, (4, 4)), np.zeros((4, 2), int)], axis=1).astype("int32"),
        "images": rng.random((2, 8, 8, 3), dtype=np.float32),
    }
    translation, image = _translation_model(), _image_model()
    translation.fit(inputs["ids"], inputs["labels"], epochs=2, verbose=0)  # the optimizer state is saved too
    image.fit(inputs["images"], inputs["images"], verbose=0)
    models = {
        "captioning": (_captioning_model(), {"x": "caption", "keys": ["image", "caption_ids"]}),
        "translation": (translation, {"x": "ids", "keys": [], "y": "labels"}),
        "keras_hub": (_keras_hub_model(), {"x": "ids", "keys": []}),
        "image": (image, {"x": "images", "keys": [], "y": "images"}),
    }
    for name, (model, _) in models.items():
        model.save(folder / f"{name}.keras")
    for name in ("captioning", "translation"):
        _with_old_modules(folder / f"{name}.keras", folder / f"{name}_old.keras")
        models[f"{name}_old"] = models[name]
    np.savez(folder / "inputs.npz", **inputs)
    (folder / "manifest.json").write_text(json.dumps({name: entry for name, (_, entry) in models.items()}))
    done = subprocess.run([sys.executable, "-c", CHILD, str(folder)], capture_output=True, text=True, cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return models, inputs, report


def _input(inputs, entry):
    return {key: inputs[f"{entry['x']}/{key}"] for key in entry["keys"]} if entry["keys"] else inputs[entry["x"]]


@pytest.mark.parametrize(
    "name", ["captioning", "translation", "keras_hub", "image", "captioning_old", "translation_old"]
)
def test_fresh_process_loads_the_same_model(saved, name):
    models, inputs, report = saved
    model, entry = models[name]
    expected = np.asarray(model.predict(_input(inputs, entry), verbose=0))
    np.testing.assert_allclose(np.asarray(report["outputs"][name]), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["translation", "image", "translation_old"])
def test_compiled_loss_and_metrics_are_restored(saved, name):
    models, inputs, report = saved
    model, entry = models[name]
    expected = model.evaluate(_input(inputs, entry), inputs[entry["y"]], verbose=0, return_dict=True)
    loaded = report["evaluate"][name]
    assert sorted(loaded) == sorted(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(loaded[key], value, rtol=1e-5, atol=1e-6, err_msg=key)
    if name.startswith("translation"):
        assert report["loss"][name] == "MaskedCrossEntropy"


def test_loading_imports_no_app_and_no_builder(saved):
    loaded = saved[2]["kerasdl_modules"]
    assert not [m for m in loaded if m.startswith(("kerasdl.apps", "kerasdl.models"))], loaded


def test_models_with_their_own_training_step_load_in_a_fresh_process(tmp_path):
    """A CycleGAN's and a GAN's `.keras` files (what `img2img` and `generate` runs keep) load by name.

    Their classes register in the module that defines them: the loader imports the module the
    archive names, and no app.
    """
    from kerasdl.models.generative import adversarial
    from kerasdl.registry import get_model

    keras.utils.set_random_seed(0)
    cyclegan = get_model(
        "cyclegan", input_shape=(16, 16, 1), filters=4, num_blocks=1, discriminator_filters=4, receptive_field=16
    )
    cyclegan.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    noise = keras.Input((4,))
    generator = keras.Model(noise, keras.layers.Dense(8, activation="sigmoid")(noise))
    image = keras.Input((8,))
    discriminator = keras.Model(image, keras.layers.Dense(1)(image))
    gan = adversarial.AdversarialNetwork(generator, discriminator, latent_dim=4)
    gan.compile(optimizer=keras.optimizers.Adam(2e-4))
    rng = np.random.default_rng(0)
    inputs = {
        "images": rng.random((2, 16, 16, 1), dtype=np.float32),
        "noise": rng.normal(size=(3, 4)).astype("float32"),
    }
    models = {"cyclegan": (cyclegan, {"x": "images", "keys": []}), "gan": (gan, {"x": "noise", "keys": []})}
    for name, (model, _) in models.items():
        model.save(tmp_path / f"{name}.keras")
    np.savez(tmp_path / "inputs.npz", **inputs)
    (tmp_path / "manifest.json").write_text(json.dumps({name: entry for name, (_, entry) in models.items()}))
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    for name, (model, entry) in models.items():
        expected = np.asarray(model.predict(inputs[entry["x"]], verbose=0))
        np.testing.assert_allclose(np.asarray(report["outputs"][name]), expected, rtol=1e-5, atol=1e-6)
    assert not [m for m in report["kerasdl_modules"] if m.startswith("kerasdl.apps")]


@pytest.mark.parametrize(
    "obj, name",
    [
        (CaptionGroups, "kerasdl>CaptionGroups"),
        (ImagePreprocessing, "kerasdl>ImagePreprocessing"),
        (MaskedCrossEntropy, "kerasdl>MaskedCrossEntropy"),
        (MaskedAccuracy, "kerasdl>MaskedAccuracy"),
        (psnr, "kerasdl>psnr"),
    ],
)
def test_serialization_names_are_unchanged(obj, name):
    """The names `.keras` files written before the move refer to."""
    assert keras.saving.get_registered_name(obj) == name
    assert keras.saving.get_registered_object(name) is obj


def test_missing_file_is_one_line(tmp_path):
    with pytest.raises(UserInputError, match="no model file at") as err:
        kerasdl.load_model(tmp_path / "nothing.keras")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("damage", ["not_a_zip", "truncated"])
def test_damaged_archive_is_one_line(tmp_path, damage):
    path = tmp_path / "model.keras"
    if damage == "not_a_zip":
        path.write_bytes(b"this is not a keras archive\n" * 10)
    else:
        _image_model().save(path)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(UserInputError, match="cannot load model") as err:
        kerasdl.load_model(path)
    assert "\n" not in str(err.value)


def test_import_kerasdl_stays_free_of_keras():
    code = (
        "import json, sys, kerasdl; kerasdl.load_model; "
        "print(json.dumps([m for m in ('keras', 'tensorflow', 'keras_hub') if m in sys.modules]))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(loaded) == []
