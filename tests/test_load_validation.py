"""nn.load checks the whole file before it builds anything: load bombs, hostile numbers and random mutations of a
real model file either load exactly or raise ValueError, quickly, and leave a given model untouched."""

import copy
import json
import math
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nn.module import MLP, Neuron, manual_seed
from nn.serialization import load, save
from nn.validation import MAX_PARAMETERS, max_file_bytes


def _record(cls, config, state):
    return {"format": "chaingrad.nn", "version": 1, "class": cls, "config": config, "state_dict": state}


def _write(path, record_or_text):
    text = record_or_text if isinstance(record_or_text, str) else json.dumps(record_or_text)
    path.write_text(text)
    return path


def test_a_125_byte_file_asking_for_32_million_parameters_is_refused_at_once(tmp_path):
    path = _write(tmp_path / "bomb.json", _record("MLP", {"nin": 4000, "nouts": [4000, 4000, 1]}, {}))
    assert path.stat().st_size < 130
    start = time.perf_counter()
    with pytest.raises(
        ValueError,
        match=r"its MLP config describes 32,012,001 parameters, over the limit of "
        r"1,000,000; if you trust the file, pass a larger max_parameters=",
    ):
        load(path)
    # Raising the limit still refuses it before building: the state_dict holds none of those parameters.
    with pytest.raises(ValueError, match="describes 32,012,001 parameters, but its state_dict has 0 entries"):
        load(path, max_parameters=10**8)
    assert time.perf_counter() - start < 0.5  # it used to build for a minute and end in MemoryError


def test_max_parameters_is_a_limit_the_caller_can_raise(tmp_path):
    manual_seed(3)
    model = MLP(2, [3, 1])  # 13 parameters
    save(model, tmp_path / "m.json")
    with pytest.raises(ValueError, match="describes 13 parameters, over the limit of 12"):
        load(tmp_path / "m.json", max_parameters=12)
    with pytest.raises(ValueError, match="the MLP you passed has 13 parameters, over the limit of 12"):
        load(tmp_path / "m.json", model=MLP(2, [3, 1]), max_parameters=12)
    assert load(tmp_path / "m.json", max_parameters=13).state_dict() == model.state_dict()
    for bad in (0, -1, 2.5, True, None):
        with pytest.raises(ValueError, match="max_parameters must be a positive int"):
            load(tmp_path / "m.json", max_parameters=bad)


def test_a_file_larger_than_the_limit_allows_is_refused_before_it_is_parsed(tmp_path):
    assert max_file_bytes(MAX_PARAMETERS) == 200 * MAX_PARAMETERS + 65536
    record = json.dumps(_record("Neuron", {"nin": 1, "bias": False}, {"w.0": 0.5}))
    path = _write(tmp_path / "padded.json", record[:-1] + " " * 70_000 + "}")
    with pytest.raises(ValueError, match="it is more than 65,736 bytes, more than a model under the parameter limit"):
        load(path, max_parameters=1)
    assert load(path, max_parameters=100).state_dict() == {"w.0": 0.5}


NEURON = {"nin": 2, "activation": "relu", "init": "uniform", "bias": True, "fan_out": 1, "fused": False}
NEURON_STATE = {"w.0": 0.5, "w.1": -0.25, "b": 0.125}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"format": "chaingrad.nn", "version": 1, "config": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "its JSON nests too deeply to be a model file",
        ),
        (
            _record("Neuron", dict(NEURON, init="xavier", fan_out=-2), NEURON_STATE),
            "the Neuron's config entry 'fan_out' must be a positive int, got -2",
        ),
        (
            _record("Neuron", NEURON, dict(NEURON_STATE, b=10**400)),
            r"entries must be finite numbers: 'b' is 100000000000000000\.\.\.0+ \(too large for a float\)",
        ),
        (
            _record("Neuron", dict(NEURON, nin=10**400), NEURON_STATE),
            r"config entry 'nin' is 100000000000000000\.\.\.0+, over the limit of 1,000,000 parameters",
        ),
        (
            json.dumps(_record("Neuron", NEURON, {})).replace("{}", '{"w.0": ' + "9" * 5000 + "}"),
            r"not valid JSON, so it is corrupt or truncated \(Exceeds the limit \(4300 digits\)",
        ),
        (_record("Neuron", NEURON, dict(NEURON_STATE, b=math.nan)), "entries must be finite numbers: 'b' is nan"),
        (
            json.dumps(_record("Neuron", NEURON, NEURON_STATE)).replace("0.125", "1e400"),
            "entries must be finite numbers: 'b' is inf",
        ),
        (_record("Neuron", NEURON, dict(NEURON_STATE, b=True)), "'b' is True, not a number"),
        (
            json.dumps(_record("Neuron", NEURON, NEURON_STATE)).replace('"version": 1', '"version": true'),
            "format version True; this chaingrad reads version 1",
        ),
        (_record(["MLP"], NEURON, NEURON_STATE), "its \"class\" must be the model class's name, got \\['MLP'\\]"),
        (
            _record("Neuron", dict(NEURON, nonsense=1), NEURON_STATE),
            "the Neuron's config has an unknown entry 'nonsense'; it takes nin, fan_out, activation, init, bias, fused",
        ),
        (
            _record("Neuron", dict(NEURON, activation=["relu"]), NEURON_STATE),
            "config entry 'activation' must be one of 'relu', 'tanh', 'sigmoid', 'leaky_relu', 'elu', 'linear', got",
        ),
        (
            _record("Neuron", dict(NEURON, init="orthogonal"), NEURON_STATE),
            "config entry 'init' must be one of 'uniform', 'xavier', 'he', got 'orthogonal'",
        ),
        (_record("Neuron", dict(NEURON, bias="yes"), NEURON_STATE), "config entry 'bias' must be true or false"),
        (_record("Neuron", dict(NEURON, nin=2.0), NEURON_STATE), "config entry 'nin' must be a positive int, got 2.0"),
        (_record("MLP", {"nin": 2, "nouts": 16}, {}), r"config entry 'nouts' must be a non-empty list of layer sizes"),
        (_record("MLP", {"nin": 2, "nouts": [3, [1]]}, {}), r"config entry 'nouts' \[1\] must be a positive int"),
        (_record("MLP", {"nin": 2, "nouts": []}, {}), "config entry 'nouts' must be a non-empty list"),
        (_record("Layer", {"nin": 2}, {}), "the Layer's config has no 'nout'"),
        (_record("Neuron", None, NEURON_STATE), 'no "config" object to rebuild the Neuron from'),
        (
            _record("Neuron", NEURON, {"w.0": 0.5, "w.1": -0.25, "bias": 0.0}),
            r"load_state_dict: missing: b; unexpected: bias\. Nothing was loaded\.",
        ),
    ],
    ids=lambda v: None if isinstance(v, str) and len(v) < 200 else "",
)
def test_hostile_files_raise_valueerror_naming_what_is_wrong(tmp_path, text, message):
    path = _write(tmp_path / "m.json", text)
    with pytest.raises(ValueError, match=message) as caught:
        load(path)
    assert str(caught.value).startswith(f"nn.load: {path}: ")
    assert len(str(caught.value)) < 400  # the message quotes what it refuses, cut short


def test_the_good_neuron_record_loads_exactly(tmp_path):
    loaded = load(_write(tmp_path / "m.json", _record("Neuron", NEURON, NEURON_STATE)))
    assert type(loaded) is Neuron and loaded.config == NEURON and loaded.state_dict() == NEURON_STATE


def test_load_state_dict_checks_every_entry_before_changing_any():
    model = MLP(2, [2, 1])  # 9 parameters; the bad entry is the last
    before = model.state_dict()
    bad = {name: 1.0 for name in before}
    bad["layers.1.neurons.0.b"] = 10**400
    with pytest.raises(ValueError, match=r"not a number: 'layers\.1\.neurons\.0\.b' is 1000.*\(too large for a float"):
        model.load_state_dict(bad)
    assert model.state_dict() == before  # it used to overwrite 8 of the 9, then raise OverflowError


# --- random and mutated files

manual_seed(0)
BASE_MODEL = MLP(2, [3, 1])
BASE = json.loads(json.dumps(_record("MLP", BASE_MODEL.config, BASE_MODEL.state_dict())))
HOSTILE_NUMBERS = [10**400, -(10**400), 2**63, -1, 0, 1, 4000, 10**7, math.nan, math.inf, -math.inf, 1e308, -0.0]
JUNK = st.one_of(
    st.floats(-10, 10),  # a harmless edit, so that some mutated files load
    st.sampled_from(HOSTILE_NUMBERS),
    st.none(),
    st.booleans(),
    st.integers(-5, 20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.integers(-2, 5), max_size=4),
    st.dictionaries(st.text(max_size=4), st.integers(0, 3), max_size=3),
    st.integers(1, 400).map(lambda depth: json.loads("[" * depth + "]" * depth)),
)


def _places(tree):
    """(container, key) for every entry of a JSON tree, found without recursion."""
    places, stack = [], [tree]
    while stack:
        node = stack.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
        for key in keys:
            places.append((node, key))
            stack.append(node[key])
    return places


@st.composite
def mutated_files(draw):
    """The text of a real model file after a few random edits, and maybe cut short or wrapped in nesting."""
    record = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        # Deepest places first: Hypothesis favours the start of a list, and a top-level edit hides all the rest.
        container, key = draw(st.sampled_from(_places(record)[::-1]))
        action = draw(st.sampled_from(["delete", "replace", "wrap", "rename"]))
        if action == "delete":
            del container[key]
        elif action == "replace":
            container[key] = draw(JUNK)
        elif action == "wrap":
            container[key] = [container[key]] if draw(st.booleans()) else {"x": container[key]}
        elif isinstance(container, dict):
            container[draw(st.text(max_size=8))] = container.pop(key)
    text = json.dumps(record, allow_nan=True)
    how = draw(st.sampled_from(["as is"] * 5 + ["truncate", "nest", "flip"]))
    if how == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif how == "nest":
        depth = draw(st.sampled_from([10, 1000, 50_000]))
        text = "[" * depth + text + "]" * depth
    elif how == "flip":
        i = draw(st.integers(0, len(text) - 1))
        text = text[:i] + draw(st.sampled_from(list('{}[]",:0-e.9aN '))) + text[i + 1 :]
    return text


FILES = st.one_of(
    mutated_files(), mutated_files(), mutated_files(), st.binary(max_size=64).map(lambda b: b.decode("latin-1"))
)


def _expected_state(text):
    return {k: float(v) for k, v in json.loads(text)["state_dict"].items()}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=FILES)
def test_a_mutated_file_loads_exactly_or_raises_valueerror_and_leaves_the_model_untouched(tmp_path, text):
    path = tmp_path / "m.json"
    path.write_text(text, encoding="utf-8")
    try:
        loaded = load(path)
    except ValueError as error:
        assert str(error).startswith(f"nn.load: {path}: ") and len(str(error)) < 1000
    else:
        record = json.loads(text)
        assert type(loaded).__name__ == record["class"] and loaded.state_dict() == _expected_state(text)
        assert all(loaded.config[key] == value for key, value in record["config"].items())
    target = MLP(2, [3, 1])
    before = target.state_dict()
    try:
        assert load(path, model=target) is target
    except ValueError:
        assert target.state_dict() == before
    else:
        assert target.state_dict() == _expected_state(text)


STATE_DICTS = st.dictionaries(st.sampled_from([*BASE["state_dict"], "extra", "layers.9.w"]), JUNK, max_size=16)


@settings(max_examples=300, deadline=None)
@given(edits=STATE_DICTS, drop=st.lists(st.sampled_from(list(BASE["state_dict"])), max_size=3))
def test_load_state_dict_loads_a_mutated_dict_or_raises_valueerror_and_changes_nothing(edits, drop):
    state = {**BASE["state_dict"], **edits}
    for name in drop:
        state.pop(name, None)
    model = MLP(2, [3, 1])
    before = model.state_dict()
    try:
        model.load_state_dict(state)
    except ValueError:
        assert model.state_dict() == before
    else:
        assert model.state_dict() == {k: float(v) for k, v in state.items()}
