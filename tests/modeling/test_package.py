"""Reading packages from folders, files and uploads, and the content hash that names a version."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from engine.errors import ModelRejected
from engine.modeling import content_hash, read_package
from engine.modeling.package import normalise_member_name

from .builders import package


def _write(folder, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def test_folder_single_file_mapping_and_zip_give_the_same_package(tmp_path):
    files = package()
    _write(tmp_path / "QT99", files)
    from_folder = read_package(tmp_path / "QT99")
    from_mapping = read_package(files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in reversed(list(files)):
            archive.writestr(f"QT99/{name}", files[name])
    from_zip = read_package(buffer.getvalue())
    assert dict(from_folder.files) == dict(from_mapping.files) == dict(from_zip.files) == files
    assert from_folder.content_hash == from_mapping.content_hash == from_zip.content_hash
    single = read_package(tmp_path / "QT99" / "QT99.bpmn")
    assert list(single.files) == ["QT99.bpmn"]


def test_content_hash_is_order_independent_and_sensitive_to_every_byte():
    files = package()
    assert content_hash(files) == content_hash(dict(reversed(list(files.items()))))
    changed = dict(files, **{"forms/start.json": files["forms/start.json"] + b" "})
    assert content_hash(changed) != content_hash(files)
    renamed = {("forms/begin.json" if k == "forms/start.json" else k): v for k, v in files.items()}
    assert content_hash(renamed) != content_hash(files)
    # length-prefixed framing: moving bytes between a name and its content changes the hash
    assert content_hash({"ab": b"c"}) != content_hash({"a": b"bc"})


def test_noise_is_dropped_and_unknown_files_are_listed():
    files = dict(package(), **{"__MACOSX/._QT99.bpmn": b"junk", ".DS_Store": b"junk",
                               "diagram.png": b"\x89PNG", "./notes.md": b"ok"})
    loaded = read_package(files)
    assert "diagram.png" not in loaded.files and loaded.ignored == ("diagram.png",)
    assert "notes.md" in loaded.files
    assert not any("MACOSX" in name or "DS_Store" in name for name in loaded.files)


@pytest.mark.parametrize(("raw", "safe"), [
    ("forms/start.json", "forms/start.json"),
    ("forms\\start.json", "forms/start.json"),
    ("./QT13//settings.json", "QT13/settings.json"),
    ("../x.bpmn", None), ("/abs.bpmn", None), ("C:/x.bpmn", None), ("a/../../b", None), ("", None),
    ("a\x00b", None),
])
def test_member_names_are_normalised_or_refused(raw, safe):
    assert normalise_member_name(raw)[0] == safe


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks on this platform")
def test_symlink_in_a_folder_is_refused_not_followed(tmp_path):
    _write(tmp_path, package())
    (tmp_path / "forms" / "leak.json").symlink_to("/etc/passwd")
    with pytest.raises(ModelRejected) as caught:
        read_package(tmp_path)
    assert [p.code for p in caught.value.details] == ["package_symlink"]
    assert caught.value.details[0].file == "forms/leak.json"


def test_other_single_files_and_missing_paths_are_refused(tmp_path):
    (tmp_path / "model.xml").write_text("<x/>")
    with pytest.raises(ModelRejected) as caught:
        read_package(tmp_path / "model.xml")
    assert caught.value.details[0].code == "package_unsupported_file"
    with pytest.raises(ModelRejected) as caught:
        read_package(tmp_path / "absent")
    assert caught.value.details[0].code == "package_not_found"
