"""Data-parallel training across processes: ``MultiWorkerMirroredStrategy`` and the loop that drives it.

Keras 3's ``Model.fit`` cannot train under ``tf.distribute.MultiWorkerMirroredStrategy``
(keras-team/keras#20585: "Attempt to convert a value (PerReplica...)"), and the strategy
itself must exist before TensorFlow starts its runtime ("Collective ops must be configured
at program startup"). So a cluster run works in two parts:

* :func:`start_workers` creates the strategy once, first thing in the process (the
  ``kerasdl`` command does it itself when ``TF_CONFIG`` describes a cluster);
  :func:`~kerasdl.training.hardware.select_strategy` returns it from then on.
* :func:`train_across_workers` is the loop ``fit`` runs instead of ``Model.fit``: each step
  is ``strategy.run(model.train_step)``, the model's own step (so compiled losses, the
  losses its layers add, metrics, loss scaling and custom ``train_step`` methods all work as
  in ``Model.fit``), the Keras optimizer all-reducing the gradients; validation runs
  ``model.test_step`` the same way; the callbacks are called as ``Model.fit`` calls them.
"""

from __future__ import annotations

import re

import keras
import tensorflow as tf

from kerasdl.training import hardware

# How long a collective (a gradient all-reduce, say) may wait for the other workers before
# the run fails instead of hanging. A worker that dies is noticed sooner, by the coordination
# service's heartbeats (see :func:`start_workers`); this bounds everything else (a worker
# stuck without dying). It must exceed the longest pause one worker can make while the
# others wait: the first step's tracing, an epoch's checkpoint written by the chief.
DEFAULT_TIMEOUT_SECONDS = 300.0
# How long a worker may stay silent before the others give up on it.
HEARTBEAT_TIMEOUT_SECONDS = 20.0

_strategy: tf.distribute.MultiWorkerMirroredStrategy | None = None


class WorkerLostError(RuntimeError):
    """Another worker of a multi-worker run stopped (crashed, was killed, or stopped answering)."""


def cluster() -> dict | None:
    """The ``cluster`` of ``TF_CONFIG`` (``{"worker": ["host:port", ...]}``), or None outside a cluster."""
    return hardware.read_tf_config().get("cluster") or None


def start_workers(
    *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS, heartbeat_seconds: float = HEARTBEAT_TIMEOUT_SECONDS
):
    """Joins the cluster that ``TF_CONFIG`` describes; call it before anything else uses TensorFlow.

    Creates the process's ``tf.distribute.MultiWorkerMirroredStrategy`` (once: later calls
    return the same one), which waits until every worker of the cluster has started. The
    ``kerasdl`` command calls it itself; a Python program calls it first thing, then trains
    as usual (``fit`` and every app's ``train`` use the strategy)::

        import kerasdl.training

        kerasdl.training.start_workers()  # before anything else uses TensorFlow
        from kerasdl.apps import SuperResolution

        SuperResolution(scale=3).train("photos/")  # the same call on every worker

    Args:
        timeout_seconds: how long one collective operation may wait for the other workers
            before the run fails with an error instead of hanging.
        heartbeat_seconds: how long a worker may stay silent before the others declare it
            lost and stop with an error naming it.

    Returns:
        The strategy, or None when ``TF_CONFIG`` describes no cluster.

    Raises:
        RuntimeError: TensorFlow has already started in this process.
    """
    global _strategy
    if _strategy is not None:
        return _strategy
    if cluster() is None:
        return None
    from tensorflow.python.distribute import multi_worker_util
    from tensorflow.python.distribute.cluster_resolver import TFConfigClusterResolver
    from tensorflow.python.eager import context

    if context.context()._context_handle is not None:  # noqa: SLF001 - no public "has TF started" check
        raise RuntimeError(_TOO_LATE)
    resolver = TFConfigClusterResolver()
    spec = multi_worker_util.normalize_cluster_spec(resolver.cluster_spec())
    if resolver.task_type in ("chief", "worker"):
        # The strategy would configure the coordination service itself, with a heartbeat
        # timeout of minutes; configured here first, a lost worker is noticed within
        # ``heartbeat_seconds``.
        from tensorflow.compiler.xla.tsl.protobuf import coordination_config_pb2

        jobs = [
            coordination_config_pb2.CoordinatedJob(name=job, num_tasks=spec.num_tasks(job))
            for job in ("chief", "worker")
            if job in spec.jobs
        ]
        context.context().configure_coordination_service(
            service_type="standalone",
            service_leader=multi_worker_util.coordination_leader(spec),
            coordinated_jobs=jobs,
            heartbeat_timeout_in_ms=int(heartbeat_seconds * 1000),
        )
    options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=timeout_seconds)
    try:
        _strategy = tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver, communication_options=options)
    except RuntimeError as err:
        if "program startup" in str(err):
            raise RuntimeError(_TOO_LATE) from None
        raise
    return _strategy


_TOO_LATE = (
    "multi-worker training (TF_CONFIG describes a cluster) needs its strategy created before TensorFlow "
    "starts: call kerasdl.training.start_workers() first thing in the program (the kerasdl command does)"
)


def cluster_strategy() -> tf.distribute.MultiWorkerMirroredStrategy:
    """The strategy :func:`start_workers` created, creating it now if TensorFlow has not started yet."""
    return _strategy if _strategy is not None else start_workers()


def is_multi_worker(strategy) -> bool:
    """Whether ``strategy`` is the multi-worker one of :func:`start_workers`."""
    return strategy is not None and strategy is _strategy


def is_chief(strategy) -> bool:
    """Whether this process writes the run (worker 0, or the ``chief`` task when there is one)."""
    return bool(strategy.extended.should_checkpoint)


# ---------------------------------------------------------------------------- the loop


def _sharded_by_data(dataset):
    """``dataset`` split across workers element by element: every worker runs the whole pipeline
    and keeps its slice of each global batch (so one step sees what one process would)."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def _vote_function(strategy):
    """``vote(flag)``: True on every worker when ``flag`` is true on any (all stop at the same step)."""

    def replica_vote(flag):
        # tf.identity puts the value on the replica's device, where the all-reduce expects it.
        return tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, tf.identity(flag))

    @tf.function(input_signature=[tf.TensorSpec((), tf.float32)])
    def votes(flag):
        return strategy.experimental_local_results(strategy.run(replica_vote, args=(flag,)))[0]

    return lambda flag: bool(votes(tf.constant(1.0 if flag else 0.0)).numpy() > 0)


def _optimizers(model) -> list:
    found = [model.optimizer] if getattr(model, "optimizer", None) is not None else []
    for value in vars(model).values():
        if isinstance(value, keras.optimizers.Optimizer) and all(value is not f for f in found):
            found.append(value)
    return found


def _state_variables(model) -> list:
    """The variables a backup restores: the model's and its optimizers' (metrics restart every epoch)."""
    variables, seen = [], set()
    for v in list(model.variables) + [v for opt in _optimizers(model) for v in opt.variables]:
        if id(v) not in seen:
            seen.add(id(v))
            variables.append(v)
    return variables


def _broadcast_from_chief(strategy, variables, epoch: int) -> int:
    """Copies the chief's ``variables`` and ``epoch`` to every worker; returns the epoch.

    A resumed run restores its backup on the chief only (other workers may run on other
    machines, without the run folder); this makes every worker continue from it.
    """
    values = [tf.cast(v.value, tf.float64) for v in variables] + [tf.constant(float(epoch), tf.float64)]

    def first_replica_only(*tensors):
        context = tf.distribute.get_replica_context()
        keep = tf.cast(tf.equal(context.replica_id_in_sync_group, 0), tf.float64)
        return context.all_reduce(tf.distribute.ReduceOp.SUM, [tf.identity(t) * keep for t in tensors])

    @tf.function
    def broadcast(*tensors):
        summed = strategy.run(first_replica_only, args=tensors)
        return [strategy.experimental_local_results(s)[0] for s in summed]

    mine = 1.0 if is_chief(strategy) else 0.0
    summed = broadcast(*(t * mine for t in values))
    for variable, value in zip(variables, summed[:-1]):
        variable.assign(tf.cast(value, variable.dtype))
    return int(summed[-1].numpy())


def _lost_worker(error: Exception) -> WorkerLostError:
    """A one-line error naming the worker whose loss ``error`` reports."""
    message = str(error)
    spec = cluster() or {}
    lost = []
    for job, index in re.findall(r"/job:(\w+)/replica:\d+/task:(\d+)", message):
        addresses = spec.get(job) or []
        where = f" ({addresses[int(index)]})" if int(index) < len(addresses) else ""
        name = f"{job} {index}{where}"
        if name not in lost:
            lost.append(name)
    me = hardware.read_tf_config().get("task", {})
    mine = f"{me.get('type', 'worker')} {me.get('index', 0)}"
    lost = [name for name in lost if not name.startswith(mine + " ") and name != mine]
    who = ", ".join(lost) if lost else "another worker"
    return WorkerLostError(
        f"multi-worker training stopped: lost contact with {who} ({type(error).__name__}); "
        f"restart every worker with the same command to resume from the last finished epoch"
    )


def train_across_workers(
    model,
    *,
    strategy,
    train_data,
    val_data,
    epochs: int,
    steps_per_epoch: int,
    initial_epoch: int,
    callbacks: list,
    verbose,
    jit_compile: bool,
) -> int:
    """Trains ``model`` (built and compiled in ``strategy``'s scope) the way ``Model.fit`` would.

    Every worker runs this with the same arguments. Each global batch of ``train_data`` is
    split among the workers (:func:`_sharded_by_data`); ``val_data`` likewise, and every
    logged value is reduced across all of them, so the logs match a one-process run's.
    Every worker calls the callbacks (only the chief's write to the run folder), and a stop
    requested by a callback on any worker (time limit, early stopping) stops all of them
    after the same step.

    Args:
        model: the compiled model.
        strategy: the strategy of :func:`start_workers`.
        train_data: batches ``(x, y)``, endless or at least ``epochs * steps_per_epoch`` long.
        val_data: finite validation batches, or None.
        epochs: the run's number of epochs.
        steps_per_epoch: training steps per epoch.
        initial_epoch: epochs already done, by the chief's backup (0 on other workers).
        callbacks: the callbacks, as ``Model.fit`` takes them.
        verbose: the progress-bar mode (shown by the chief only).
        jit_compile: compile each replica's step with XLA.

    Returns:
        The epoch the run started at (the chief's, on every worker).

    Raises:
        WorkerLostError: a worker died or stopped answering.
    """
    try:
        return _train(
            model,
            strategy=strategy,
            train_data=train_data,
            val_data=val_data,
            epochs=epochs,
            steps_per_epoch=steps_per_epoch,
            initial_epoch=initial_epoch,
            callbacks=callbacks,
            verbose=verbose,
            jit_compile=jit_compile,
        )
    except (tf.errors.UnavailableError, tf.errors.DeadlineExceededError, tf.errors.AbortedError) as err:
        raise _lost_worker(err) from None
    except tf.errors.OpError as err:
        if re.search(r"heartbeat|unhealthy|preempted|coordination service", str(err), re.IGNORECASE):
            raise _lost_worker(err) from None
        raise


def _train(
    model, *, strategy, train_data, val_data, epochs, steps_per_epoch, initial_epoch, callbacks, verbose, jit_compile
):
    chief = is_chief(strategy)
    callback_list = keras.callbacks.CallbackList(
        callbacks,
        add_history=True,
        add_progbar=bool(verbose) and chief,
        verbose=verbose if chief else 0,
        epochs=epochs,
        steps=steps_per_epoch,
        model=model,
    )
    with strategy.scope():
        # What Model.fit builds from the first batch: the compiled metrics' and losses'
        # variables, and the optimizer's, created here rather than inside the step function.
        model._symbolic_build(data_batch=train_data.element_spec)  # noqa: SLF001

    replica_train_step = tf.function(model.train_step, jit_compile=jit_compile, reduce_retracing=True)
    replica_test_step = tf.function(model.test_step, jit_compile=jit_compile, reduce_retracing=True)

    @tf.function(reduce_retracing=True)
    def train_function(iterator):
        strategy.run(replica_train_step, args=(next(iterator),))
        return model.get_metrics_result()  # read across replicas: the global batch's values

    @tf.function(reduce_retracing=True)
    def test_function(batch):
        strategy.run(replica_test_step, args=(batch,))

    @tf.function
    def metrics_result():
        return model.get_metrics_result()

    any_worker = _vote_function(strategy)
    model.stop_training = False
    callback_list.on_train_begin()
    initial_epoch = _broadcast_from_chief(strategy, _state_variables(model), initial_epoch)
    if initial_epoch:
        # Continue the data stream where the interrupted run stopped (see fit's resume notes).
        train_data = train_data.skip(initial_epoch * steps_per_epoch)
    iterator = iter(strategy.experimental_distribute_dataset(_sharded_by_data(train_data)))
    val_batches = strategy.experimental_distribute_dataset(_sharded_by_data(val_data)) if val_data is not None else None

    epoch_logs: dict = {}
    for epoch in range(initial_epoch, epochs):
        model.reset_metrics()
        callback_list.on_epoch_begin(epoch)
        for step in range(steps_per_epoch):
            callback_list.on_train_batch_begin(step)
            logs = train_function(iterator)
            callback_list.on_train_batch_end(step, logs)
            if any_worker(model.stop_training):
                model.stop_training = True
                break
        epoch_logs = {name: float(value) for name, value in metrics_result().items()}
        if val_batches is not None:
            model.reset_metrics()
            callback_list.on_test_begin()
            for step, batch in enumerate(val_batches):
                callback_list.on_test_batch_begin(step)
                test_function(batch)
                callback_list.on_test_batch_end(step)
            val_logs = {name: float(value) for name, value in metrics_result().items()}
            callback_list.on_test_end(val_logs)
            epoch_logs.update({f"val_{name}": value for name, value in val_logs.items()})
        callback_list.on_epoch_end(epoch, epoch_logs)
        if any_worker(model.stop_training):
            model.stop_training = True
            break
    if epochs > initial_epoch:
        for optimizer in _optimizers(model):
            optimizer.finalize_variable_values(model.trainable_weights)
    callback_list.on_train_end(logs=epoch_logs)
    return initial_epoch
