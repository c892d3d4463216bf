"""Bad corpora that every text app refuses in one line: a missing file, blank lines, an image."""


def _written(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def missing_corpus(root):
    return root / "no_such_corpus.txt"


def blank_corpus(root):
    return _written(root / "empty.txt", b"\n   \n\n")


def image_as_corpus(root):
    return _written(root / "corpus.png", b"\x89PNG\r\n\x1a\n\x00\x00not text")


BAD_CORPORA = {
    "missing": (missing_corpus, "no such file or folder"),
    "empty": (blank_corpus, "the corpus is empty"),
    "wrong type": (image_as_corpus, "expected a .txt, .csv or .tsv file"),
}
