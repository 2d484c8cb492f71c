"""Backward from several threads at once loses no gradient: passes into shared leaves are exact, as in PyTorch.

`leaf.grad += share` is a read, an add and a write; without backward's lock a thread switch between them drops
the other thread's update. A tiny switch interval makes such switches frequent, so these tests fail without it.
"""

import sys
import threading

import pytest

import autograd
from autograd import Value
from autograd.scalar import number

THREADS = 4


@pytest.fixture(autouse=True)
def frequent_thread_switches():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def run_in_threads(work):
    """Run work() in THREADS threads that start together; re-raise the first error any of them met."""
    start, errors = threading.Barrier(THREADS), []

    def thread():
        start.wait()
        try:
            work()
        except BaseException as error:  # handed to the main thread
            errors.append(error)

    threads = [threading.Thread(target=thread) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


@pytest.mark.parametrize("round_", [1, 2])  # twice: on a busy machine one round without the lock may lose nothing
def test_backward_of_separate_graphs_into_a_shared_leaf_is_exact(round_):
    """The issue's case, smaller: 4 threads × 20,000 × (w·2).backward() leave w.grad = 160,000 exactly."""
    w, n = Value(1.5), 20_000

    def work():
        for _ in range(n):
            (w * 2.0).backward()

    run_in_threads(work)
    assert w.grad == 2.0 * THREADS * n


def shared_graph():
    w, b = Value(0.3), Value(-0.2)
    h = (w * w + b).tanh()
    return w, b, h * w + h  # w reaches the loss three ways: three additions into w.grad per pass


@pytest.mark.parametrize("path", ["fast", "anomaly", "create_graph"])
def test_backward_through_one_shared_graph_is_exact(path):
    """Every thread runs backward on the same graph (shared inner nodes, marked by each pass) many times: the
    leaves end as they do after as many passes in one thread, to the last bit."""
    n = {"fast": 3_000, "anomaly": 1_000, "create_graph": 300}[path]

    def passes(loss, count):
        for _ in range(count):
            if path == "anomaly":
                with autograd.detect_anomaly():  # backward through the reference, gradients()
                    loss.backward()
            else:
                loss.backward(create_graph=path == "create_graph")

    w, b, loss = shared_graph()
    run_in_threads(lambda: passes(loss, n))
    w1, b1, loss1 = shared_graph()
    passes(loss1, THREADS * n)
    assert (number(w.grad), number(b.grad)) == (number(w1.grad), number(b1.grad))
