"""The house keeps its rooms: reading every import of civic/ (the source, not the running app), a folder may
import only from the layers below its own, so the platform never reaches up into a feature and features do not
lean on each other. A feature adds itself to civic/features.py; nothing below that list names it."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "civic"

# Lowest first. A folder (or a module directly under civic/) may import from the layers before its own, and
# from itself; never from a later layer, nor from another folder of its own layer.
LAYERS: list[set[str]] = [
    {"config"},
    {"database"},
    {"extensions"},
    {"core"},
    {"audit"},
    {"bodies"},
    {"outbox"},
    {"accounts"},
    {"identity"},  # SPID and CIE sign-in: accounts and core below it, never a feature
    {"consultations"},
    {"api", "admin", "manage"},  # the platform's shared pages, which features extend
    {"census"},  # residents lists and who may take part: every activity's feature applies its rule
    {"comments"},
    {"motions", "meetings", "surveys", "interest", "notifications"},
    {"results"},
    # The app: the list of features, the platform's tables, the demo that runs every feature's, the commands,
    # the factory, the migrations' environment and the WSGI entry point.
    {"features", "models", "demo"},
    {"cli", "translate"},
    {"__init__", "migrations"},
    {"wsgi"},
]
PLATFORM = {"core", "bodies", "audit", "outbox", "accounts", "identity", "consultations", "api", "admin",
            "manage"}
FEATURES = {"census", "comments", "motions", "meetings", "surveys", "interest", "results", "notifications"}
LAYER_OF = {name: index for index, layer in enumerate(LAYERS) for name in layer}


def _room(path: Path) -> str:
    """The folder (or top-level module) of civic/ a source file belongs to."""
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _imported_rooms(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, room) for every import of a civic module, wherever it stands (functions included)."""
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] if node.module != "civic" else [f"civic.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "civic" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return sorted(found)


def _sources() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


def test_every_folder_of_civic_has_a_layer():
    rooms = {_room(path) for path in _sources()}
    assert rooms - set(LAYER_OF) == set(), "add the new folder to LAYERS (and to PLATFORM or FEATURES)"
    assert PLATFORM | FEATURES <= set(LAYER_OF)


def test_no_folder_imports_a_higher_layer_or_a_neighbour():
    wrong = []
    for path in _sources():
        room = _room(path)
        for line, target in _imported_rooms(ast.parse(path.read_text(), str(path))):
            if target == room or target not in LAYER_OF:
                continue
            if LAYER_OF[target] >= LAYER_OF[room]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({room}) imports {target}")
    assert wrong == []


@pytest.mark.parametrize("room", sorted(PLATFORM))
def test_the_platform_imports_no_feature(room):
    imports = {target for path in _sources() if _room(path) == room
               for _line, target in _imported_rooms(ast.parse(path.read_text()))}
    assert imports & FEATURES == set()


def test_the_check_sees_a_wrong_import():
    """The reader itself: an import from a feature inside a function is found too."""
    tree = ast.parse("def f():\n    from civic.motions import queries\nimport civic.core.text\n")
    assert _imported_rooms(tree) == [(2, "motions"), (3, "core")]
