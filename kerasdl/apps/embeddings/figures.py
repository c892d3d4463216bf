"""The 2-D map of chosen words: their vectors projected on the two principal components."""

from __future__ import annotations

import numpy as np


def word_map(words, vectors, path, *, title: str = "") -> None:
    """Draws ``words`` at their vectors' first two principal components (PCA of the vectors given) into ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA

    vectors = np.asarray(vectors, dtype=np.float64)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)  # cosine geometry
    points = PCA(n_components=2, random_state=0).fit_transform(unit) if len(words) >= 2 else np.zeros((len(words), 2))
    fig, ax = plt.subplots(figsize=(8, 7))
    ax.scatter(points[:, 0], points[:, 1], s=12, color="tab:blue")
    for word, (x, y) in zip(words, points):
        ax.annotate(word, (x, y), xytext=(3, 3), textcoords="offset points", fontsize=9)
    ax.set_title(f"{title}: words by their vectors' first two principal components" if title else "word map")
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
