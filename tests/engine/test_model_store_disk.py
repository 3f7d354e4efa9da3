"""The model store wraps the disk layer's failures into one-line engine errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ModelStoreError
from engine.models.store import import_model
from engine.paths import Paths


def test_a_models_folder_that_cannot_be_made_is_one_line(
    tmp_path: Path, tiny_moe_path: Path
) -> None:
    paths = Paths.under(tmp_path / "genba")
    paths.data_dir.parent.mkdir(parents=True)
    paths.data_dir.write_bytes(b"a file where the data folder should be")
    with pytest.raises(ModelStoreError, match="GENBA_HOME") as caught:
        import_model(paths, tiny_moe_path, settings=None)
    assert "\n" not in str(caught.value)
