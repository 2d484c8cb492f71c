"""Grad modes: `no_grad`, `enable_grad` and `detect_anomaly`, per thread and per asyncio task (contextvars)."""

import contextvars
import functools

# Read by every op: whether to record parents, and whether to check results for NaN/inf.
grad_enabled = contextvars.ContextVar("chaingrad_grad_enabled", default=True)
anomaly_enabled = contextvars.ContextVar("chaingrad_anomaly_enabled", default=False)
# The scope path ('layer1/neuron0') every new node is tagged with, for grouping in graph pictures.
current_scope = contextvars.ContextVar("chaingrad_scope", default="")


class _Mode:
    """Sets one context variable for a with-block or for each call of a decorated function."""

    _var: contextvars.ContextVar
    _value: bool

    def __new__(cls, func=None):
        # `@no_grad` without parentheses: decorate straight away, as torch.no_grad allows.
        if callable(func):
            return cls()(func)
        return super().__new__(cls)

    def __init__(self, func=None):
        self._tokens = []

    def __enter__(self):
        self._tokens.append(self._var.set(self._value))
        return self

    def __exit__(self, *exc_info):
        self._var.reset(self._tokens.pop())
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_Mode):
    """Context manager and decorator: ops inside record no parents, so nothing is backpropagated through them."""

    _var, _value = grad_enabled, False


class enable_grad(_Mode):
    """Context manager and decorator: turn graph recording back on inside `no_grad`."""

    _var, _value = grad_enabled, True


class detect_anomaly(_Mode):
    """Context manager and decorator: a NaN or inf made in forward or backward raises FloatingPointError."""

    _var, _value = anomaly_enabled, True


def is_grad_enabled():
    """True when ops record their parents (the default), False inside `no_grad`."""
    return grad_enabled.get()


class scope:
    """Context manager: tag every node built inside with `name`; scopes nest as 'outer/inner'."""

    def __init__(self, name):
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"scope name must be a non-empty str without '/', got {name!r}")
        self.name = name
        self._tokens = []

    def __enter__(self):
        outer = current_scope.get()
        self._tokens.append(current_scope.set(f"{outer}/{self.name}" if outer else self.name))
        return self

    def __exit__(self, *exc_info):
        current_scope.reset(self._tokens.pop())
        return False
