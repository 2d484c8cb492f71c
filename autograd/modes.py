"""Grad modes: `no_grad`, `enable_grad`, `detect_anomaly` and `scope`, per thread and per asyncio task (contextvars)."""

import contextvars
import functools
import inspect
from typing import NamedTuple


class Mode(NamedTuple):
    """What every new node reads: record parents?, check for NaN/inf?, and the scope path to tag it with."""

    grad_enabled: bool = True
    anomaly: bool = False
    scope: str = ""


DEFAULT = Mode()
# One variable for all modes, None while every mode is at its default: each op then pays for one `get()` and one
# `is None` test, and only the rare op under a mode reads the fields.
current = contextvars.ContextVar("chaingrad_mode", default=None)


def get_mode():
    """The Mode in force here."""
    return current.get() or DEFAULT


def _enter(**changes):
    mode = get_mode()._replace(**changes)
    return current.set(None if mode == DEFAULT else mode)


class _Switch:
    """Sets one mode field for a with-block, or for each call of a decorated function."""

    _field: str
    _value: bool

    def __new__(cls, func=None):
        # `@no_grad` without parentheses: decorate straight away, as torch.no_grad allows.
        if callable(func):
            return cls()(func)
        return super().__new__(cls)

    def __init__(self, func=None):
        self._tokens = []

    def __enter__(self):
        self._tokens.append(_enter(**{self._field: self._value}))
        return self

    def __exit__(self, *exc_info):
        current.reset(self._tokens.pop())
        return False

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)():
                return func(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, func):
        """A generator's body runs at each next(), after the call has returned: so set the mode around every step,
        as torch.no_grad does, and hand send() and throw() through."""

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            generator = func(*args, **kwargs)
            step, argument = generator.send, None
            while True:
                try:
                    with type(self)():
                        item = step(argument)
                except StopIteration as stop:
                    return stop.value
                try:
                    argument, step = (yield item), generator.send
                except GeneratorExit:
                    generator.close()
                    raise
                except BaseException as error:  # thrown in by the caller: pass it to the wrapped generator
                    argument, step = error, generator.throw

        return wrapper


class no_grad(_Switch):
    """Context manager and decorator: ops inside record no parents, so nothing is backpropagated through them."""

    _field, _value = "grad_enabled", False


class enable_grad(_Switch):
    """Context manager and decorator: turn graph recording back on inside `no_grad`."""

    _field, _value = "grad_enabled", True


class detect_anomaly(_Switch):
    """Context manager and decorator: a NaN or inf made in forward or backward raises FloatingPointError."""

    _field, _value = "anomaly", True


def current_scope():
    """The scope path that nodes built here are tagged with ('' outside every scope)."""
    return get_mode().scope


def scope_path(outer, name):
    """The path of scope `name` opened inside the path `outer`: 'outer/name', or 'name' at the top."""
    return f"{outer}/{name}" if outer else name


def is_grad_enabled():
    """True when ops record their parents (the default), False inside `no_grad`."""
    return get_mode().grad_enabled


class scope:
    """Context manager: tag every node built inside with `name`; scopes nest as 'outer/inner'.

    A scope keeps no state between enter and exit (exit drops the last path component), so one scope object
    can be reused, and shared across threads, as nn's layers do.
    """

    __slots__ = ("name",)

    def __init__(self, name):
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"scope name must be a non-empty str without '/', got {name!r}")
        self.name = name

    def __enter__(self):
        # nn enters one per neuron per forward, thousands a training step: so the Mode is built directly.
        grad_enabled, anomaly, outer = current.get() or DEFAULT
        current.set(_new_tuple(Mode, (grad_enabled, anomaly, scope_path(outer, self.name))))
        return self

    def __exit__(self, *exc_info):
        grad_enabled, anomaly, path = current.get()
        outer = path.rpartition("/")[0]
        if not outer and grad_enabled and not anomaly:
            current.set(None)
        else:
            current.set(_new_tuple(Mode, (grad_enabled, anomaly, outer)))
        return False


_new_tuple = tuple.__new__
