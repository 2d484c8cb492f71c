"""`save` and `load`: a model's architecture and parameters as JSON, written atomically.

    {"format": "chaingrad.nn", "version": 1, "class": "MLP", "config": {"nin": 2, ...}, "state_dict": {...}}

`config` holds the constructor arguments the model recorded when it was built, so `load` can rebuild it.
"""

import json
import math
import os
import random

from autograd.files import atomic_write

from . import module, validation
from .module import _short

FORMAT, VERSION = "chaingrad.nn", 1
BUILDERS = {cls.__name__: cls for cls in (module.Neuron, module.Layer, module.MLP)}


def save(model, path):
    """Write `model` to `path` as JSON; the old file (if any) stays in place until the new one is complete.
    A parameter that is nan or infinite raises ValueError: a model file holds finite numbers only."""
    state = model.state_dict()
    bad = [name for name, value in state.items() if not math.isfinite(value)]
    if bad:
        raise ValueError(
            f"nn.save: {len(bad)} parameter(s) are nan or infinite ({', '.join(bad[:3])}"
            f"{', ...' if len(bad) > 3 else ''} = {state[bad[0]]}), so training diverged; "
            "a model file holds finite numbers only"
        )
    record = {
        "format": FORMAT,
        "version": VERSION,
        "class": type(model).__name__,
        "config": getattr(model, "config", None),
        "state_dict": state,
    }
    # json.dumps fails before any file is touched; allow_nan=False keeps the file strict JSON
    atomic_write(path, json.dumps(record, indent=1, allow_nan=False).encode())


def load(path, model=None, *, max_parameters=validation.MAX_PARAMETERS):
    """The model saved at `path`: an MLP, Layer or Neuron is rebuilt from its config; for another Module class,
    pass `model=` an instance of it to load the parameters into. The whole file is checked before anything is
    built: a corrupt or foreign file, or one describing more than `max_parameters` parameters, raises ValueError."""
    validation.check_max_parameters(max_parameters)
    if model is not None and not isinstance(model, module.Module):
        raise TypeError(f"nn.load: model= must be an nn.Module to load the parameters into, got {type(model).__name__}")
    try:
        record = _read(path, validation.max_file_bytes(max_parameters))
        name, state = _check_record(record)
        if model is None:
            if name not in BUILDERS:
                raise ValueError(
                    f"it holds a {_short(name)}; only {', '.join(BUILDERS)} can be rebuilt from a file, "
                    "so build the model yourself and pass it: nn.load(path, model=...)"
                )
            count = validation.check_config(name, record.get("config"), max_parameters)
            _check_count(count, len(state), max_parameters, f"its {name} config describes")
            validation.check_state_dict(state)
            model = _build(name, record["config"])
        else:
            if name != type(model).__name__:
                raise ValueError(f"it holds a {_short(name)}, not a {type(model).__name__!r}")
            _check_count(len(model.parameters()), len(state), max_parameters, f"the {name} you passed has")
            validation.check_state_dict(state)
        model.load_state_dict(state)
    except ValueError as e:
        raise ValueError(f"nn.load: {os.fspath(path)!s}: {e}") from None
    return model


def _read(path, limit):
    """The file's JSON, read no further than `limit` bytes."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        raw = b"" if size > limit else f.read(limit + 1)
    if size > limit or len(raw) > limit:
        raise ValueError(
            f"it is more than {limit:,} bytes, more than a model under the parameter limit needs; "
            "if you trust the file, pass a larger max_parameters="
        )
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ValueError("its JSON nests too deeply to be a model file") from None
    except (UnicodeDecodeError, ValueError) as e:  # JSONDecodeError, and ints over Python's digit limit
        raise ValueError(f"it is not valid JSON, so it is corrupt or truncated ({e})") from None


def _check_record(record):
    """The class name and state_dict of a record that has the format's marker, version and entries."""
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ValueError(f'it is not a chaingrad model file (no "format": "{FORMAT}" marker)')
    version = record.get("version")
    if not validation.is_version(version, VERSION):
        raise ValueError(f"it has format version {_short(version)}; this chaingrad reads version {VERSION}")
    name, state = record.get("class"), record.get("state_dict")
    if not isinstance(name, str):
        raise ValueError(f'its "class" must be the model class\'s name, got {_short(name)}')
    if not isinstance(state, dict):
        raise ValueError('it has no "state_dict" object')
    return name, state


def _check_count(count, entries, limit, what):
    if count > limit:
        raise ValueError(
            f"{what} {count:,} parameters, over the limit of {limit:,}; "
            "if you trust the file, pass a larger max_parameters="
        )
    if count != entries:
        raise ValueError(f"{what} {count:,} parameters, but its state_dict has {entries:,} entries")


def _build(name, config):
    """A fresh `name`(**config), without consuming Python's `random` (its parameters are overwritten anyway)."""
    state = random.getstate()
    try:
        return BUILDERS[name](**config)
    except (TypeError, ValueError) as e:
        raise ValueError(f"cannot rebuild {name} from config {_short(config)}: {e}") from e
    finally:
        random.setstate(state)
