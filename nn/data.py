"""Toy datasets as plain lists, `train_test_split`, and a `DataLoader` that batches them.

Every dataset returns `(X, y)`: `X` a list of feature lists (one per sample), `y` a list of labels (ints 0, 1, …)
or, for `make_linear`, of float targets. Randomness comes from `random.Random(seed)`, so the same seed gives
the same data on every machine, and `seed=None` gives fresh data each call.
"""

import math
import random

__all__ = ["DataLoader", "make_blobs", "make_circles", "make_linear", "make_moons", "train_test_split"]


def make_moons(n_samples=100, noise=0.0, seed=None, shuffle=True):
    """Two interleaving half circles, as `sklearn.datasets.make_moons`: label 0 on the upper arc, 1 on the lower.

    Class 0: (cos t, sin t) and class 1: (1 − cos t, 0.5 − sin t), for n evenly spaced t in [0, π]; then the
    samples are shuffled and Gaussian noise with standard deviation `noise` is added to every coordinate.
    """
    rng = _rng(n_samples, noise, seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, n_out)]
    X += [[1.0 - math.cos(t), 0.5 - math.sin(t)] for t in _linspace(0.0, math.pi, n_in)]
    y = [0] * n_out + [1] * n_in
    return _finish(X, y, rng, noise, shuffle)


def make_circles(n_samples=100, noise=0.0, factor=0.8, seed=None, shuffle=True):
    """A large circle (label 0, radius 1) around a small one (label 1, radius `factor`), as sklearn's make_circles.

    Points are evenly spaced in angle on each circle; then shuffled, and Gaussian noise (std `noise`) is added.
    """
    rng = _rng(n_samples, noise, seed)
    if not 0 <= factor < 1:
        raise ValueError(f"make_circles: factor (inner radius / outer radius) must be in [0, 1), got {factor!r}")
    n_out = n_samples // 2
    n_in = n_samples - n_out
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, 2 * math.pi, n_out, endpoint=False)]
    X += [[factor * math.cos(t), factor * math.sin(t)] for t in _linspace(0.0, 2 * math.pi, n_in, endpoint=False)]
    y = [0] * n_out + [1] * n_in
    return _finish(X, y, rng, noise, shuffle)


def make_blobs(n_samples=100, centers=2, cluster_std=1.0, n_features=2, seed=None, center_box=(-10.0, 10.0)):
    """Gaussian blobs, one class per center, as sklearn's make_blobs; samples are shuffled.

    `centers` is a number of centers (drawn uniformly in `center_box` along every feature) or a list of
    points; `cluster_std` is one standard deviation or one per center. Sample i of center k is
    center_k + N(0, std_k²) per feature; the samples are split as evenly as possible between centers.
    """
    rng = _rng(n_samples, 0.0, seed)
    if isinstance(centers, int) and not isinstance(centers, bool):
        if centers < 1:
            raise ValueError(f"make_blobs: centers must be at least 1, got {centers}")
        if not isinstance(n_features, int) or n_features < 1:
            raise ValueError(f"make_blobs: n_features must be a positive int, got {n_features!r}")
        low, high = center_box
        centers = [[rng.uniform(low, high) for _ in range(n_features)] for _ in range(centers)]
    else:
        centers = [[float(c) for c in center] for center in centers]
        if not centers or len({len(center) for center in centers}) != 1:
            raise ValueError("make_blobs: centers must be a count or a non-empty list of points of equal length")
    stds = [cluster_std] * len(centers) if isinstance(cluster_std, (int, float)) else list(cluster_std)
    if len(stds) != len(centers):
        raise ValueError(f"make_blobs: got {len(stds)} cluster_std values for {len(centers)} centers")
    if any(s < 0 for s in stds):
        raise ValueError(f"make_blobs: cluster_std must be >= 0, got {cluster_std!r}")
    X, y = [], []
    for k, (center, std) in enumerate(zip(centers, stds, strict=True)):
        count = n_samples // len(centers) + (k < n_samples % len(centers))
        X += [[c + rng.gauss(0.0, std) for c in center] for _ in range(count)]
        y += [k] * count
    return _finish(X, y, rng, 0.0, True)


def make_linear(n_samples=100, weights=(2.0,), bias=1.0, noise=0.0, seed=None):
    """A regression set: x uniform in [-1, 1] per feature, y = w·x + b + N(0, noise²). One feature per weight.

    The default is y = 2x + 1, the line of the article on stochastic gradient descent and its variants.
    """
    rng = _rng(n_samples, noise, seed)
    weights = [float(w) for w in weights]
    if not weights:
        raise ValueError("make_linear: weights must hold at least one weight (one per feature)")
    X = [[rng.uniform(-1.0, 1.0) for _ in weights] for _ in range(n_samples)]
    y = [math.fsum(w * x for w, x in zip(weights, row, strict=True)) + bias for row in X]
    if noise:
        y = [t + rng.gauss(0.0, noise) for t in y]
    return X, y


def train_test_split(X, y, test_size=0.25, shuffle=True, seed=None):
    """Split into `X_train, X_test, y_train, y_test` (sklearn's order); a test_size in (0, 1) is a fraction, rounded up.

    An int test_size is a number of test samples. Without shuffling, the test set is the last samples.
    """
    X, y = _check_xy(X, y, "train_test_split")
    n = len(X)
    if isinstance(test_size, float) and 0 < test_size < 1:
        n_test = math.ceil(test_size * n)
    elif isinstance(test_size, int) and not isinstance(test_size, bool) and 0 < test_size < n:
        n_test = test_size
    else:
        raise ValueError(
            f"train_test_split: test_size must be a fraction in (0, 1) or a number of samples in [1, {n - 1}], "
            f"got {test_size!r}"
        )
    if n_test >= n:
        raise ValueError(f"train_test_split: test_size={test_size!r} of {n} samples leaves no training samples")
    order = list(range(n))
    if shuffle:
        random.Random(seed).shuffle(order)
        test, train = order[:n_test], order[n_test:]
    else:
        train, test = order[: n - n_test], order[n - n_test :]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


class DataLoader:
    """Iterate over `(X_batch, y_batch)` pairs of lists: one epoch per `for` loop.

    batch_size=None is the whole set (batch gradient descent), 1 is stochastic gradient descent, anything
    between is mini-batch. With shuffle=True each epoch visits the samples in a new order, drawn from one
    `random.Random(seed)` made here, so a loader with the same seed repeats the same sequence of epochs.
    The last batch is smaller when batch_size does not divide the set, unless drop_last=True drops it.
    """

    def __init__(self, X, y, batch_size=None, shuffle=True, seed=None, drop_last=False):
        self.X, self.y = _check_xy(X, y, "DataLoader")
        if batch_size is None:
            batch_size = len(self.X)
        elif not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int or None (full batch), got {batch_size!r}")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = random.Random(seed)

    def __len__(self):
        """The number of batches in one epoch."""
        n = len(self.X)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        order = list(range(len(self.X)))
        if self.shuffle:
            self._rng.shuffle(order)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            batch = order[start : start + self.batch_size]
            yield [self.X[i] for i in batch], [self.y[i] for i in batch]

    def __repr__(self):
        return (
            f"DataLoader({len(self.X)} samples, batch_size={self.batch_size}, {len(self)} batches, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )


def _check_xy(X, y, where):
    X, y = list(X), list(y)
    if len(X) != len(y):
        raise ValueError(f"{where}: X and y must have the same length, got {len(X)} samples in X and {len(y)} in y")
    if not X:
        raise ValueError(f"{where}: X and y are empty")
    return X, y


def _rng(n_samples, noise, seed):
    if not isinstance(n_samples, int) or isinstance(n_samples, bool) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
    if noise < 0:
        raise ValueError(f"noise is a standard deviation and must be >= 0, got {noise!r}")
    return random.Random(seed)


def _linspace(start, stop, n, endpoint=True):
    """n evenly spaced numbers from start to stop (numpy.linspace); without endpoint, stop is left out."""
    if n == 1:
        return [start]
    step = (stop - start) / (n - 1 if endpoint else n)
    return [start + i * step for i in range(n)]


def _finish(X, y, rng, noise, shuffle):
    """Shuffle samples and labels together, then add Gaussian noise to every coordinate (sklearn's order)."""
    if shuffle:
        order = list(range(len(X)))
        rng.shuffle(order)
        X, y = [X[i] for i in order], [y[i] for i in order]
    if noise:
        X = [[c + rng.gauss(0.0, noise) for c in row] for row in X]
    return X, y
