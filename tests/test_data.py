"""nn.data: the toy datasets' geometry, train_test_split as a partition, DataLoader's batches and shuffling."""

import math
import statistics

import pytest

from nn.data import DataLoader, make_blobs, make_circles, make_linear, make_moons, train_test_split

# --- make_moons


@pytest.mark.parametrize("n", [100, 101, 7])
def test_make_moons_without_noise_lies_on_the_two_half_circles(n):
    X, y = make_moons(n, noise=0.0, seed=0)
    assert len(X) == len(y) == n
    for (a, b), label in zip(X, y, strict=True):
        if label == 0:  # the upper half of the unit circle around (0, 0)
            assert a**2 + b**2 == pytest.approx(1.0)
            assert b >= -1e-12
        else:  # the lower half of the unit circle around (1, 0.5)
            assert (a - 1) ** 2 + (b - 0.5) ** 2 == pytest.approx(1.0)
            assert b <= 0.5 + 1e-12
    assert y.count(0) == n // 2 and y.count(1) == n - n // 2  # balanced (sklearn puts the extra one in class 1)


def test_make_moons_spreads_points_evenly_over_each_half_circle():
    X, y = make_moons(40, seed=1)
    # Class 0 is (cos t, sin t) and class 1 is (1 - cos t, 0.5 - sin t): recover t from each point.
    upper = sorted(math.atan2(b, a) for (a, b), t in zip(X, y, strict=True) if t == 0)
    lower = sorted(math.atan2(0.5 - b, 1 - a) for (a, b), t in zip(X, y, strict=True) if t == 1)
    evenly_spaced = [k * math.pi / 19 for k in range(20)]  # 20 angles from 0 to π, ends included
    assert upper == pytest.approx(evenly_spaced, abs=1e-9)
    assert lower == pytest.approx(evenly_spaced, abs=1e-9)


def test_make_moons_noise_is_gaussian_with_the_given_spread():
    clean, labels = make_moons(400, noise=0.0, seed=3)
    noisy, noisy_labels = make_moons(400, noise=0.1, seed=3)
    assert noisy_labels == labels  # the shuffle comes first, so the same seed pairs each point with its noisy copy
    offsets = [n - c for row, clean_row in zip(noisy, clean, strict=True) for n, c in zip(row, clean_row, strict=True)]
    assert abs(statistics.fmean(offsets)) < 0.02  # 800 draws: the mean's standard error is 0.0035
    assert statistics.stdev(offsets) == pytest.approx(0.1, rel=0.1)


def test_make_moons_is_shuffled_and_reproducible():
    X, y = make_moons(100, noise=0.1, seed=5)
    assert (X, y) == make_moons(100, noise=0.1, seed=5)
    assert make_moons(100, noise=0.1, seed=6)[0] != X
    assert y != sorted(y)  # shuffled, as sklearn does by default
    assert make_moons(6, shuffle=False)[1] == [0, 0, 0, 1, 1, 1]


# --- make_circles, make_blobs, make_linear


def test_make_circles_puts_each_class_on_its_circle():
    X, y = make_circles(50, factor=0.3, seed=0)
    assert y.count(0) == 25 and y.count(1) == 25
    for (a, b), label in zip(X, y, strict=True):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == 0 else 0.3)
    with pytest.raises(ValueError, match="factor"):
        make_circles(10, factor=1.0)


def test_make_blobs_draws_each_class_around_its_center():
    centers = [[-5.0, 0.0], [5.0, 5.0], [0.0, -5.0]]
    X, y = make_blobs(301, centers=centers, cluster_std=0.5, seed=0)
    assert [y.count(k) for k in range(3)] == [101, 100, 100]
    for k, center in enumerate(centers):
        points = [x for x, t in zip(X, y, strict=True) if t == k]
        for d in range(2):
            coordinate = [p[d] for p in points]
            assert statistics.fmean(coordinate) == pytest.approx(center[d], abs=0.2)  # 4 standard errors
            assert statistics.stdev(coordinate) == pytest.approx(0.5, rel=0.2)


def test_make_blobs_with_a_number_of_centers():
    X, y = make_blobs(40, centers=4, n_features=3, seed=2)
    assert len(X) == 40 and all(len(row) == 3 for row in X)
    assert sorted(set(y)) == [0, 1, 2, 3]
    assert make_blobs(40, centers=4, n_features=3, seed=2) == (X, y)


def test_make_linear_follows_its_formula():
    X, y = make_linear(30, weights=[2.0, -3.0], bias=0.5, seed=0)
    assert all(-1 <= c <= 1 for row in X for c in row)
    assert y == pytest.approx([2 * a - 3 * b + 0.5 for a, b in X])
    X, y_noisy = make_linear(2000, weights=[1.0], bias=0.0, noise=0.2, seed=1)
    assert statistics.stdev(t - x[0] for x, t in zip(X, y_noisy, strict=True)) == pytest.approx(0.2, rel=0.1)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: make_moons(0), "n_samples"),
        (lambda: make_moons(10, noise=-0.1), "noise"),
        (lambda: make_blobs(10, centers=[[0, 0], [1, 1]], cluster_std=[1.0]), "cluster_std"),
        (lambda: make_linear(10, weights=[]), "weights"),
    ],
)
def test_dataset_arguments_are_checked(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- train_test_split


def _indexed(n):
    """Samples that name themselves: X[i] = [i], y[i] = -i, so a split can be checked row by row."""
    return [[i] for i in range(n)], [-i for i in range(n)]


@pytest.mark.parametrize("n, test_size, n_test", [(100, 0.25, 25), (10, 0.25, 3), (10, 0.5, 5), (10, 3, 3)])
def test_train_test_split_is_a_partition(n, test_size, n_test):
    X, y = _indexed(n)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, seed=0)
    assert len(X_test) == len(y_test) == n_test  # a fraction is rounded up, as sklearn
    assert len(X_train) == len(y_train) == n - n_test
    assert sorted(X_train + X_test) == X  # every sample exactly once
    assert all(t == -x[0] for x, t in zip(X_train + X_test, y_train + y_test, strict=True))  # pairs kept


def test_train_test_split_shuffles_reproducibly():
    X, y = _indexed(50)
    split = train_test_split(X, y, seed=1)
    assert split == train_test_split(X, y, seed=1)
    assert split != train_test_split(X, y, seed=2)
    assert split[0] != X[: len(split[0])]
    X_train, X_test, _, _ = train_test_split(X, y, test_size=0.2, shuffle=False)
    assert X_train == X[:40] and X_test == X[40:]


@pytest.mark.parametrize("test_size", [0.0, 1.0, 1.5, -0.1, 0, 10, 11, "0.3", True])
def test_train_test_split_rejects_bad_test_sizes(test_size):
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(*_indexed(10), test_size=test_size)


def test_train_test_split_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        train_test_split([[1], [2], [3]], [1, 2])


# --- DataLoader


def _epochs(loader, n_epochs):
    """The order of sample indices in each epoch (X[i] = [i])."""
    return [[x[0] for X_batch, _ in loader for x in X_batch] for _ in range(n_epochs)]


@pytest.mark.parametrize(
    "batch_size, sizes",
    [
        (None, [10]),  # batch gradient descent: the whole set at once
        (10, [10]),
        (25, [10]),
        (4, [4, 4, 2]),  # mini-batches, the last one smaller
        (5, [5, 5]),
        (1, [1] * 10),  # stochastic gradient descent
    ],
)
def test_dataloader_batches_cover_every_sample_once_per_epoch(batch_size, sizes):
    X, y = _indexed(10)
    loader = DataLoader(X, y, batch_size=batch_size, seed=0)
    assert len(loader) == len(sizes)
    for _ in range(3):
        batches = list(loader)
        assert [len(X_batch) for X_batch, _ in batches] == sizes
        assert [len(y_batch) for _, y_batch in batches] == sizes
        seen = [x[0] for X_batch, _ in batches for x in X_batch]
        assert sorted(seen) == list(range(10))
        assert all(t == -x[0] for X_batch, y_batch in batches for x, t in zip(X_batch, y_batch, strict=True))


def test_dataloader_drop_last():
    loader = DataLoader(*_indexed(10), batch_size=4, drop_last=True, seed=0)
    assert len(loader) == 2
    assert [len(X_batch) for X_batch, _ in loader] == [4, 4]


@pytest.mark.parametrize("batch_size", [None, 3, 1])
def test_dataloader_reshuffles_every_epoch_reproducibly(batch_size):
    X, y = _indexed(20)
    epochs = _epochs(DataLoader(X, y, batch_size=batch_size, seed=7), 4)
    assert epochs == _epochs(DataLoader(X, y, batch_size=batch_size, seed=7), 4)  # same seed, same epochs
    assert epochs != _epochs(DataLoader(X, y, batch_size=batch_size, seed=8), 4)
    assert len({tuple(order) for order in epochs}) == 4  # a new order each epoch
    assert all(order != list(range(20)) for order in epochs)


def test_dataloader_without_shuffle_keeps_the_order():
    X, y = _indexed(7)
    loader = DataLoader(X, y, batch_size=3, shuffle=False)
    assert _epochs(loader, 2) == [list(range(7))] * 2
    assert [y_batch for _, y_batch in loader] == [[0, -1, -2], [-3, -4, -5], [-6]]


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, "4"])
def test_dataloader_rejects_bad_batch_sizes(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(*_indexed(5), batch_size=batch_size)


def test_dataloader_rejects_mismatched_or_empty_data():
    with pytest.raises(ValueError, match="same length"):
        DataLoader([[1.0], [2.0]], [1.0])
    with pytest.raises(ValueError, match="empty"):
        DataLoader([], [])
