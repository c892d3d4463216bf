"""Image-classification builders in keras.applications' vocabulary; importing registers them."""

from kerasdl.models.vision import classic  # noqa: F401  (mlp, lenet5, alexnet)
from kerasdl.models.vision import googlenet  # noqa: F401
from kerasdl.models.vision import inception_v3  # noqa: F401
from kerasdl.models.vision import mobilenet  # noqa: F401  (mobilenet, mobilenet_v2)
from kerasdl.models.vision import resnet  # noqa: F401  (resnet18 ... resnet152)
from kerasdl.models.vision import unet  # noqa: F401
from kerasdl.models.vision import vgg  # noqa: F401  (vgg11 ... vgg19)
