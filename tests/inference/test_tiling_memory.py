"""Tiled inference streams: the output is written a row of tiles at a time, never held whole.

The tiles go through the same function as the serving signature (colour conversion, model,
bicubic chroma), so the stitched output equals that function on the whole image, and the
memory a prediction needs is bounded by the tile. Measured once with ``/usr/bin/time -v
kerasdl sr predict`` (default x3 EDSR, 6000x6000 RGB in, 18000x18000 out): the whole-image
path was killed by the OOM killer at 19.4 GB; tiles streamed into the PNG peak at 1.6 GB, of
which TensorFlow itself is 0.67 GB and the float input 0.43 GB.
"""

import tracemalloc

import keras
import numpy as np
import pytest
from PIL import Image

from kerasdl.apps.denoising.denoise import denoise_tiles, denoise_with
from kerasdl.apps.image_to_image import whole_image
from kerasdl.apps.super_resolution.task import SuperResolution
from kerasdl.apps.super_resolution.upscale import upscale_tiles, upscale_with
from kerasdl.data.images import save_png
from kerasdl.errors import UserInputError
from kerasdl.inference.tiling import receptive_radius
from kerasdl.models.restoration import dncnn, edsr


def randomised(model, seed=0):
    """``model`` with large random weights: every pixel of context matters."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        weight.assign(rng.normal(0, 0.5, weight.shape).astype("float32"))
    return model


@pytest.fixture(scope="module")
def sr_models():
    keras.utils.set_random_seed(0)
    return {
        channels: randomised(edsr(scale=3, channels=channels, num_blocks=1, filters=4, bicubic_skip=True))
        for channels in (1, 3)
    }


def sr_task(model):
    task = SuperResolution(scale=3, channels=model.input_shape[-1])
    task.model = model
    return task


def photo(h, w, c=3, seed=0):
    return np.random.default_rng(seed).random((h, w, c), dtype=np.float32)


def close(a, b):
    """Equal within float rounding, relative to the values' scale (they are in [0, 1])."""
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-5 * max(1.0, float(np.abs(b).max())))


@pytest.mark.parametrize("model_channels", [1, 3])
@pytest.mark.parametrize("image_channels", [1, 3])
def test_upscale_bands_equal_the_whole_image(sr_models, model_channels, image_channels):
    # Includes the luminance path: Y through the model, chroma bicubic, per tile.
    model, x = sr_models[model_channels], photo(19, 23, image_channels, seed=image_channels)
    whole = upscale_with(whole_image(model), x, scale=3, channels=model_channels).numpy()
    tiled = upscale_tiles(model, x, tile=6, overlap=8)
    bands = list(tiled.bands())
    assert [len(b) for b in bands] == [18, 18, 18, 3]  # one row of tiles each, scale*tile rows
    close(np.concatenate(bands), whole)
    close(tiled.numpy(), whole)


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_denoise_bands_equal_the_whole_image(scale):
    keras.utils.set_random_seed(0)
    model = randomised(dncnn(channels=1, depth=4, filters=4))  # radius 4
    x = photo(21, 17, 3, seed=2)
    s = np.float32(scale)

    def predict(t):
        return (whole_image(model)((t - 0.5) * s + 0.5) - 0.5) / s + 0.5

    whole = denoise_with(predict, x, channels=1).numpy()
    close(denoise_tiles(model, x, tile=5, overlap=4, scale=scale).numpy(), whole)


def test_uint8_input_is_converted_per_tile(sr_models):
    pixels = (photo(10, 12) * 255).astype(np.uint8)
    close(
        upscale_tiles(sr_models[1], pixels, tile=4, overlap=8).numpy(),
        upscale_tiles(sr_models[1], pixels.astype(np.float32) / 255, tile=4, overlap=8).numpy(),
    )


@pytest.mark.parametrize("shape", [(37, 53, 3), (37, 53, 1), (1, 1, 3), (5, 2, 1)])
def test_png_from_bands_equals_png_from_the_array(tmp_path, shape):
    image = photo(*shape, seed=shape[0])
    save_png(image, tmp_path / "whole.png")
    save_png((image[i : i + 7] for i in range(0, shape[0], 7)), tmp_path / "bands.png")
    with Image.open(tmp_path / "whole.png") as a, Image.open(tmp_path / "bands.png") as b:
        assert (a.mode, a.size) == (b.mode, b.size)
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_png_bands_of_different_widths_are_refused(tmp_path):
    with pytest.raises(ValueError, match="row bands must all be 4 pixels wide"):
        save_png(iter([np.zeros((2, 4, 3)), np.zeros((2, 5, 3))]), tmp_path / "x.png")
    assert not list(tmp_path.iterdir())  # nothing half-written left


def test_predict_peak_memory_follows_the_tile_not_the_image(tmp_path, sr_models):
    # Writing a file, the largest buffers are one row of tiles and the PNG filter's rows: an
    # image eight times taller needs no more memory, and its float output is never whole.
    task = sr_task(sr_models[1])
    task.predict(photo(24, 24), output_dir=tmp_path, tile=16)  # traced once, outside the measurement
    peaks = {}
    for height in (96, 768):
        image = photo(height, 48)
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        task.predict(image, output_dir=tmp_path, tile=16)
        peaks[height] = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
    whole_output = 768 * 3 * 48 * 3 * 3 * 4  # 4 MB
    assert peaks[768] < 1.2 * peaks[96] and peaks[768] < whole_output / 4, peaks
    with Image.open(tmp_path / "image0_x3.png") as written:
        assert written.size == (144, 2304)


def test_receptive_radius_is_the_architecture_s():
    # 1-block EDSR: head 1 + block 2 + body 1 + upsampler 1 + tail (under 1 LR pixel) = 6, and
    # the bicubic skip 2; exact (tests/inference/test_tiling.py shows seams with one less).
    # Zero-initialised residual branches count: training will make them non-zero.
    assert receptive_radius(edsr(scale=2, channels=3, num_blocks=1, filters=4, bicubic_skip=True)) == 6
    assert receptive_radius(edsr(scale=3, channels=1, num_blocks=1, filters=4, zero_init_residual=True)) == 6
    assert receptive_radius(dncnn(channels=1, depth=5, filters=4, zero_init_output=True)) == 5
    assert receptive_radius(dncnn(channels=1, depth=12, filters=2), limit=4) == 4  # sees further


def test_tile_below_the_receptive_field_is_refused(sr_models):
    task = sr_task(sr_models[1])
    with pytest.raises(UserInputError) as err:
        task.predict(photo(8, 8), tile=1)
    assert str(err.value) == "--tile must be at least 6 for this model; got 1"
    assert task.predict(photo(8, 8), tile=6)[0].shape == (24, 24, 3)


def test_cli_refuses_a_tile_below_the_receptive_field_in_one_line(chdir_tmp, cli):
    model = chdir_tmp / "tiny.keras"
    edsr(scale=3, channels=1, num_blocks=1, filters=4, bicubic_skip=True).save(model)
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(chdir_tmp / "in.png")
    code, out, err = cli(["sr", "predict", "in.png", "--model-path", str(model), "--output-dir", "out", "--tile", "1"])
    assert code == 2 and err.strip().splitlines() == ["error: --tile must be at least 6 for this model; got 1"], err
    assert not (chdir_tmp / "out").exists()
