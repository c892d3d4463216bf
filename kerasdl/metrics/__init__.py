"""Evaluation metrics built on tf.image, scikit-learn and keras-hub."""
