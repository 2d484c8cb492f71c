"""`number(x)`: the float nn reads from a loss, a score, a label or a grad, whether it is a Value or a plain number."""

from autograd import Value


def number(x):
    """A Value's data (a grad is a Value after backward(create_graph=True)), or float(x) for a plain number."""
    return x.data if isinstance(x, Value) else float(x)
