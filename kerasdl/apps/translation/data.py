"""The translation app's data: sentence pairs from the flags, the seeded split, subword ids, length batches."""

from __future__ import annotations

import dataclasses
import pathlib

import numpy as np

from kerasdl.errors import UserInputError, first_line

GENERATED_PAIRS = 30_000
SPLIT_SEED = 0
SPLIT_FOLDER = "split"
TOKENIZER_FILE = "sentencepiece.model"
TOKENIZER_SAMPLE = 200_000  # sentences the tokenizer learns from (both languages together)
MIN_VOCABULARY = 300  # what train_sentencepiece accepts
FIT_VALIDATION_PAIRS = 2000  # validation pairs scored after each epoch (checkpoint choice); all are kept in the split


def load_pairs(source: dict) -> tuple[list[tuple[str, str]], str]:
    """``(pairs, description)`` from ``{"data"}``, ``{"source_file", "target_file"}`` or ``{"generated": n}``."""
    from kerasdl.data.parallel_corpus import generate_pairs
    from kerasdl.data.sentence_pairs import read_aligned_files, read_tsv_pairs

    if source.get("data"):
        return read_tsv_pairs(source["data"]), f"{source['data']} (tab-separated pairs)"
    if source.get("source_file") or source.get("target_file"):
        if not (source.get("source_file") and source.get("target_file")):
            raise UserInputError("--source and --target go together: two files aligned line by line")
        return (
            read_aligned_files(source["source_file"], source["target_file"]),
            f"{source['source_file']} + {source['target_file']} (aligned lines)",
        )
    count = int(source.get("generated") or GENERATED_PAIRS)
    return generate_pairs(count, seed=0), f"the generated English-Spanish counted-things corpus ({count:,} pairs)"


def make_split(source: dict, run_dir, *, seed: int) -> tuple[dict, str]:
    """Reads the pairs, splits them (seeded, grouped by source sentence) and writes ``<run_dir>/split/*.tsv``."""
    from kerasdl.data.sentence_pairs import split_pairs, write_split

    pairs, description = load_pairs(source)
    split = split_pairs(pairs, seed=seed)
    write_split(split, pathlib.Path(run_dir) / SPLIT_FOLDER)
    return split, description


def read_run_split(run_dir) -> dict:
    """The split a training run wrote, so evaluation scores exactly its test pairs."""
    from kerasdl.data.sentence_pairs import read_split

    folder = pathlib.Path(run_dir) / SPLIT_FOLDER
    if not (folder / "test.tsv").is_file():
        raise UserInputError(f"no split in {folder}: train first, or pass --data / --source and --target")
    return read_split(folder)


def fit_validation(pairs, *, seed: int = 0, count: int = FIT_VALIDATION_PAIRS) -> list:
    """A seeded sample of at most ``count`` validation pairs, in their order (scored after every epoch)."""
    if len(pairs) <= count:
        return list(pairs)
    keep = np.random.default_rng(seed).choice(len(pairs), count, replace=False)
    return [pairs[i] for i in sorted(keep)]


def learn_tokenizer(pairs, *, vocabulary_size: int, seed: int = 0) -> bytes:
    """One SentencePiece model for both languages, learned from the training pairs only."""
    from kerasdl.data.subword import train_sentencepiece

    texts = [s for pair in pairs for s in pair]
    if len(texts) > TOKENIZER_SAMPLE:
        keep = np.random.default_rng(seed).choice(len(texts), TOKENIZER_SAMPLE, replace=False)
        texts = [texts[i] for i in sorted(keep)]
    try:
        return train_sentencepiece(texts, vocabulary_size=vocabulary_size)
    except (ValueError, RuntimeError) as err:  # SentencePiece's own errors (e.g. too few sentences) included
        first = first_line(err)
        raise UserInputError(f"cannot learn a SentencePiece vocabulary from the training pairs: {first}") from None


def piece_ids(tokenizer, texts, *, batch_size: int = 4096) -> list[np.ndarray]:
    """Each text's piece ids (no start/end), through the in-graph tokenizer."""
    import tensorflow as tf

    out = []
    for start in range(0, len(texts), batch_size):
        rows = tokenizer(tf.constant(list(texts[start : start + batch_size]), tf.string))
        rows = rows.to_list() if hasattr(rows, "to_list") else rows  # keras-hub gives lists in eager mode
        out.extend(np.asarray(row, np.int32) for row in rows)
    return out


@dataclasses.dataclass
class TokenizedPairs:
    """Source piece ids and target ids ``[start, pieces..., end]`` of the pairs that fit the lengths."""

    sources: list[np.ndarray]
    targets: list[np.ndarray]
    dropped: int

    def __len__(self):
        return len(self.sources)


def tokenize_pairs(tokenizer, pairs, *, source_length: int, target_length: int) -> TokenizedPairs:
    """Pieces of every pair; pairs longer than the model reads are left out (and counted)."""
    from kerasdl.data.subword import END_ID, START_ID

    sources = piece_ids(tokenizer, [s for s, _ in pairs])
    targets = piece_ids(tokenizer, [t for _, t in pairs])
    kept_s, kept_t = [], []
    for s, t in zip(sources, targets):
        # the decoder reads [start, pieces] and predicts [pieces, end]: both target_length long at most
        if 0 < len(s) <= source_length and len(t) + 1 <= target_length:
            kept_s.append(s)
            kept_t.append(np.concatenate([[START_ID], t, [END_ID]]).astype(np.int32))
    return TokenizedPairs(kept_s, kept_t, dropped=len(pairs) - len(kept_s))


def _pad(rows, length=None) -> np.ndarray:
    length = length or max(len(r) for r in rows)
    out = np.zeros((len(rows), length), np.int32)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def batch(sources, targets):
    """One batch: ``({encoder ids, decoder ids}, next-token labels)``, padded to its longest member."""
    from kerasdl.models.seq2seq.common import DECODER_INPUT, ENCODER_INPUT

    target = _pad(targets)
    return {ENCODER_INPUT: _pad(sources), DECODER_INPUT: target[:, :-1]}, target[:, 1:]


def length_batches(data: TokenizedPairs, *, batch_size: int, seed: int | None = None, pool: int = 50):
    """Batches of pairs of similar length (so little of each batch is padding).

    With a ``seed``: an endless stream; each pass shuffles the pairs, sorts each pool of
    ``pool`` batches by length, cuts it into batches and shuffles the batches. Without: one
    pass in length order (validation).
    """
    lengths = np.array([max(len(s), len(t)) for s, t in zip(data.sources, data.targets)])
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(len(lengths)) if seed is not None else np.arange(len(lengths))
        chunks = [order[i : i + batch_size * pool] for i in range(0, len(order), batch_size * pool)]
        batches = []
        for chunk in chunks:
            chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
            batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
        if seed is not None:
            batches = [batches[i] for i in rng.permutation(len(batches))]
        for indices in batches:
            yield batch([data.sources[i] for i in indices], [data.targets[i] for i in indices])
        if seed is None:
            return


def dataset(data: TokenizedPairs, *, batch_size: int, seed: int | None = None):
    """:func:`length_batches` as a ``tf.data.Dataset``."""
    import tensorflow as tf

    from kerasdl.models.seq2seq.common import DECODER_INPUT, ENCODER_INPUT

    ids = tf.TensorSpec((None, None), tf.int32)
    return tf.data.Dataset.from_generator(
        lambda: length_batches(data, batch_size=batch_size, seed=seed),
        output_signature=({ENCODER_INPUT: ids, DECODER_INPUT: ids}, ids),
    ).prefetch(tf.data.AUTOTUNE)
