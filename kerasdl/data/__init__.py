"""Data: image files, tf.data pipelines, embedded default datasets."""
