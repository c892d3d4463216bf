"""The style app beyond the shared harness: ``optimize`` and its bad inputs (one line, exit 2)."""

import json

import pytest

from tests.app_testing import assert_rejected
from tests.helpers import write_image


@pytest.fixture
def content(tmp_path):
    return write_image(tmp_path / "in" / "photo.png", (24, 28), "RGB", seed=3)


def test_optimize_writes_images_snapshots_and_curves(chdir_tmp, cli, content):
    code, out, err = cli(
        ["stylize", "optimize", content, "--iterations", "4", "--every", "2", "--image-size", "24", "--output-dir", "o"]
    )
    assert code == 0, err
    written = {p.name for p in (chdir_tmp / "o").iterdir()}
    assert {"photo_stylized.png", "photo_00002.png", "photo_00004.png", "loss_curves.png"} <= written
    assert "Stylized by lbfgs" in out


def test_optimize_python_api_adam(tmp_path, content):
    from kerasdl.apps import Stylize

    report = Stylize(run_dir=tmp_path / "run").optimize(content, iterations=3, optimizer="adam", image_size=20)
    assert report.method == "adam" and report.evaluations == 3 and report.files[str(content)].is_file()
    assert json.loads(report.to_json())["losses"][str(content)] > 0


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (["--style", "no_such_style.png"], "no such style image"),
        (["--style-layers", "block1_conv1,block9_conv1"], "no layer 'block9_conv1'"),
        (["--content-layer", "blok5_conv2"], "did you mean block5_conv2"),
        (["--backbone", "mobilenet_v2"], "mobilenet_v2 has no layer 'block1_conv1'"),
        (["--backbone", "vgg91"], "Unknown backbone"),
        (["--optimizer", "sgd"], "invalid choice: 'sgd'"),
        (["--iterations", "0"], "--iterations"),
        (["--feature-weights", "missing.weights.h5"], "no such weights file"),
    ],
)
def test_optimize_bad_input(chdir_tmp, cli, content, extra, fragment):
    assert_rejected(cli, chdir_tmp, ["stylize", "optimize", content, "--iterations", "2", *extra], fragment)


def test_train_bad_style(chdir_tmp, cli):
    assert_rejected(cli, chdir_tmp, ["stylize", "train", "--style", "gone.jpg", "--epochs", "1"], "no such style image")
    assert_rejected(
        cli, chdir_tmp, ["stylize", "train", "--backbone", "resnet18", "--epochs", "1"], "resnet18 has no layer"
    )
