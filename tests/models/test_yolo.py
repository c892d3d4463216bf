"""YOLO builder (after YOLOv8), its box coding and its in-graph NMS: harness, published sizes, hand-made cases."""

import math
import os
import re
import tempfile

import keras
import numpy as np
import pytest

from kerasdl.models.detection import (
    REG_MAX,
    STRIDES,
    YOLODecoder,
    anchor_points,
    decode_boxes,
    encode_distances,
    yolo,
    yolo_detector,
)
from tests.testing import assert_same_outputs, run_builder_test

SIDE = 64
ANCHORS = (SIDE // 8) ** 2 + (SIDE // 16) ** 2 + (SIDE // 32) ** 2  # 64 + 16 + 4


def numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def side_logits(distances, reg_max=REG_MAX):
    """Bin logits whose softmax puts the mass on the two bins around each distance (a two-hot code)."""
    distances = np.asarray(distances, np.float64)
    low = np.floor(distances).astype(int)
    probabilities = np.zeros((*distances.shape, reg_max))
    np.put_along_axis(probabilities, low[..., None], (low + 1 - distances)[..., None], axis=-1)
    np.put_along_axis(probabilities, low[..., None] + 1, (distances - low)[..., None], axis=-1)
    return np.log(probabilities + 1e-12).reshape(*distances.shape[:-1], 4 * reg_max).astype(np.float32)


def test_builder_and_detector_round_trip():
    x = np.random.default_rng(0).random((2, SIDE, SIDE, 3), dtype=np.float32)
    model = run_builder_test(
        yolo,
        init_kwargs={"input_shape": (SIDE, SIDE, 3), "classes": 3},
        input_data=x,
        expected_output_shape=(2, ANCHORS, 4 * REG_MAX + 3),
        atol=1e-5,
    )
    # The untrained head: box-bin biases 1.0, class biases at the prior probability 0.01.
    for level in ("p3", "p4", "p5"):
        np.testing.assert_allclose(numpy(model.get_layer(f"head_{level}_box_pred").bias), 1.0)
        np.testing.assert_allclose(
            numpy(model.get_layer(f"head_{level}_class_pred").bias), math.log(0.01 / 0.99), rtol=1e-6
        )
    assert model.get_layer("sppf_out_conv").output.shape[1:] == (2, 2, 256)  # 1024 * 0.25 at stride 32

    detector = yolo_detector(model, max_detections=7, confidence_threshold=0.0)
    detections = detector(x)
    assert {k: tuple(v.shape) for k, v in detections.items()} == {
        "boxes": (2, 7, 4),
        "scores": (2, 7),
        "classes": (2, 7),
        "num_detections": (2,),
    }
    # Untrained, every anchor's box spans most of the image, so NMS keeps about one per class.
    found = numpy(detections["num_detections"])
    assert np.all((found >= 1) & (found <= 7))
    boxes, scores = numpy(detections["boxes"]), numpy(detections["scores"])
    assert np.all((boxes >= 0) & (boxes <= SIDE)) and np.all(boxes[..., 2:] >= boxes[..., :2])
    assert np.all(np.diff(scores, axis=1) <= 0)  # best first, then the zero padding
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "detector.keras")
        detector.save(path)
        restored = keras.saving.load_model(path, safe_mode=True)
    assert restored.get_layer("decoder").get_config()["max_detections"] == 7
    assert_same_outputs(detections, restored(x), atol=1e-5, what="reloaded detector")


@pytest.mark.parametrize(
    "size, published, blocks",
    # Ultralytics' yolov8.yaml: 3,157,200 / 11,166,560 / 25,902,640 parameters at 80 classes, of
    # which 16 are the DFL's fixed bin weights (not trainable; here in decode_boxes).
    [("n", 3_157_200, 1), ("s", 11_166_560, 1), ("m", 25_902_640, 2)],
)
def test_parameter_counts_are_yolov8s(size, published, blocks):
    model = yolo(classes=80, size=size)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == published - 16
    bottlenecks = [layer for layer in model.layers if re.fullmatch(r"stage2_c2f_block\d+_1_conv", layer.name)]
    assert len(bottlenecks) == blocks  # round(3 * depth)
    assert model.output_shape == (None, None, 4 * REG_MAX + 80)


def test_anchor_points_order_and_count():
    points, strides = (numpy(t) for t in anchor_points(64, 96))
    counts = [8 * 12, 4 * 6, 2 * 3]
    assert points.shape == (sum(counts), 2) and strides.shape == (sum(counts),)
    np.testing.assert_array_equal(strides, np.repeat(STRIDES, counts))
    np.testing.assert_array_equal(points[:3], [[4, 4], [12, 4], [20, 4]])  # row-major: x runs first
    np.testing.assert_array_equal(points[12], [4, 12])  # the second row of P3
    np.testing.assert_array_equal(points[counts[0]], [8, 8])  # P4 starts after P3
    np.testing.assert_array_equal(points[-1], [80, 48])  # P5's last cell
    assert numpy(anchor_points(SIDE, SIDE)[0]).shape == (ANCHORS, 2)


def test_encode_then_decode_gives_the_boxes_back():
    rng = np.random.default_rng(1)
    points, strides = anchor_points(SIDE, SIDE)
    p, s = numpy(points), numpy(strides)
    distances = rng.uniform(0, REG_MAX - 1.01, (2, ANCHORS, 4)).astype(np.float32)
    boxes = np.concatenate([p - distances[..., :2] * s[:, None], p + distances[..., 2:] * s[:, None]], -1)
    encoded = numpy(encode_distances(boxes, points, strides))
    np.testing.assert_allclose(encoded, distances, atol=1e-4)
    raw = np.concatenate([side_logits(encoded), rng.normal(size=(2, ANCHORS, 3)).astype(np.float32)], -1)
    decoded = numpy(decode_boxes(raw, points, strides))
    scale = (boxes[..., 2:] - boxes[..., :2]).max(-1, keepdims=True)  # each box's size
    assert np.all(np.abs(decoded - boxes) <= 1e-4 * scale + 1e-4)
    # Sides beyond reg_max - 1 strides are clipped to the last bins.
    far = encode_distances(np.array([[[-500.0, 0.0, 3.0, 500.0]]]), points[:1], strides[:1])
    np.testing.assert_allclose(numpy(far), [[[REG_MAX - 1.01, 0.5, 0.0, REG_MAX - 1.01]]], rtol=1e-6)


def test_decode_is_the_expected_bin_of_each_side():
    rng = np.random.default_rng(2)
    raw = rng.normal(size=(1, 3, 4 * 5 + 2)).astype(np.float32)
    points, strides = (
        np.array([[4.0, 4.0], [8.0, 8.0], [16.0, 16.0]], np.float32),
        np.array([8.0, 16.0, 32.0], np.float32),
    )
    logits = raw[..., :20].reshape(1, 3, 4, 5)  # side-major: l0..l4, t0..t4, r0..r4, b0..b4
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    d = (probabilities * np.arange(5)).sum(-1) * strides[None, :, None]
    expected = np.concatenate([points - d[..., :2], points + d[..., 2:]], -1)
    np.testing.assert_allclose(numpy(decode_boxes(raw, points, strides, reg_max=5)), expected, rtol=1e-5, atol=1e-4)


def _raw_with(objects, classes=2):
    """Raw predictions on a 64x64 image where only the given P3 cells see objects.

    ``objects``: ``(row, col, box, class, logit)``; the cell's box bins encode ``box``.
    """
    raw = np.full((ANCHORS, 4 * REG_MAX + classes), -10.0, np.float32)
    raw[:, : 4 * REG_MAX] = side_logits(np.ones((ANCHORS, 4)))
    for row, col, box, label, logit in objects:
        i = row * (SIDE // 8) + col
        point = np.array([(col + 0.5) * 8, (row + 0.5) * 8])
        distances = np.concatenate([point - box[:2], np.asarray(box[2:]) - point]) / 8
        raw[i, : 4 * REG_MAX] = side_logits(distances[None])[0]
        raw[i, 4 * REG_MAX + label] = logit
    return raw


def test_nms_keeps_the_best_of_overlapping_boxes():
    a = (16.0, 16.0, 40.0, 40.0)
    near = (18.0, 16.0, 42.0, 40.0)  # IoU 0.85 with a
    apart = (44.0, 44.0, 60.0, 60.0)  # IoU 0 with a
    raw = np.stack(
        [
            _raw_with([(3, 3, a, 0, 3.0), (3, 4, near, 0, 1.0)]),  # same class, overlapping: the better only
            _raw_with([(3, 3, a, 0, 1.0), (6, 6, apart, 0, 3.0)]),  # apart: both, best first
            _raw_with([(3, 3, a, 0, 3.0), (3, 4, near, 1, 1.0)]),  # other class: both
        ]
    )
    decoder = YOLODecoder(max_detections=4, iou_threshold=0.65, confidence_threshold=0.25)
    out = {k: numpy(v) for k, v in decoder(raw, np.zeros((3, SIDE, SIDE, 3), np.float32)).items()}
    assert out["num_detections"].tolist() == [1, 2, 2]
    np.testing.assert_allclose(out["boxes"][0, 0], a, atol=1e-3)
    np.testing.assert_allclose(out["scores"][0, 0], 1 / (1 + math.exp(-3)), rtol=1e-5)
    np.testing.assert_allclose(out["boxes"][1, :2], [apart, a], atol=1e-3)
    np.testing.assert_allclose(out["boxes"][2, :2], [a, near], atol=1e-3)
    assert out["classes"].tolist() == [[0, -1, -1, -1], [0, 0, -1, -1], [0, 1, -1, -1]]
    assert np.all(out["scores"][0, 1:] == 0) and np.all(out["boxes"][0, 1:] == 0)  # padding rows


def test_registered_vision_backbone():
    model = yolo(input_shape=(SIDE, SIDE, 3), classes=3, backbone="mobilenet_v2")
    assert model.output_shape == (None, ANCHORS, 4 * REG_MAX + 3)
    features = model.get_layer("backbone").outputs  # the last layer at each stride
    assert [t.shape[1:] for t in features] == [(8, 8, 192), (4, 4, 576), (2, 2, 1280)]
    assert numpy(model(np.zeros((1, SIDE, SIDE, 3), np.float32))).shape == (1, ANCHORS, 4 * REG_MAX + 3)


def test_model_backbone_takes_the_last_layer_at_each_stride():
    image = keras.Input((None, None, 1))
    x = image
    for i, stride in enumerate((2, 2, 2, 1, 2, 2)):
        x = keras.layers.Conv2D(4, 3, strides=stride, padding="same", name=f"c{i}")(x)
    backbone = keras.Model(image, x)
    model = yolo(classes=2, backbone=backbone)
    assert model.input_shape == (None, None, None, 1)
    picked = model.get_layer("backbone").outputs
    assert all(t is backbone.get_layer(name).output for t, name in zip(picked, ["c3", "c4", "c5"]))
    with pytest.raises(ValueError, match=r"backbone must have feature maps at strides .* \[32\]"):
        yolo(backbone=keras.Model(image, backbone.get_layer("c4").output))
    with pytest.raises(ValueError, match=r"backbone's input has 1 channels"):
        yolo(input_shape=(64, 64, 3), backbone=backbone)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"size": "x"}, r"size must be one of 'n', 's', 'm'; Received: size='x'"),
        ({"classes": 0}, r"classes must be a positive int; Received: classes=0"),
        ({"reg_max": 1}, r"reg_max must be an int >= 2; Received: reg_max=1"),
        ({"input_shape": (60, 64, 3)}, r"multiples of 32 .* Received: input shape \(None, 60, 64, 3\)"),
        ({"backbone": "unet"}, r"registered vision builder .*Received: backbone='unet'"),
        ({"backbone": 3}, r"Received: backbone=3"),
        ({"weights": "missing.weights.h5"}, r"Received: weights='missing.weights.h5'"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        yolo(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"iou_threshold": 1.5}, r"iou_threshold must be a number in \[0, 1\]; Received: iou_threshold=1.5"),
        ({"confidence_threshold": -0.1}, r"Received: confidence_threshold=-0.1"),
        ({"max_detections": 0}, r"max_detections must be a positive int; Received: max_detections=0"),
    ],
)
def test_bad_decoder_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        YOLODecoder(**kwargs)
