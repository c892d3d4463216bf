"""Maps images in [0, 1] to the input convention of keras.applications' ImageNet weights."""

import keras

# How keras.applications' ImageNet weights expect their input (see each module's preprocess_input).
PREPROCESSING_MODES = ("unit", "tf", "torch", "caffe", "raw255")
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


@keras.saving.register_keras_serializable(package="kerasdl")
class ImagePreprocessing(keras.layers.Layer):
    """Maps images in [0, 1] to what an encoder's ImageNet weights expect.

    Args:
        mode: ``"unit"`` (unchanged), ``"tf"`` ([-1, 1]), ``"torch"`` (ImageNet mean/std),
            ``"caffe"`` (BGR, 0-255, ImageNet mean subtracted) or ``"raw255"`` (0-255; the
            model rescales itself, as EfficientNet and ConvNeXt do).
    """

    def __init__(self, mode="unit", **kwargs):
        super().__init__(**kwargs)
        if mode not in PREPROCESSING_MODES:
            raise ValueError(
                f"mode must be one of {', '.join(map(repr, PREPROCESSING_MODES))}; Received: mode={mode!r}"
            )
        self.mode = mode

    def call(self, x):
        ops = keras.ops
        if self.mode == "tf":
            return x * 2.0 - 1.0
        if self.mode == "torch":
            return (x - ops.convert_to_tensor(_IMAGENET_MEAN, x.dtype)) / ops.convert_to_tensor(_IMAGENET_STD, x.dtype)
        if self.mode == "caffe":
            return ops.flip(x, axis=-1) * 255.0 - ops.convert_to_tensor(_CAFFE_MEAN_BGR, x.dtype)
        if self.mode == "raw255":
            return x * 255.0
        return x

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
