"""The layout states the architecture: short modules, no import cycles in the engine, nn on public names only."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
ENGINE_MODULES = sorted((ROOT / "autograd").rglob("*.py"))


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def relative_imports(path):
    """The autograd modules `path` imports with `from . import x` / `from .x import y`."""
    package = module_name(path).split(".") if path.name == "__init__.py" else module_name(path).split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = ".".join(package[: len(package) - node.level + 1])
            if node.module:
                found.add(f"{base}.{node.module}")
            else:
                found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", [*ENGINE_MODULES, *sorted((ROOT / "nn").rglob("*.py"))], ids=str)
def test_no_module_of_the_engine_or_nn_is_over_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400


def test_the_engine_imports_no_module_in_a_circle():
    modules = {module_name(p): p for p in ENGINE_MODULES}
    imports = {name: {m for m in relative_imports(p) if m in modules and m != name} for name, p in modules.items()}
    packages = {"autograd", "autograd.viz"}  # __init__ files only gather names: every module may be reached from them
    for start in set(modules) - packages:
        stack, seen = [(start, [start])], set()
        while stack:
            name, path = stack.pop()
            for target in imports[name] - packages:
                assert target != start, f"import cycle: {' -> '.join([*path, target])}"
                if target not in seen:
                    seen.add(target)
                    stack.append((target, [*path, target]))


def test_nn_and_the_command_use_only_public_autograd_names():
    for path in [*(ROOT / "nn").rglob("*.py"), *(ROOT / "chaingrad").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograd"):
                names = [node.module, *(alias.name for alias in node.names)]
                assert not any(part.startswith("_") for name in names for part in name.split(".")), (path, names)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "autograd":
                assert not node.attr.startswith("_"), (path, node.attr)
