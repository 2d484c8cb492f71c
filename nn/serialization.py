"""`save` and `load`: a model's architecture and parameters as JSON, written atomically.

    {"format": "chaingrad.nn", "version": 1, "class": "MLP", "config": {"nin": 2, ...}, "state_dict": {...}}

`config` holds the constructor arguments the model recorded when it was built, so `load` can rebuild it.
"""

import json
import random

from autograd.files import atomic_write

from . import module

FORMAT, VERSION = "chaingrad.nn", 1
BUILDERS = {cls.__name__: cls for cls in (module.Neuron, module.Layer, module.MLP)}


def save(model, path):
    """Write `model` to `path` as JSON; the old file (if any) stays in place until the new one is complete."""
    record = {
        "format": FORMAT,
        "version": VERSION,
        "class": type(model).__name__,
        "config": getattr(model, "config", None),
        "state_dict": model.state_dict(),
    }
    atomic_write(path, json.dumps(record, indent=1).encode())  # json.dumps fails before any file is touched


def load(path, model=None):
    """The model saved at `path`: an MLP, Layer or Neuron is rebuilt from its config; for another Module class,
    pass `model=` an instance of it to load the parameters into. A corrupt or foreign file raises ValueError."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"nn.load: {path} is not valid JSON, so it is corrupt or truncated ({e})") from e
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ValueError(f'nn.load: {path} is not a chaingrad model file (no "format": "{FORMAT}" marker)')
    version = record.get("version")
    if not isinstance(version, int) or not 1 <= version <= VERSION:
        raise ValueError(f"nn.load: {path} has format version {version!r}; this chaingrad reads version {VERSION}")
    name, config, state = record.get("class"), record.get("config"), record.get("state_dict")
    if not isinstance(state, dict):
        raise ValueError(f'nn.load: {path} has no "state_dict" object')
    if model is None:
        model = _build(path, name, config)
    elif name != type(model).__name__:
        raise ValueError(f"nn.load: {path} holds a {name!r}, not a {type(model).__name__!r}")
    try:
        model.load_state_dict(state)
    except ValueError as e:
        raise ValueError(f"nn.load: {path}: {e}") from e
    return model


def _build(path, name, config):
    """A fresh `name`(**config), without consuming Python's `random` (its parameters are overwritten anyway)."""
    if name not in BUILDERS:
        raise ValueError(
            f"nn.load: {path} holds a {name!r}; only {', '.join(BUILDERS)} can be rebuilt from a file, "
            "so build the model yourself and pass it: nn.load(path, model=...)"
        )
    if not isinstance(config, dict):
        raise ValueError(f'nn.load: {path} has no "config" object to rebuild the {name} from')
    state = random.getstate()
    try:
        return BUILDERS[name](**config)
    except (TypeError, ValueError) as e:
        raise ValueError(f"nn.load: {path}: cannot rebuild {name} from config {config!r}: {e}") from e
    finally:
        random.setstate(state)
