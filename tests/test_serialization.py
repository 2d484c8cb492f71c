"""nn.save / nn.load: round trips, the file format, corrupt and foreign files, and atomic writes."""

import json
import math
import os

import pytest

from autograd import Value
from autograd.files import atomic_write
from nn.module import MLP, Layer, Module, Neuron, manual_seed
from nn.serialization import load, save


@pytest.mark.parametrize(
    "make",
    [
        lambda: MLP(2, [16, 16, 1]),
        lambda: MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", init="xavier", bias=False),
        lambda: Layer(3, 2, activation="elu", init="he"),
        lambda: Neuron(4, nonlin=False),
    ],
)
def test_round_trip_rebuilds_the_same_model(tmp_path, make):
    manual_seed(11)
    model = make()
    for i, p in enumerate(model.parameters()):
        p.data += 0.01 * i  # non-zero biases too
    path = tmp_path / "model.json"
    save(model, path)
    loaded = load(path)
    assert type(loaded) is type(model)
    assert loaded.config == model.config
    assert loaded.state_dict() == model.state_dict()  # exactly: JSON keeps every bit of a float
    x = [0.5, -1.0, 2.0, 0.25][: model.config["nin"]]
    out, expected = loaded(x), model(x)
    if isinstance(out, Value):
        out, expected = [out], [expected]
    assert [v.data for v in out] == [v.data for v in expected]


def test_the_file_is_json_with_a_format_marker_architecture_and_parameters(tmp_path):
    model = MLP(2, [3, 1], activation="tanh")
    save(model, tmp_path / "m.json")
    record = json.loads((tmp_path / "m.json").read_text())
    assert record["format"] == "chaingrad.nn" and record["version"] == 1 and record["class"] == "MLP"
    assert record["config"] == {
        "nin": 2,
        "nouts": [3, 1],
        "activation": "tanh",
        "output_activation": "linear",
        "init": "uniform",
        "bias": True,
        "fused": True,
    }
    assert record["state_dict"]["layers.1.neurons.0.w.2"] == model.layers[1].neurons[0].w[2].data
    assert len(record["state_dict"]) == 3 * 3 + 4


def test_load_leaves_the_nn_generator_alone(tmp_path):
    model = MLP(2, [3, 1])
    save(model, tmp_path / "m.json")
    manual_seed(4)
    expected = MLP(2, [2]).state_dict()
    manual_seed(4)
    loaded = load(tmp_path / "m.json")
    assert MLP(2, [2]).state_dict() == expected
    assert loaded.state_dict() == model.state_dict()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_save_refuses_a_diverged_model_and_leaves_the_old_file(tmp_path, bad):
    path = tmp_path / "m.json"
    old = _good_file(path)
    model = MLP(2, [3, 1])
    model.layers[0].neurons[1].b.data = bad
    message = rf"nn.save: 1 parameter\(s\) are nan or infinite \(layers\.0\.neurons\.1\.b = {bad}\)"
    with pytest.raises(ValueError, match=message):
        save(model, path)
    assert path.read_text() == old and os.listdir(tmp_path) == ["m.json"]


class Scaled(Module):
    """A user's module: no config, so nn.load needs an instance to fill."""

    def __init__(self):
        self.scale = Value(1.0)
        self.body = Neuron(2)

    def forward(self, x):
        return self.scale * self.body(x)


def test_a_custom_module_loads_into_an_instance(tmp_path):
    model = Scaled()
    model.scale.data = 3.5
    save(model, tmp_path / "s.json")
    with pytest.raises(ValueError, match=r"holds a 'Scaled'; only Neuron, Layer, MLP .*nn.load\(path, model=...\)"):
        load(tmp_path / "s.json")
    fresh = Scaled()
    assert load(tmp_path / "s.json", model=fresh) is fresh
    assert fresh.state_dict() == model.state_dict() and fresh.scale.data == 3.5
    with pytest.raises(ValueError, match="holds a 'Scaled', not a 'MLP'"):
        load(tmp_path / "s.json", model=MLP(2, [1]))


def _good_file(path):
    save(MLP(2, [3, 1]), path)
    return path.read_text()


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda text: text[: len(text) // 2], "is not valid JSON, so it is corrupt or truncated"),
        (lambda text: "", "is not valid JSON"),
        (lambda text: b"\x89PNG\r\n\x1a\n\xff\xfe", "is not valid JSON"),
        (lambda text: '{"weights": [1, 2]}', "not a chaingrad model file"),
        (lambda text: "[1, 2, 3]", "not a chaingrad model file"),
        (lambda text: text.replace('"version": 1', '"version": 2'), "format version 2; this chaingrad reads version 1"),
        (lambda text: text.replace('"state_dict"', '"weights"'), 'no "state_dict" object'),
        (lambda text: text.replace('"MLP"', '"Transformer"'), "holds a 'Transformer'; only Neuron, Layer, MLP"),
        (lambda text: text.replace('"nin": 2', '"nin": -2'), "MLP's config entry 'nin' must be a positive int, got -2"),
        (lambda text: text.replace('"nin": 2', '"nim": 2'), "the MLP's config has no 'nin'"),
        (
            lambda text: text.replace('"layers.1.neurons.0.b"', '"layers.1.neurons.0.bias"'),
            r"missing: layers\.1\.neurons\.0\.b; unexpected: layers\.1\.neurons\.0\.bias",
        ),
        (
            lambda text: text.replace('"layers.1.neurons.0.b": 0.0', '"layers.1.neurons.0.b": "zero"'),
            r"entries must be finite numbers: 'layers\.1\.neurons\.0\.b' is 'zero', not a number",
        ),
    ],
)
def test_corrupt_or_foreign_files_raise_valueerror_naming_the_problem(tmp_path, corrupt, message):
    path = tmp_path / "m.json"
    bad = corrupt(_good_file(path))
    path.write_bytes(bad if isinstance(bad, bytes) else bad.encode())
    with pytest.raises(ValueError, match=message):
        load(path)


def test_a_bad_file_leaves_the_given_model_untouched(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(_good_file(path).replace('"layers.0.neurons.2.w.1"', '"layers.0.neurons.2.w.9"'))
    model = MLP(2, [3, 1])
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"missing: layers\.0\.neurons\.2\.w\.1"):
        load(path, model=model)
    assert model.state_dict() == before


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    old = _good_file(path)

    def failing_replace(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk on fire"):
        save(MLP(2, [5, 1]), path)
    assert path.read_text() == old
    assert os.listdir(tmp_path) == ["m.json"]


def test_an_unserialisable_model_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "m.json"
    old = _good_file(path)
    model = Neuron(2)
    model.config = {"nin": 2, "callback": object()}
    with pytest.raises(TypeError, match="not JSON serializable"):
        save(model, path)
    assert path.read_text() == old
    assert os.listdir(tmp_path) == ["m.json"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_saved_file_gets_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        save(Neuron(2), tmp_path / "m.json")
    finally:
        os.umask(old)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o644  # 0o666 minus the umask, like any new file


def test_a_write_that_fails_midway_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    real_fsync = os.fsync

    def crash(fd):  # the data is written, then the machine "crashes" before the rename
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, b"new contents")
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["out.bin"]
    atomic_write(str(path), b"new contents")
    assert path.read_bytes() == b"new contents"
