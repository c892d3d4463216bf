"""Image-classification builders in keras.applications' vocabulary; importing registers them."""

from kerasdl.models.vision import (
    classic,  # noqa: F401  (mlp, lenet5, alexnet)
    googlenet,  # noqa: F401
    inception_v3,  # noqa: F401
    mobilenet,  # noqa: F401  (mobilenet, mobilenet_v2)
    resnet,  # noqa: F401  (resnet18 ... resnet152)
    vgg,  # noqa: F401  (vgg11 ... vgg19)
)
