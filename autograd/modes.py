"""Grad modes: `no_grad`, `enable_grad`, `detect_anomaly` and `scope`, per thread and per asyncio task.

Every new node reads one `Mode`, by name: does it record its parents (`grad_enabled`), does it check for NaN and
inf (`anomaly`), and which scope path does it carry (`scope`). Each mode's context manager is a `ModeChange`:
entering sets the Mode it makes from the one in force, leaving puts back the Mode it replaced.
"""

import contextvars
import functools
import inspect
from typing import NamedTuple


class Mode(NamedTuple):
    """What the nodes built here read: record parents?, check for NaN/inf?, the scope path; and the Mode outside."""

    grad_enabled: bool = True
    anomaly: bool = False
    scope: str = ""
    outer: "Mode | None" = None  # the Mode to restore on leaving (None: the default)


DEFAULT = Mode()
# None while no mode is entered: then every op pays one `get()` and one `is None` test, and reads no field.
current = contextvars.ContextVar("chaingrad_mode", default=None)


def get_mode():
    """The Mode in force here."""
    return current.get() or DEFAULT


def is_grad_enabled():
    """True when ops record their parents (the default), False inside `no_grad`."""
    return get_mode().grad_enabled


def current_scope():
    """The scope path that nodes built here are tagged with ('' outside every scope)."""
    return get_mode().scope


def scope_path(outer, name):
    """The path of scope `name` opened inside the path `outer`: 'outer/name', or 'name' at the top."""
    return f"{outer}/{name}" if outer else name


class ModeChange:
    """A context manager and decorator that changes the Mode inside it; subclasses say how, in `changed`.

    The Mode it replaces is kept in the new Mode itself (`outer`), not in this object, so one object can be
    entered again while inside it, and shared between threads.
    """

    __slots__ = ()

    def changed(self, mode, outer):
        """The Mode inside, made from `mode`, the one in force outside, and keeping `outer` to restore."""
        raise NotImplementedError

    def __enter__(self):
        outer = current.get()
        mode = self.changed(outer or DEFAULT, outer)
        # `enable_grad()` outside every mode changes nothing: keep None, so ops stay on their fast path.
        at_default = mode.grad_enabled and not mode.anomaly and not mode.scope
        current.set(None if outer is None and at_default else mode)
        return self

    def __exit__(self, *exc_info):
        mode = current.get()
        current.set(None if mode is None else mode.outer)
        return False

    def __call__(self, func):
        """Decorate `func`: the mode holds for each call (for a generator function, for each of its steps)."""
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:
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
                    with self:
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


class _Switch(ModeChange):
    """A ModeChange that sets one field; usable as `@no_grad` without parentheses too, as torch.no_grad is."""

    __slots__ = ()
    field: str
    value: bool

    def __new__(cls, func=None):
        if callable(func):  # `@no_grad` without parentheses: decorate straight away
            return cls()(func)
        return super().__new__(cls)

    def __init__(self, func=None):
        pass

    def changed(self, mode, outer):
        return mode._replace(**{self.field: self.value, "outer": outer})


class no_grad(_Switch):
    """Context manager and decorator: ops inside record no parents, so nothing is backpropagated through them."""

    field, value = "grad_enabled", False


class enable_grad(_Switch):
    """Context manager and decorator: turn graph recording back on inside `no_grad`."""

    field, value = "grad_enabled", True


class detect_anomaly(_Switch):
    """Context manager and decorator: a NaN or inf made in forward or backward raises FloatingPointError."""

    field, value = "anomaly", True


class scope(ModeChange):
    """Context manager and decorator: tag every node built inside with `name`; scopes nest as 'outer/inner'."""

    __slots__ = ("name",)

    def __init__(self, name):
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"scope name must be a non-empty str without '/', got {name!r}")
        self.name = name

    def changed(self, mode, outer):
        # nn enters a scope per layer for every sample, so the Mode is built directly rather than by _replace.
        return Mode(mode.grad_enabled, mode.anomaly, scope_path(mode.scope, self.name), outer)
