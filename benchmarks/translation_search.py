"""Searching the translation recipe on an accelerator, at the step counts of the CPU budget.

The translation goal is set on 2 CPU cores (ten minutes of training, ``benchmarks/translation.py``),
where one trial costs a quarter of an hour. On a lent GPU the same Keras model trains those
steps in half a minute, so candidates are screened there and only the winner is confirmed on
the CPU. Each candidate trains for the number of steps it would get in the CPU budget
(600 s over its measured CPU time per step), on the same SentencePiece ids, split and
length-batched order as the app; it is then scored on the app's 2,000 validation pairs (never
the test split): teacher-forced NLL and token accuracy, and greedy BLEU/chrF (sacreBLEU, one
reference). The screen agreed with the CPU: ``keras-io`` 37.2 and the old default 34.3 here
against 36.9 and 33.2 test BLEU on the CPU.

Two steps, two environments::

    # 1. where TensorFlow is (the project's .venv): ids from a translation run directory
    .venv/bin/python benchmarks/translation_search.py prepare --run-dir runs/x --output search_data
    # 2. on the accelerator machine (Keras on JAX; no TensorFlow needed)
    KERAS_BACKEND=jax python benchmarks/translation_search.py search --data search_data \\
        --output benchmarks/results/translation_search.json [--only kio,kio_d0]

The CPU side of the budget: ``step-cost`` measures what a training step of each app recipe costs
on this machine (the app's own model, loss, schedule and unpadded length batches, no XLA), in
interleaved rounds over the same batches so that a slow spell of a shared host hits every recipe
alike; ``benchmarks/translation.py`` sets its step budgets from it::

    .venv/bin/python benchmarks/translation_search.py step-cost --data search_data \\
        --output benchmarks/results/translation_step_cost.json
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kerasdl.apps.translation.recipes import KERAS_IO_SHAPE  # noqa: E402  (TensorFlow-free, as on the GPU machine)

LENGTH = 40  # the recipes' source and target lengths, in pieces
START, END = 2, 3
KERAS_IO = {**KERAS_IO_SHAPE, "dropout": 0.1}  # the keras-io recipe's options


def candidate(name, steps, lr, *, ls=0.0, batch=64, warmup=0, ema=None, **options):
    """A recipe to screen; ``steps`` = 560 s of the CPU budget (less start-up and validation)
    over its CPU time per step (keras-io shape ~160 ms at batch 64, 2+2 FF 512 ~180 ms, deeper
    stacks more; batch 32 ~0.55x, batch 128 ~1.8x)."""
    return {
        "name": name,
        "steps": steps,
        "lr": lr,
        "ls": ls,
        "batch": batch,
        "warmup": warmup,
        "ema": ema,
        "options": {**KERAS_IO, **options},
    }


CANDIDATES = [
    candidate("kio", 3500, 1e-3),  # the keras-io recipe
    candidate("kio_d0", 3500, 1e-3, dropout=0.0),
    candidate(
        "default", 3100, 7e-4, ls=0.1, intermediate_dim=512, num_heads=4, num_encoder_layers=2, num_decoder_layers=2
    ),  # the default before this search
    candidate("kio_d0_lr2e3", 3500, 2e-3, dropout=0.0),
    candidate("preln_d0_lr2e3_w300", 3500, 2e-3, warmup=300, dropout=0.0, normalize_first=True),
    candidate("kio_d0_ema998", 3500, 1e-3, ema=0.998, dropout=0.0),
    candidate("e2d1_d0", 2950, 1e-3, dropout=0.0, num_encoder_layers=2),
    candidate("e2d2_d0", 2550, 1e-3, dropout=0.0, num_encoder_layers=2, num_decoder_layers=2),
    candidate("kio_d0_ls", 3500, 1e-3, ls=0.1, dropout=0.0),
    candidate("preln_d0_lr3e3_w300", 3500, 3e-3, warmup=300, dropout=0.0, normalize_first=True),
    candidate("kio_d0_b128", 1950, 1.4e-3, batch=128, dropout=0.0),
    candidate("kio_d0_shared", 3500, 1e-3, dropout=0.0, shared_embeddings=True),
    candidate("kd0ls_b32", 6300, 7e-4, ls=0.1, batch=32, dropout=0.0),
    candidate("kd0ls_lr7e4", 3500, 7e-4, ls=0.1, dropout=0.0),
    candidate("kd0ls_ff1024", 3800, 1e-3, ls=0.1, dropout=0.0, intermediate_dim=1024),
    candidate("kd0ls_w200_lr14e4", 3500, 1.4e-3, ls=0.1, warmup=200, dropout=0.0),  # became the default
]


# ----------------------------------------------------------------------------- prepare (TensorFlow side)


def prepare(run_dir: pathlib.Path, output: pathlib.Path) -> None:
    """Token ids of a translation run's training and validation pairs, and its SentencePiece model."""
    from kerasdl.apps.translation import data
    from kerasdl.data.subword import tokenizer

    split = data.read_run_split(run_dir)
    proto = (run_dir / data.TOKENIZER_FILE).read_bytes()
    tok = tokenizer(proto)

    def padded(pairs):
        ids = data.tokenize_pairs(tok, pairs, source_length=LENGTH, target_length=LENGTH)
        sources = np.zeros((len(ids), LENGTH), np.int16)
        targets = np.zeros((len(ids), LENGTH + 1), np.int16)  # [start, pieces, end]
        for i, (s, t) in enumerate(zip(ids.sources, ids.targets)):
            sources[i, : len(s)], targets[i, : len(t)] = s, t
        return sources, targets

    train_s, train_t = padded(split["train"])
    val_s, val_t = padded(data.fit_validation(split["validation"], seed=data.SPLIT_SEED))
    output.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        output / "ids.npz",
        train_sources=train_s,
        train_targets=train_t,
        val_sources=val_s,
        val_targets=val_t,
        vocabulary_size=int(tok.vocabulary_size()),
    )
    (output / "sentencepiece.model").write_bytes(proto)
    print(f"{len(train_s):,} training and {len(val_s):,} validation pairs -> {output}")


# ----------------------------------------------------------------------------- search (Keras on JAX)


def tokenized_pairs(sources, targets):
    """``prepare``'s zero-padded id arrays back as the app's ``TokenizedPairs``."""
    from kerasdl.apps.translation import data  # TensorFlow-free, like recipes

    return data.TokenizedPairs([s[s > 0] for s in sources], [t[t > 0] for t in targets], dropped=0)


def length_batches(sources, targets, batch_size, seed):
    """The app's length-batched stream (``data.length_batches``), full batches only, padded to
    the full length so XLA compiles one shape (the masks make the padding invisible)."""

    def padded(ids):
        return np.pad(ids, ((0, 0), (0, LENGTH - ids.shape[1])))

    from kerasdl.apps.translation import data

    for x, y in data.length_batches(tokenized_pairs(sources, targets), batch_size=batch_size, seed=seed):
        if len(y) == batch_size:
            yield {key: padded(ids) for key, ids in x.items()}, padded(y)


def train(c, ids):
    import keras

    from kerasdl.losses import MaskedCrossEntropy
    from kerasdl.models.seq2seq.transformer import transformer_seq2seq

    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    vocabulary = int(ids["vocabulary_size"])
    model = transformer_seq2seq(
        source_vocabulary_size=vocabulary,
        target_vocabulary_size=vocabulary,
        source_sequence_length=LENGTH,
        target_sequence_length=LENGTH,
        **c["options"],
    )
    warmup = c["warmup"]
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else c["lr"],
        decay_steps=c["steps"] - warmup,
        alpha=0.01,
        **({"warmup_target": c["lr"], "warmup_steps": warmup} if warmup else {}),
    )
    optimizer = keras.optimizers.Adam(schedule, use_ema=bool(c["ema"]), ema_momentum=c["ema"] or 0.99)
    loss = MaskedCrossEntropy(label_smoothing=c["ls"])
    model.compile(optimizer=optimizer, loss=loss, jit_compile=True)
    batches = length_batches(ids["train_sources"], ids["train_targets"], c["batch"], seed=0)
    start, losses = time.perf_counter(), []
    for _ in range(c["steps"]):
        losses.append(model.train_on_batch(*next(batches)))
    if c["ema"]:
        optimizer.finalize_variable_values(model.trainable_variables)
    return model, time.perf_counter() - start, float(np.mean(losses[-50:]))


def teacher_forced(model, sources, targets):
    """NLL per real piece and token accuracy, computed on the device."""
    import keras
    from keras import ops

    logits = ops.cast(model.outputs[0], "float32")
    labels = keras.Input((None,), dtype="int32")
    true = ops.squeeze(ops.take_along_axis(logits, ops.expand_dims(labels, -1), axis=-1), -1)
    scorer = keras.Model(
        {**model.input, "labels": labels}, [ops.logsumexp(logits, axis=-1) - true, ops.argmax(logits, axis=-1)]
    )
    total, hits, pieces = 0.0, 0, 0
    for i in range(0, len(sources), 500):
        y = targets[i : i + 500, 1:]
        nll, best = scorer.predict_on_batch(
            {"encoder_token_ids": sources[i : i + 500], "decoder_token_ids": targets[i : i + 500, :LENGTH], "labels": y}
        )
        real = y > 0
        total += float((np.asarray(nll) * real).sum())
        hits += int(((np.asarray(best) == y) & real).sum())
        pieces += int(real.sum())
    return total / pieces, hits / pieces


def greedy_bleu(model, sources, targets, sentencepiece_model):
    """Greedy decoding of every validation source (argmax on the device), sacreBLEU and chrF."""
    import keras
    import sacrebleu
    import sentencepiece
    from keras import ops

    sp = sentencepiece.SentencePieceProcessor(model_file=str(sentencepiece_model))
    best = keras.Model(model.input, ops.argmax(model.outputs[0], axis=-1))
    prefix = np.zeros((len(sources), LENGTH), np.int32)
    prefix[:, 0] = START
    done = np.zeros(len(sources), bool)
    for t in range(LENGTH - 1):
        following = np.asarray(best.predict_on_batch({"encoder_token_ids": sources, "decoder_token_ids": prefix}))[:, t]
        following[done] = 0
        prefix[:, t + 1] = following
        done |= following == END
        if done.all():
            break

    def text(ids):
        ids = list(ids)
        ids = ids[: ids.index(END)] if END in ids else ids
        return sp.decode([int(i) for i in ids if i > END or i == 1])

    hypotheses = [text(row[1:]) for row in prefix]
    references = [text(row[1:]) for row in targets]
    return (
        sacrebleu.corpus_bleu(hypotheses, [references]).score,
        sacrebleu.corpus_chrf(hypotheses, [references]).score,
        list(zip(hypotheses[:5], references[:5])),
    )


def search(
    data: pathlib.Path, output: pathlib.Path, only: list | None, steps: int | None = None, validation: int | None = None
) -> None:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    from kerasdl.files import write_json  # after the backend is chosen: kerasdl's import picks one

    loaded = np.load(data / "ids.npz")
    ids = {k: loaded[k].astype(np.int32) for k in loaded.files}
    if validation:
        ids["val_sources"], ids["val_targets"] = ids["val_sources"][:validation], ids["val_targets"][:validation]
    results = []
    for c in CANDIDATES:
        if only and c["name"] not in only:
            continue
        if steps:  # a smoke run
            c = {**c, "steps": steps, "warmup": min(c["warmup"], steps // 2)}
        model, seconds, last_loss = train(c, ids)
        nll, accuracy = teacher_forced(model, ids["val_sources"], ids["val_targets"])
        bleu, chrf, samples = greedy_bleu(model, ids["val_sources"], ids["val_targets"], data / "sentencepiece.model")
        results.append(
            {
                **c,
                "parameters": model.count_params(),
                "train_seconds": round(seconds, 1),
                "last_train_loss": last_loss,
                "val_nll": nll,
                "val_accuracy": accuracy,
                "val_bleu": bleu,
                "val_chrf": chrf,
                "samples": samples,
            }
        )
        print(
            f"{c['name']:22s} {c['steps']:5d} steps  val NLL {nll:.3f}  accuracy {accuracy:.4f}  "
            f"BLEU {bleu:.2f}  chrF {chrf:.2f}  ({seconds:.0f} s)",
            flush=True,
        )
        write_json({"candidates": results}, output)


# ----------------------------------------------------------------------------- step cost (TensorFlow, CPU)


def step_cost(data: pathlib.Path, output: pathlib.Path, recipes_to_time: list, rounds: int, batches: int) -> None:
    """Median seconds per training step of each recipe, over ``rounds`` interleaved passes."""
    import keras

    from benchmarks.translation import BUDGET_EPOCHS, STEPS_PER_EPOCH
    from kerasdl.apps.translation import data as app_data
    from kerasdl.apps.translation import recipes
    from kerasdl.files import write_json
    from kerasdl.losses import MaskedCrossEntropy
    from kerasdl.training import TrainConfig
    from kerasdl.training.fit import learning_rate_schedule

    loaded = np.load(data / "ids.npz")
    pairs = tokenized_pairs(loaded["train_sources"].astype(np.int32), loaded["train_targets"].astype(np.int32))
    first = recipes_to_time[0]
    batch_size = recipes.recipe(first).training["batch_size"]
    stream = app_data.length_batches(pairs, batch_size=batch_size, seed=0)
    sample = [next(stream) for _ in range(batches)]
    models = {}
    for name in recipes_to_time:
        r = recipes.recipe(name)
        keras.utils.set_random_seed(0)
        model = recipes.build_model(r, vocabulary_size=int(loaded["vocabulary_size"]), name=name.replace("-", "_"))
        # the schedule of the bench's spa-eng run (its shape costs nothing per step, but it is the one timed)
        config = TrainConfig(
            epochs=BUDGET_EPOCHS.get(("spa_eng", name), 12),
            steps_per_epoch=STEPS_PER_EPOCH,
            learning_rate=r.training["learning_rate"],
            warmup_steps=r.training["warmup_steps"],
        )
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate_schedule(config)),
            loss=MaskedCrossEntropy(r.settings["label_smoothing"]),
            jit_compile=False,
        )
        for x, y in sample:  # traces every batch shape before the clock runs
            model.train_on_batch(x, y)
        models[name] = model
    seconds = {name: [] for name in models}
    for _ in range(rounds):
        for name, model in models.items():
            start = time.perf_counter()
            for x, y in sample:
                model.train_on_batch(x, y)
            seconds[name].append((time.perf_counter() - start) / len(sample))
    medians = {name: float(np.median(v)) for name, v in seconds.items()}
    result = {
        "what": "CPU seconds per training step, median of interleaved rounds over the same real batches",
        "batches": batches,
        "rounds": rounds,
        "batch_size": batch_size,
        "cpu_count": os.cpu_count(),
        "median_seconds": medians,
        "rounds_seconds": {name: [round(x, 4) for x in v] for name, v in seconds.items()},
        f"cost_relative_to_{first}": {name: medians[name] / medians[first] for name in medians},
    }
    write_json(result, output)
    for name, median in medians.items():
        print(f"{name:12s} {median * 1000:6.1f} ms a step (x{median / medians[first]:.3f})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="token ids from a translation run directory (needs TensorFlow)")
    p.add_argument("--run-dir", type=pathlib.Path, required=True)
    p.add_argument("--output", type=pathlib.Path, required=True)
    s = sub.add_parser("search", help="train and score the candidates (Keras on JAX, an accelerator)")
    s.add_argument("--data", type=pathlib.Path, required=True)
    s.add_argument("--output", type=pathlib.Path, required=True)
    s.add_argument("--only", help="comma-separated candidate names")
    s.add_argument("--steps", type=int, help="train every candidate this many steps (a smoke run)")
    s.add_argument("--validation", type=int, help="score only the first N validation pairs (a smoke run)")
    c = sub.add_parser("step-cost", help="CPU time per training step of the app's recipes (needs TensorFlow)")
    c.add_argument("--data", type=pathlib.Path, required=True)
    c.add_argument("--output", type=pathlib.Path, required=True)
    c.add_argument("--recipes", default="transformer,keras-io", help="comma-separated app recipes")
    c.add_argument("--rounds", type=int, default=10)
    c.add_argument("--batches", type=int, default=40)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.run_dir, args.output)
    elif args.command == "step-cost":
        step_cost(args.data, args.output, args.recipes.split(","), args.rounds, args.batches)
    else:
        search(args.data, args.output, args.only.split(",") if args.only else None, args.steps, args.validation)


if __name__ == "__main__":
    main()
