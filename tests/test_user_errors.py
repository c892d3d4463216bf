"""The last bad inputs that ended in a traceback or more than one line: each is now exit code 2 and one line.

Each case is pinned where its shared mechanism is: a model's padding against the patch
size, a damaged weights file, the sentiment vocabulary's minimum, ``TF_CONFIG``, an atomic
backup, native libraries' stderr, one UTF-8 rule for translation, a damaged ``.keras`` file.
"""

from __future__ import annotations

import io
import json
import os
import pathlib
import sys
import types

import keras
import numpy as np
import pytest

from kerasdl.errors import UserInputError
from tests.app_testing import assert_rejected
from tests.apps.cases.captioning import caption_folder
from tests.apps.cases.images import image_folder
from tests.apps.cases.sentiment import reviews
from tests.helpers import files_under, run_cli, write_image

CAPTION_FLAGS = ["--embed-dim", "8", "--units", "16", "--image-size", "32", "--min-count", "1", "--run-dir", "run"]


def one_error_line(capfd, argv) -> str:
    """Runs the CLI with the process's real file descriptors captured; returns its one stderr line."""
    capfd.readouterr()
    code = run_cli(argv)
    err = capfd.readouterr().err
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("error: "), f"expected one error line, got: {err!r}"
    return err


def tiny_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    return model


# ---------------------------------------------------------------- the model against the patch size


def test_unet_deeper_than_the_patch_is_refused_before_training(chdir_tmp, cli):
    data = image_folder(chdir_tmp)
    argv = ["denoise", "train", "--data", data, "--model", "unet", "--depth", "9", "--patch-size", "32"]
    assert_rejected(cli, chdir_tmp, argv + ["--filters", "2"], "--patch-size 32", "halves its input 9 times", "--depth")


def test_minimum_side_follows_the_padding_mode():
    from kerasdl.layers import PadToMultiple
    from kerasdl.layers.padding import minimum_side

    def model(mode):
        image = keras.Input((None, None, 1))
        return keras.Model(image, PadToMultiple(16, mode=mode)(image))

    assert [minimum_side(model(m)) for m in ("symmetric", "reflect", "constant")] == [8, 9, 1]
    patch = np.ones((1, 8, 8, 1), np.float32)
    assert model("symmetric")(patch).shape == (1, 16, 16, 1)  # the smallest side does pad


# ---------------------------------------------------------------- damaged weights files


@pytest.fixture
def damaged_weights(tmp_path):
    """Files a user may pass as weights: random bytes, a truncated weights file, a truncated archive."""
    model = tiny_model()
    model.save_weights(tmp_path / "good.weights.h5")
    model.save(tmp_path / "good.keras")
    random = tmp_path / "random.weights.h5"
    random.write_bytes(np.random.default_rng(0).bytes(1000))
    files = {"random": random}
    for name in ("good.weights.h5", "good.keras"):
        data = (tmp_path / name).read_bytes()
        files[f"truncated {name}"] = tmp_path / f"truncated-{name}"
        files[f"truncated {name}"].write_bytes(data[: len(data) // 2])
    return files


def test_a_damaged_weights_file_is_a_builder_value_error(damaged_weights):
    from kerasdl.models.segmentation.unet import unet

    for path in damaged_weights.values():
        with pytest.raises(
            ValueError, match=r"weights file is damaged or not a Keras weights file .*Received: weights="
        ):
            unet(depth=1, filters=2, weights=str(path))


@pytest.mark.parametrize("encoder", ["small_cnn", "MobileNetV2"])
def test_caption_train_with_corrupt_encoder_weights(chdir_tmp, cli, damaged_weights, encoder):
    data = caption_folder(chdir_tmp)
    for path in (damaged_weights["random"], damaged_weights["truncated good.keras"]):
        argv = ["caption", "train", "--data", data, "--encoder", encoder, "--encoder-weights", path, *CAPTION_FLAGS]
        assert_rejected(cli, chdir_tmp, argv, "encoder_weights file is damaged", path.name)


# ---------------------------------------------------------------- the sentiment vocabulary


@pytest.mark.parametrize("max_tokens", ["1", "2"])
def test_sentiment_max_tokens_below_a_word(chdir_tmp, cli, max_tokens):
    data = reviews(chdir_tmp)
    argv = ["sentiment", "train", "--data", data, "--model", "fasttext", "--max-tokens", max_tokens]
    assert_rejected(cli, chdir_tmp, argv, "max_tokens must be at least 3 (padding, the unknown token and one word)")


# ---------------------------------------------------------------- TF_CONFIG


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("{not json", "is not valid JSON (Expecting property name"), ("[1, 2]", "must be a JSON object")],
)
def test_malformed_tf_config(monkeypatch, value, fragment):
    from kerasdl.training import hardware

    monkeypatch.setenv("TF_CONFIG", value)
    for reader in (hardware.read_tf_config, hardware.worker_index):
        with pytest.raises(UserInputError, match="TF_CONFIG environment variable") as err:
            reader()
        assert fragment in str(err.value) and "\n" not in str(err.value)


def test_tf_config_unset_empty_or_valid(monkeypatch):
    from kerasdl.training import hardware

    assert hardware.read_tf_config() == {}
    monkeypatch.setenv("TF_CONFIG", " ")
    assert hardware.read_tf_config() == {} and hardware.worker_index() == 0
    monkeypatch.setenv("TF_CONFIG", json.dumps({"task": {"type": "worker", "index": 2}}))
    assert hardware.worker_index() == 2


def test_malformed_tf_config_fails_train_before_the_run_folder(chdir_tmp, cli, monkeypatch):
    data = reviews(chdir_tmp)
    monkeypatch.setenv("TF_CONFIG", "{not json")
    argv = ["sentiment", "train", "--data", data, "--model", "fasttext", "--max-tokens", "50", "--run-dir", "run"]
    assert_rejected(cli, chdir_tmp, argv, "TF_CONFIG environment variable is not valid JSON")


# ---------------------------------------------------------------- the backup an interrupted run resumes from


def test_backup_is_written_atomically(tmp_path, monkeypatch):
    from kerasdl.training.callbacks import AtomicBackupAndRestore

    model, x, y = tiny_model(), np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    backup = AtomicBackupAndRestore(str(tmp_path / "backup"), delete_checkpoint=False)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[backup])
    weights = tmp_path / "backup" / "latest.weights.h5"
    before = weights.read_bytes()

    def killed_mid_write(filepath, overwrite=True):  # a kill while the weights are half written
        pathlib.Path(filepath).write_bytes(before[:100])
        raise KeyboardInterrupt

    monkeypatch.setattr(model, "save_weights", killed_mid_write)
    with pytest.raises(KeyboardInterrupt):
        backup.on_epoch_end(1)
    assert weights.read_bytes() == before  # the previous backup is whole
    assert files_under(tmp_path / "backup") == {"latest.weights.h5", "training_metadata.json"}  # no temporary left
    assert json.loads((tmp_path / "backup" / "training_metadata.json").read_text())["epoch"] == 1


def test_a_damaged_backup_says_to_restart(tmp_path):
    from kerasdl.training.callbacks import AtomicBackupAndRestore

    backup = tmp_path / "backup"
    backup.mkdir()
    tiny_model().save_weights(backup / "latest.weights.h5")
    data = (backup / "latest.weights.h5").read_bytes()
    (backup / "latest.weights.h5").write_bytes(data[: len(data) // 2])
    (backup / "training_metadata.json").write_text('{"epoch": 1, "batch": 0}')
    with pytest.raises(
        UserInputError, match=r"backup/? is damaged .*; pass --restart \(resume=False\) to start afresh"
    ):
        tiny_model().fit(
            np.ones((4, 3)), np.zeros((4, 2)), epochs=2, verbose=0, callbacks=[AtomicBackupAndRestore(str(backup))]
        )


def test_resume_from_a_truncated_backup_is_one_line(chdir_tmp, cli):
    data = image_folder(chdir_tmp)
    run = chdir_tmp / "run"
    (run / "backup").mkdir(parents=True)
    tiny_model().save_weights(run / "backup" / "latest.weights.h5")
    weights = (run / "backup" / "latest.weights.h5").read_bytes()
    (run / "backup" / "latest.weights.h5").write_bytes(weights[: len(weights) // 2])  # an interrupted write
    (run / "backup" / "training_metadata.json").write_text('{"epoch": 1, "batch": 0}')
    before = files_under(run)
    argv = ["denoise", "train", "--data", data, "--depth", "2", "--filters", "2", "--patch-size", "16"]
    code, _, err = cli([*argv, "--epochs", "2", "--steps-per-epoch", "1", "--batch-size", "2", "--run-dir", "run"])
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith("error: the backup of the interrupted run in run/backup is damaged") and "--restart" in err
    assert files_under(run) - before <= {"task.json"}  # no log, no checkpoint


# ---------------------------------------------------------------- what native libraries print


def test_native_lines_before_a_user_error_are_dropped(monkeypatch, capfd):
    import kerasdl.apps.cli

    def dispatch(app, args, command_line):
        os.write(2, b"normalizer.cc(51) LOG(INFO) chatter from C++\n")
        print("a Python warning stays", file=sys.stderr)
        raise UserInputError("the input is bad")

    monkeypatch.setattr(kerasdl.apps.cli, "dispatch", dispatch)
    capfd.readouterr()
    assert run_cli(["translate", "predict", "hello"]) == 2
    assert capfd.readouterr().err == "a Python warning stays\nerror: the input is bad\n"


def test_native_lines_are_kept_when_the_command_succeeds_or_crashes(monkeypatch, capfd):
    import kerasdl.apps.cli

    outcome = {}

    def dispatch(app, args, command_line):
        os.write(2, b"native line\n")
        if "crash" in outcome:
            raise RuntimeError("a bug")
        return 0

    monkeypatch.setattr(kerasdl.apps.cli, "dispatch", dispatch)
    capfd.readouterr()
    assert run_cli(["translate", "predict", "hello"]) == 0
    assert capfd.readouterr().err == "native line\n"
    outcome["crash"] = True
    with pytest.raises(RuntimeError, match="a bug"):
        run_cli(["translate", "predict", "hello"])
    assert capfd.readouterr().err == "native line\n"


def test_truncated_jpeg_in_caption_data_is_one_line(chdir_tmp, capfd):
    data = caption_folder(chdir_tmp)
    jpeg = write_image(chdir_tmp / "photo.jpg", (64, 64))
    (data / "images" / "img3.png").write_bytes(jpeg.read_bytes()[: jpeg.stat().st_size // 2])  # libjpeg complains
    err = one_error_line(capfd, ["caption", "train", "--data", data, *CAPTION_FLAGS])
    assert "cannot read image" in err and "img3.png" in err


# ---------------------------------------------------------------- one UTF-8 rule for translation


def test_translation_reads_sentences_by_the_rule_of_its_training_files(tmp_path, monkeypatch):
    from kerasdl.data.sentence_pairs import read_tsv_pairs
    from kerasdl.data.text import read_texts

    path = tmp_path / "latin1.tsv"
    path.write_bytes(b"I have.\tTengo.\nCaf\xe9\tCaf\xe9\n")
    with pytest.raises(UserInputError) as trained:
        read_tsv_pairs(path)
    with pytest.raises(UserInputError) as asked:
        read_texts(None, path, utf8_only=True)
    assert str(trained.value) == str(asked.value) == f"{path}:2: not UTF-8 text"
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(b"ok\nCaf\xe9\n"), isatty=lambda: False))
    with pytest.raises(UserInputError, match="^stdin:2: not UTF-8 text$"):
        read_texts("-", utf8_only=True)
    argument = b"Caf\xe9".decode("utf-8", "surrogateescape")  # what Python makes of such a command-line argument
    with pytest.raises(UserInputError, match="^argument 2: not UTF-8 text$"):
        read_texts(["fine", argument], utf8_only=True)
    assert read_texts(["fine", argument]) == ["fine", "Café"]  # sentiment's rule: Windows-1252
    assert read_texts(None, path) == ["I have.\tTengo.", "Café\tCafé"]


# ---------------------------------------------------------------- a damaged .keras file


def test_truncated_keras_file_is_damaged_not_missing(tmp_path):
    from kerasdl.saving import load_model

    tiny_model().save(tmp_path / "model.keras")
    data = (tmp_path / "model.keras").read_bytes()
    (tmp_path / "truncated.keras").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.keras").write_bytes(b"")
    for name in ("truncated.keras", "empty.keras"):
        with pytest.raises(UserInputError, match="is damaged or not a Keras model") as err:
            load_model(tmp_path / name)
        assert "not found" not in str(err.value).lower()
    with pytest.raises(UserInputError, match="no model file"):
        load_model(tmp_path / "missing.keras")
