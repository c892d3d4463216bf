"""ImagePreprocessing: keras.applications' ImageNet input conventions, checked arguments."""

import numpy as np
import pytest

from kerasdl.layers import ImagePreprocessing


def test_imagenet_preprocessing_modes():
    x = np.full((1, 2, 2, 3), 0.5, np.float32)
    assert np.allclose(ImagePreprocessing("tf")(x), 0.0)
    caffe = np.asarray(ImagePreprocessing("caffe")(np.array([[[[1.0, 0.0, 0.0]]]], np.float32)))
    np.testing.assert_allclose(caffe[0, 0, 0], [-103.939, -116.779, 255 - 123.68], atol=1e-3)  # BGR order


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="mode must be one of .*Received: mode='bgr'"):
        ImagePreprocessing("bgr")
