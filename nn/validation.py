"""The checks `nn.load` makes on a model file's record before it builds anything.

A file is data from anywhere: a config asking for 4000 × 4000 neurons must be refused from its numbers, not
after minutes of building them. So every config entry is checked for type and range, the parameter count it
implies is compared with a limit and with the state_dict's size, and every state_dict entry must be a finite
number, all before a single Value is made. Each failure is a ValueError naming the entry.
"""

import itertools
import math
import numbers

from .module import ACTIVATIONS, INITS, _as_float, _short

# What `nn.load` builds at most, unless its caller raises the limit: a million Values take about a second and
# a few hundred MB to build in pure Python.
MAX_PARAMETERS = 1_000_000

# The most bytes a file may hold per parameter it declares (a saved entry takes about 50), plus room for the rest.
BYTES_PER_PARAMETER, BYTES_OVERHEAD = 200, 1 << 16


def max_file_bytes(max_parameters):
    """The largest file that could hold a model of `max_parameters` parameters: a bound on what load reads."""
    return BYTES_PER_PARAMETER * max_parameters + BYTES_OVERHEAD


def check_max_parameters(max_parameters):
    if not isinstance(max_parameters, int) or isinstance(max_parameters, bool) or max_parameters < 1:
        raise ValueError(f"nn.load: max_parameters must be a positive int, got {_short(max_parameters)}")


def _size(value, limit):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return f"must be a positive int, got {_short(value)}"
    if value > limit:
        shown = f"{value:,}" if value < 10**30 else _short(value)
        return f"is {shown}, over the limit of {limit:,} parameters (pass a larger max_parameters= if you trust it)"
    return None


def _sizes(value, limit):
    if not isinstance(value, list) or not value:
        return f"must be a non-empty list of layer sizes, got {_short(value)}"
    if len(value) > limit:
        return f"lists {len(value):,} layers, over the limit of {limit:,} parameters"
    for i, size in enumerate(value):
        problem = _size(size, limit)
        if problem:
            return f"[{i}] {problem}"
    return None


def _choice(options):
    def check(value, limit):
        if not isinstance(value, str) or value not in options:
            return f"must be one of {', '.join(map(repr, options))}, got {_short(value)}"
        return None

    return check


def _flag(value, limit):
    return None if isinstance(value, bool) else f"must be true or false, got {_short(value)}"


_ACTIVATION, _INIT = _choice(tuple(ACTIVATIONS)), _choice(INITS)
_COMMON = {"activation": _ACTIVATION, "init": _INIT, "bias": _flag, "fused": _flag}

# For each class load can rebuild: its required config keys and a check for every key it may have.
SCHEMAS = {
    "Neuron": (("nin",), {"nin": _size, "fan_out": _size, **_COMMON}),
    "Layer": (("nin", "nout"), {"nin": _size, "nout": _size, **_COMMON}),
    "MLP": (("nin", "nouts"), {"nin": _size, "nouts": _sizes, "output_activation": _ACTIVATION, **_COMMON}),
}


def check_config(name, config, limit):
    """Raise ValueError if `config` is not one `name`'s constructor accepts; return its parameter count."""
    required, checks = SCHEMAS[name]
    if not isinstance(config, dict):
        raise ValueError(f'no "config" object to rebuild the {name} from (got {_short(config)})')
    missing = [key for key in required if key not in config]
    if missing:
        raise ValueError(f"the {name}'s config has no {', '.join(map(repr, missing))}")
    for key, value in config.items():
        if key not in checks:
            raise ValueError(f"the {name}'s config has an unknown entry {_short(key)}; it takes {', '.join(checks)}")
        problem = checks[key](value, limit)
        if problem:
            raise ValueError(f"the {name}'s config entry {key!r} {problem}")
    return parameter_count(name, config)


def parameter_count(name, config):
    """How many parameters `name`(**config) has, from the numbers alone."""
    bias = int(config.get("bias", True))
    if name == "Neuron":
        return config["nin"] + bias
    if name == "Layer":
        return config["nout"] * (config["nin"] + bias)
    sizes = [config["nin"], *config["nouts"]]
    return sum(n_out * (n_in + bias) for n_in, n_out in itertools.pairwise(sizes))


def check_state_dict(state):
    """Raise ValueError unless every entry of `state` is a finite number (a file holds nothing else)."""
    bad = []
    for key, value in state.items():
        number, why_not = _as_float(value)
        if why_not is not None:
            bad.append(f"{_short(key)} is {_short(value)}{why_not or ', not a number'}")
        elif not math.isfinite(number):
            bad.append(f"{_short(key)} is {number}")
        if len(bad) == 5:
            break
    if bad:
        raise ValueError(
            f"the state_dict's entries must be finite numbers: {'; '.join(bad)}"
            f"{' (and maybe more)' if len(bad) == 5 else ''}"
        )


def is_version(value, newest):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and 1 <= value <= newest
