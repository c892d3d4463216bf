"""Builders, one package per family (vision, sequence, seq2seq, captioning, generative,
restoration, segmentation, detection, style, image_translation, language, rl).

Importing this package imports no builder: ``kerasdl.registry.BUILDERS`` names the module
of each, ``kerasdl.get_model(name)`` imports only that one, and
``kerasdl.registry.import_all_builders()`` imports them all.
"""
