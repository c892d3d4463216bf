"""TimeLimit stops early enough that one more batch and the closing validation still fit."""

import types

import pytest

from kerasdl.training import callbacks
from kerasdl.training.callbacks import TimeLimit


@pytest.fixture
def clock(monkeypatch):
    now = types.SimpleNamespace(t=0.0)
    monkeypatch.setattr(callbacks.time, "monotonic", lambda: now.t)
    return now


def run(limit, clock, *, batch_seconds, validation_seconds, epochs=10, steps=10):
    """Drives the callback like Model.fit; returns the simulated end time."""
    cb = TimeLimit(limit / 60)
    cb.set_model(types.SimpleNamespace(stop_training=False))
    cb.on_train_begin()
    for epoch in range(epochs):
        cb.on_epoch_begin(epoch)
        for step in range(steps):
            clock.t += batch_seconds
            cb.on_train_batch_end(step)
            if cb.model.stop_training:
                break
        cb.on_test_begin()
        clock.t += validation_seconds
        cb.on_test_end()
        if cb.model.stop_training:
            break
    return cb, clock.t


def test_ends_within_the_limit(clock):
    cb, end = run(100.0, clock, batch_seconds=1.0, validation_seconds=3.0)
    assert cb.stopped
    assert end <= 100.0
    assert end >= 100.0 - 1.0 - 3.0 - 3.0  # it does not stop much earlier than it must


def test_no_stop_when_training_fits(clock):
    cb, end = run(1000.0, clock, batch_seconds=1.0, validation_seconds=3.0)
    assert not cb.stopped
    assert end == 10 * (10 * 1.0 + 3.0)
