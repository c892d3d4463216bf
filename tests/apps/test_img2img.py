"""The image-to-image translation app: its loaders, the digits default, pix2pix, CycleGAN and the L1 U-Net.

The shared harness (``tests/apps/cases/img2img.py``) drives pix2pix through the Python API, the
command line and the export's parity checks. Here: the three data layouts and their one-line
errors, the aligned crops, the embedded digits, and one tiny run of each model (2 steps of
4-filter networks on 16-pixel crops): the point is every output a user gets, not its quality.
"""

import json

import numpy as np
import pytest
from PIL import Image

from kerasdl.apps.img2img import ImageTranslation
from kerasdl.apps.img2img.task import cyclegan_receptive_field, generator_depth, receptive_field
from kerasdl.data import paired_images
from kerasdl.data.paired_images import ImagePairs, default_pairs, digit_edges, digit_transform, load_pairs
from kerasdl.errors import UserInputError
from tests.app_testing import assert_rejected
from tests.helpers import quiet_cli, run_app, write_image

TINY = ["--filters", "4", "--epochs", "1", "--steps-per-epoch", "2", "--patch-size", "16", "--batch-size", "4"]
TINY_TRAIN = {"epochs": 1, "steps_per_epoch": 2, "patch_size": 16, "batch_size": 4, "verbose": 0}


def write_pixels(path, pixels):
    """Writes a uint8 ``(h, w)`` or ``(h, w, 3)`` array as an image file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def side_by_side_folder(root, count=3, size=(20, 24)):
    """pix2pix pair images of two ``size`` halves: A (left) a ramp, B (right) its negative, so each pair is known."""
    folder = root / "pairs"
    h, w = size
    for i in range(count):
        a = ((np.arange(h * w).reshape(h, w) * (i + 3)) % 256).astype(np.uint8)
        write_pixels(folder / f"p{i}.png", np.concatenate([a, 255 - a], axis=1))
    return folder


def two_folders(root, names_a=("x", "y", "z"), names_b=("x", "y", "z"), sizes=None, mode="RGB"):
    """``root/A`` and ``root/B`` of synthetic images; ``sizes`` maps a B name to another size."""
    sizes = sizes or {}
    for i, name in enumerate(names_a):
        write_image(root / "A" / f"{name}.png", (24, 28), mode, seed=i)
    for i, name in enumerate(names_b):
        write_image(root / "B" / f"{name}.jpg", sizes.get(name, (24, 28)), mode, seed=10 + i)
    return root


# ---------------------------------------------------------------- loaders


def test_side_by_side_pairs_split_into_a_and_b(tmp_path):
    pairs = load_pairs(side_by_side_folder(tmp_path))
    assert pairs.paired and len(pairs) == 3 and pairs.names_a == ["p0", "p1", "p2"] == pairs.names_b
    assert pairs.channels == 1 and pairs.a[0].shape == (20, 24, 1)
    np.testing.assert_allclose(pairs.a[1] + pairs.b[1], 1.0, atol=1e-6)
    flipped = pairs.oriented("BtoA")
    assert flipped.a[1] is pairs.b[1] and flipped.b[1] is pairs.a[1]
    assert load_pairs(side_by_side_folder(tmp_path), channels=3).a[0].shape == (20, 24, 3)


def test_two_folders_pair_by_name_whatever_the_suffix(tmp_path):
    root = two_folders(tmp_path / "data", names_a=("z", "x", "y"))
    for data in (root, (root / "A", root / "B"), [str(root / "A"), str(root / "B")]):
        pairs = load_pairs(data)
        assert pairs.paired and pairs.names_a == ["x", "y", "z"] == pairs.names_b and pairs.channels == 3
        assert all(a.shape == b.shape == (24, 28, 3) for a, b in zip(pairs.a, pairs.b))
    (root / "trainA").mkdir()  # A/ and B/ come first; CycleGAN's trainA/trainB are read when alone
    assert load_pairs(root).names_a == ["x", "y", "z"]


def test_cyclegan_layout_and_unpaired_folders(tmp_path):
    root = tmp_path / "horse2zebra"
    for sub, names in (("trainA", "abc"), ("trainB", "de"), ("testA", "f"), ("testB", "g")):
        for i, name in enumerate(names):
            write_image(root / sub / f"{name}.png", (16, 20), "L", seed=i)
    pairs = load_pairs(root, paired=False)
    assert not pairs.paired and (len(pairs.a), len(pairs.b)) == (3, 2) and pairs.names_b == ["d", "e"]
    assert pairs.channels == 1 and "3 A and 2 B images (unpaired)" in pairs.describe()
    assert paired_images.dataset_splits(root) == {"train": root, "val": None, "test": (root / "testA", root / "testB")}
    train, val = pairs.split()  # fewer than five: validation reads the training images
    assert len(train.a) == len(val.a) == 3 and len(train.b) == len(val.b) == 2
    with pytest.raises(UserInputError, match=r"has no pair in .*trainB.*matched by file name"):
        load_pairs(root)  # pix2pix needs pairs
    unequal = two_folders(tmp_path / "unequal", sizes={"y": (30, 28)})
    assert not load_pairs(unequal, paired=False).paired  # CycleGAN reads them as two domains


def test_pix2pix_dataset_folders_train_on_train_and_test_on_test(tmp_path):
    root = tmp_path / "facades"
    for split in ("train", "val"):
        side_by_side_folder(root / split)
    splits = paired_images.dataset_splits(root)
    assert splits == {"train": root / "train", "val": root / "val", "test": root / "val"}  # edges2shoes: no test/
    side_by_side_folder(root / "test")
    assert paired_images.dataset_splits(root)["test"] == root / "test"
    assert paired_images.dataset_splits(root / "train") is None and paired_images.dataset_splits(("a", "b")) is None
    task = ImageTranslation()
    train, val = task._training_pairs(root, None)
    assert len(train) == len(val) == 3 and train.source.endswith("train") and val.source.endswith("val")


def test_split_holds_out_every_tenth_pair(tmp_path):
    images = [np.full((4, 4, 1), i / 20, np.float32) for i in range(20)]
    pairs = ImagePairs(images, list(images), [str(i) for i in range(20)], [str(i) for i in range(20)], True, "x")
    train, val = pairs.split()
    assert val.names_a == ["0", "10"] and len(train) == 18 and "0" not in train.names_a


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda root: write_pixels(root / "odd" / "p.png", np.zeros((8, 21), np.uint8)).parent, "21 pixels wide"),
        (lambda root: two_folders(root / "sizes", sizes={"y": (30, 28)}), "the pair 'y' differs in size"),
        (lambda root: two_folders(root / "names", names_b=("x", "z")), "y.png has no pair in"),
        (lambda root: two_folders(root / "extra", names_b=("x", "y", "z", "w")), "w.jpg has no pair in"),
    ],
    ids=["odd width", "unequal sizes", "name without pair", "extra name"],
)
def test_bad_pairs_are_one_line(make, fragment, tmp_path, chdir_tmp, cli):
    data = make(tmp_path)
    assert_rejected(cli, chdir_tmp, ["img2img", "train", *TINY, "--data", data], fragment)


def test_bad_folders_are_one_line(tmp_path, chdir_tmp, cli):
    root = two_folders(tmp_path / "data")
    (tmp_path / "empty").mkdir()
    assert_rejected(
        cli,
        chdir_tmp,
        ["img2img", "train", "--model", "cyclegan", *TINY, "--data", root / "A", tmp_path / "empty"],
        "no image files",
        "empty",
    )
    assert_rejected(
        cli, chdir_tmp, ["img2img", "train", *TINY, "--data", root / "A", root / "B", root], "one folder, or two"
    )
    assert_rejected(cli, chdir_tmp, ["img2img", "train", *TINY, "--direction", "AB"], "invalid choice: 'AB'")
    assert_rejected(cli, chdir_tmp, ["img2img", "train", *TINY[:-4], "--patch-size", "4"], "--patch-size")


# ---------------------------------------------------------------- crops and the digits


def test_training_crops_are_aligned_and_mirrored_together(tmp_path):
    pairs = load_pairs(side_by_side_folder(tmp_path, size=(20, 24)))
    x, y = next(iter(paired_images.training_dataset(pairs, patch_size=8, batch_size=16, seed=3)))
    assert x.shape == y.shape == (16, 8, 8, 1)
    np.testing.assert_allclose(x.numpy() + y.numpy(), 1.0, atol=1e-6)  # B is A's negative, crop for crop
    small = load_pairs(side_by_side_folder(tmp_path / "small", size=(6, 8)))  # enlarged to the crop first
    x, y = next(iter(paired_images.validation_dataset(small, patch_size=16, batch_size=4)))
    assert x.shape == (4, 16, 16, 1) and np.all(np.abs(x.numpy() + y.numpy() - 1.0) < 1e-5)


def test_digit_edges_and_transform_take_any_digits():
    digits = np.zeros((2, 28, 28), np.uint8)
    digits[:, 8:20, 10:18] = 255  # a bar, as MNIST arrays come
    edges, bold = digit_edges(digits), digit_transform(digits[..., None])
    assert edges.shape == (2, 28, 28) and set(np.unique(edges)) == {0.0, 1.0}
    assert edges[0, 14, 14] == 0 and edges[0, 14, 9:11].max() == 1  # the outline, not the inside
    assert bold.shape == (2, 28, 28, 1) and bold[0, 14, 14, 0] == 0 and bold[0, 7, 14, 0] == 0  # dilated, inverted
    assert bold[0, 0, 0, 0] == 1
    with pytest.raises(ValueError, match="grayscale digits"):
        digit_edges(np.zeros((2, 8, 8, 3)))


def test_default_sets():
    edges, inverted = default_pairs("edges"), default_pairs("inverted")
    assert [len(edges[s]) for s in ("train", "val", "test")] == [1597, 100, 100]
    assert all(p.paired and p.a[0].shape == (32, 32, 1) for p in edges.values())
    np.testing.assert_array_equal(edges["test"].a[0][..., 0], digit_edges(edges["test"].b[0][None, ..., 0])[0])
    train = inverted["train"]
    assert not train.paired and not set(train.names_a) & set(train.names_b)  # two disjoint halves
    test = inverted["test"]
    assert test.paired and np.array_equal(test.b[0][..., 0], digit_transform(test.a[0][None, ..., 0])[0])


def test_depth_and_receptive_field_follow_the_crop():
    assert [generator_depth(p) for p in (8, 16, 32, 256, 512)] == [3, 4, 5, 8, 8]
    assert [receptive_field(p) for p in (16, 32, 64, 128, 256)] == [1, 16, 16, 34, 70]
    # CycleGAN's discriminators see the whole crop, up to the paper's 70x70
    assert [cyclegan_receptive_field(p) for p in (8, 16, 32, 64, 128, 256, 512)] == [16, 16, 34, 70, 70, 70, 70]
    arguments = {m: ImageTranslation(m, channels=1)._builder_arguments(32) for m in ("pix2pix", "cyclegan")}
    assert arguments["pix2pix"]["receptive_field"] == 16 and arguments["cyclegan"]["receptive_field"] == 34
    with_option = ImageTranslation("cyclegan", channels=1, model_options={"receptive_field": 70})
    assert with_option._builder_arguments(32)["receptive_field"] == 70


def test_unet_l1_is_pix2pix_generator_alone():
    ablation, gan = ImageTranslation("unet-l1", channels=1), ImageTranslation("pix2pix", channels=1)
    generator, scheme = ablation.build_model(patch_size=32), gan.build_model(patch_size=32)
    assert type(generator).__name__ == "Functional" and type(scheme).__name__ == "Pix2Pix"
    assert [layer.name for layer in generator.layers] == [layer.name for layer in scheme.generator.layers]
    assert generator.count_params() == scheme.generator.count_params()
    assert ablation.recipe.options == {"filters": 16, "max_filters": 128}
    with pytest.raises(UserInputError, match="channels must be 1 or 3"):
        ImageTranslation(channels=2)


# ---------------------------------------------------------------- pix2pix and the L1 U-Net, trained


@pytest.fixture(scope="module")
def pix2pix_run(tmp_path_factory, kerasdl_cache):
    """pix2pix trained 2 steps on pix2pix pair images, through the Python API, evaluated."""
    root = tmp_path_factory.mktemp("img2img_pix2pix")
    data = root / "pairs"
    for i in range(3):
        write_image(data / f"p{i}.png", (28, 40), "RGB", seed=i)
    with pytest.MonkeyPatch.context() as mp, quiet_cli():
        mp.setenv("KERASDL_CACHE", str(kerasdl_cache))
        task = ImageTranslation(model_options={"filters": 4}, run_dir=root / "run")
        trained = task.train(data, direction="BtoA", **TINY_TRAIN)
        evaluation = task.evaluate()
    return {"root": root, "task": task, "train": trained, "evaluation": evaluation}


@pytest.mark.slow
def test_pix2pix_run_records_and_evaluation(pix2pix_run):
    task, evaluation = pix2pix_run["task"], pix2pix_run["evaluation"]
    assert task.direction == "BtoA" and task.state["paired"] and task.channels == 3
    summary = json.loads((task.run_dir / "train_summary.json").read_text())
    assert summary["model_kwargs"]["depth"] == 4 and summary["model_kwargs"]["receptive_field"] == 1
    assert {"d_loss", "g_loss", "l1", "val_l1"} <= set(pix2pix_run["train"].history)
    report = evaluation.metrics
    assert (
        report["direction"] == "BtoA" and report["paired"] and report["methods"] == ["identity", "histogram", "model"]
    )
    assert set(report["images"]) == {"p0", "p1", "p2"}
    for method in report["methods"]:
        assert report["mean"][method]["psnr"] == pytest.approx(
            np.mean([s[method]["psnr"] for s in report["images"].values()]), abs=1e-3
        )
    assert report["psnr_gain_db_over_identity"] == pytest.approx(
        report["mean"]["model"]["psnr"] - report["mean"]["identity"]["psnr"], abs=1e-3
    )
    assert "cycle" not in report and evaluation.files["panels figure"].is_file()
    assert "BtoA: model" in evaluation.headline and "histogram matching" in evaluation.headline


@pytest.mark.slow
def test_pix2pix_predicts_any_size_tiled(pix2pix_run, tmp_path):
    task = pix2pix_run["task"]
    big = write_image(tmp_path / "big.png", (45, 70), "RGB", seed=3)
    gray = write_image(tmp_path / "gray.png", (19, 17), "L", seed=4)
    whole, tiled = task.predict(big)[0], task.predict(big, tile=32)[0]
    assert whole.shape == tiled.shape == (45, 70, 3) and np.abs(whole - tiled).mean() < 0.1  # seams, not garbage
    paths = task.predict([big, gray], output_dir=tmp_path / "out")
    assert [p.name for p in paths] == ["big_BtoA.png", "gray_BtoA.png"]
    assert np.asarray(Image.open(paths[1])).shape == (19, 17, 3)  # a colour model paints gray inputs in colour
    with pytest.raises(UserInputError, match="translates BtoA only"):
        task.predict(big, direction="AtoB")
    with pytest.raises(UserInputError, match="smaller than the 8x8"):
        task.predict(np.zeros((6, 30, 3), np.float32))
    with pytest.raises(UserInputError, match="--tile must be at least 8"):
        task.predict(big, tile=4)


@pytest.mark.slow
def test_unet_l1_trains_on_l1_and_keeps_the_best_epoch(tmp_path, kerasdl_cache):
    data = side_by_side_folder(tmp_path, count=3, size=(16, 32))
    task = ImageTranslation("unet-l1", model_options={"filters": 4}, run_dir=tmp_path / "run")
    with quiet_cli():
        report = task.train(data, **{**TINY_TRAIN, "steps_per_epoch": 1})
    assert type(task.model).__name__ == "Functional" and task.channels == 1
    assert {"loss", "psnr", "val_loss", "val_psnr"} <= set(report.history)
    summary = json.loads((task.run_dir / "train_summary.json").read_text())
    assert summary["best_val_loss"] is not None and summary["builder"] == "pix2pix_generator"
    assert task.predict(np.zeros((16, 20), np.uint8))[0].shape == (16, 20, 1)


# ---------------------------------------------------------------- CycleGAN, through the command line


@pytest.fixture(scope="module")
def cyclegan_run(tmp_path_factory, kerasdl_cache):
    """``kerasdl img2img train --model cyclegan --data A B`` on two unpaired folders."""
    root = tmp_path_factory.mktemp("img2img_cyclegan")
    for i in range(3):
        write_image(root / "horses" / f"h{i}.png", (24, 20), "RGB", seed=i)
        write_image(root / "zebras" / f"z{i}.png", (20, 24), "RGB", seed=10 + i)
    cyclegan = ["--model", "cyclegan", "--model-arg", "num_blocks=1", "--model-arg", "discriminator_filters=4"]
    argv = ["img2img", "train", *cyclegan, *TINY, "--data", root / "horses", root / "zebras"]
    return {**run_app(root / "work", argv, cache=kerasdl_cache), "root": root}


@pytest.mark.slow
def test_cyclegan_unpaired_run_evaluates_without_references(cyclegan_run):
    run_dir = cyclegan_run["work"] / "runs" / "img2img"
    state = json.loads((run_dir / "task.json").read_text())["state"]
    assert state["paired"] is False and state["data"] == [str(cyclegan_run["root"] / d) for d in ("horses", "zebras")]
    task = ImageTranslation.from_run(run_dir)
    with quiet_cli():
        report = task.evaluate()
    metrics = report.metrics
    assert not metrics["paired"] and "mean" not in metrics and set(metrics["cycle"]) == {"psnr", "ssim"}
    assert set(metrics["intensity_distance_to_b"]) == {"identity", "histogram", "model"}
    assert "no true targets" in report.headline and report.files["cycle figure"].is_file()


@pytest.mark.slow
def test_cyclegan_translates_both_ways(cyclegan_run, cli, tmp_path):
    run_dir = cyclegan_run["work"] / "runs" / "img2img"
    zebra = cyclegan_run["root"] / "zebras" / "z0.png"
    argv = ["img2img", "predict", zebra, "--direction", "BtoA", "--run-dir", run_dir, "--output-dir", tmp_path]
    code, out, err = cli(argv)
    assert code == 0, err
    assert out.strip().endswith("z0_BtoA.png") and (tmp_path / "z0_BtoA.png").is_file()
    task = ImageTranslation.from_run(run_dir)
    there, back = task.predict(zebra)[0], task.predict(zebra, direction="BtoA")[0]
    assert there.shape == back.shape == (20, 24, 3) and not np.allclose(there, back)
    assert task.generator("BtoA") is task.model.generator_ba
    paired = two_folders(tmp_path / "paired")  # test pairs of the same names: scored against the true B
    with quiet_cli():
        metrics = task.evaluate(paired, direction="BtoA", output=tmp_path / "report.json").metrics
    assert metrics["paired"] and metrics["direction"] == "BtoA" and {"mean", "cycle"} <= set(metrics)
