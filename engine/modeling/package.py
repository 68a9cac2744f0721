"""Reading a process model package from a folder, a single file, an upload mapping or a zip.

A package is just named bytes. Everything that comes from outside (an API upload, a zip) is untrusted:
paths are normalised and refused when they could escape the package (``..``, absolute, drive letters,
symlinks), and sizes are bounded before anything is decompressed or parsed. The content hash identifies
a model version: deploying the same bytes again gives the same hash, whatever the file order.
"""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .problems import InvalidModel, problem

SETTINGS_FILE = "settings.json"
DESCRIPTION_FILE = "description.md"
FORMS_FOLDER = "forms"
#: Files a package may contain; anything else is left out (and listed in ``ModelPackage.ignored``).
KNOWN_SUFFIXES = (".bpmn", ".json", ".md")
#: Noise that archivers and desktops add; dropped silently.
_NOISE_PARTS = ("__MACOSX", ".DS_Store", "Thumbs.db", ".git")


@dataclass(frozen=True)
class PackageLimits:
    """Bounds on what an upload may contain. Defaults suit the 99 procedures with a wide margin."""

    max_file_bytes: int = 5 * 1024 * 1024
    max_total_bytes: int = 25 * 1024 * 1024
    max_files: int = 200
    #: Largest allowed uncompressed/compressed ratio of a zip member bigger than ``ratio_floor_bytes``.
    max_zip_ratio: float = 100.0
    ratio_floor_bytes: int = 64 * 1024


@dataclass(frozen=True)
class ModelPackage:
    """The files of one model version, keyed by POSIX path relative to the package root."""

    files: Mapping[str, bytes]
    source: str = "<memory>"
    ignored: tuple[str, ...] = field(default=())

    @property
    def content_hash(self) -> str:
        return content_hash(self.files)

    @property
    def bpmn_paths(self) -> list[str]:
        return sorted(p for p in self.files if p.lower().endswith(".bpmn"))

    @property
    def form_paths(self) -> list[str]:
        return sorted(p for p in self.files
                      if p.startswith(FORMS_FOLDER + "/") and p.lower().endswith(".json"))

    def get(self, path: str) -> bytes | None:
        return self.files.get(path)


def content_hash(files: Mapping[str, bytes]) -> str:
    """SHA-256 over the sorted (path, bytes) pairs, each length-prefixed so no two packages collide."""
    digest = hashlib.sha256()
    for path in sorted(files):
        name = path.encode("utf-8")
        data = files[path]
        digest.update(len(name).to_bytes(8, "big"))
        digest.update(name)
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def read_package(source: str | Path | Mapping[str, bytes] | bytes,
                 limits: PackageLimits | None = None) -> ModelPackage:
    """Read a package from a folder, a ``.bpmn``/``.zip`` file, a ``{path: bytes}`` mapping or zip bytes."""
    limits = limits or PackageLimits()
    if isinstance(source, bytes):
        return package_from_zip(source, limits)
    if isinstance(source, Mapping):
        return package_from_mapping(source, limits)
    path = Path(source)
    if path.is_dir():
        return package_from_folder(path, limits)
    if path.is_file():
        return package_from_file(path, limits)
    raise InvalidModel([problem("package_not_found", f"Không tìm thấy gói mô hình: {path}",
                                f"Model package not found: {path}", file=str(path))])


def package_from_file(path: Path, limits: PackageLimits | None = None) -> ModelPackage:
    """A single ``.bpmn`` file (its own package) or a ``.zip`` of a package folder."""
    limits = limits or PackageLimits()
    size = path.stat().st_size
    if path.suffix.lower() == ".zip":
        if size > limits.max_total_bytes:
            raise InvalidModel([_too_big(path.name, size, limits.max_total_bytes)])
        return package_from_zip(path.read_bytes(), limits, source=str(path))
    if path.suffix.lower() != ".bpmn":
        raise InvalidModel([problem(
            "package_unsupported_file",
            f"Chỉ nhận tệp .bpmn, tệp .zip hoặc thư mục gói; '{path.name}' không phải.",
            f"Only a .bpmn file, a .zip file or a package folder can be loaded; '{path.name}' is neither.",
            file=path.name)])
    if size > limits.max_file_bytes:
        raise InvalidModel([_too_big(path.name, size, limits.max_file_bytes)])
    return ModelPackage({path.name: path.read_bytes()}, source=str(path))


def package_from_folder(folder: Path, limits: PackageLimits | None = None) -> ModelPackage:
    """Every regular file under ``folder``; symlinks are refused rather than followed."""
    limits = limits or PackageLimits()
    collected: dict[str, bytes] = {}
    problems = []
    for item in sorted(folder.rglob("*")):
        relative = item.relative_to(folder).as_posix()
        if item.is_symlink():
            problems.append(problem("package_symlink", f"Gói không được chứa liên kết tượng trưng: {relative}",
                                    f"Packages may not contain symbolic links: {relative}", file=relative))
            continue
        if item.is_file():
            size = item.stat().st_size
            if size > limits.max_file_bytes:
                problems.append(_too_big(relative, size, limits.max_file_bytes))
                continue
            collected[relative] = item.read_bytes()
    if problems:
        raise InvalidModel(problems)
    return package_from_mapping(collected, limits, source=str(folder))


def package_from_mapping(files: Mapping[str, bytes], limits: PackageLimits | None = None, *,
                         source: str = "<upload>") -> ModelPackage:
    """The API upload path: names are untrusted, so each is normalised and checked.

    A mapping holding a single ``.zip`` is unpacked (the browser uploads one archive).
    """
    limits = limits or PackageLimits()
    if len(files) == 1:
        (only_name, only_data), = files.items()
        if only_name.lower().endswith(".zip"):
            return package_from_zip(only_data, limits, source=only_name)
    problems = []
    kept: dict[str, bytes] = {}
    ignored: list[str] = []
    if len(files) > limits.max_files:
        raise InvalidModel([_too_many(len(files), limits.max_files)])
    for raw_name, data in files.items():
        name, reason = normalise_member_name(raw_name)
        if name is None:
            problems.append(problem("package_unsafe_path", f"Đường dẫn tệp không an toàn '{raw_name}': {reason[0]}",
                                    f"Unsafe file path '{raw_name}': {reason[1]}", file=raw_name))
            continue
        if _is_noise(name):
            continue
        if len(data) > limits.max_file_bytes:
            problems.append(_too_big(name, len(data), limits.max_file_bytes))
            continue
        if not name.lower().endswith(KNOWN_SUFFIXES):
            ignored.append(name)
            continue
        kept[name] = bytes(data)
    total = sum(len(d) for d in kept.values())
    if total > limits.max_total_bytes:
        problems.append(_too_big("<package>", total, limits.max_total_bytes))
    if problems:
        raise InvalidModel(problems)
    kept = _strip_single_top_folder(kept)
    return ModelPackage(kept, source=source, ignored=tuple(sorted(ignored)))


def package_from_zip(data: bytes, limits: PackageLimits | None = None, *,
                     source: str = "<zip>") -> ModelPackage:
    """Unpack a zip in memory, checking sizes, ratios and names before reading any member."""
    limits = limits or PackageLimits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise InvalidModel([problem("package_bad_zip", f"Tệp zip hỏng hoặc không phải zip: {exc}",
                                    f"Corrupt or not a zip file: {exc}", file=source)]) from exc
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > limits.max_files:
            raise InvalidModel([_too_many(len(members), limits.max_files)])
        problems = []
        declared_total = 0
        for info in members:
            problems.extend(_zip_member_problems(info, limits))
            declared_total += info.file_size
        if declared_total > limits.max_total_bytes:
            problems.append(_too_big("<package>", declared_total, limits.max_total_bytes))
        if problems:
            raise InvalidModel(problems)
        files: dict[str, bytes] = {}
        for info in members:
            with archive.open(info) as member:
                # Never trust the declared size: read at most one byte past the limit.
                content = member.read(limits.max_file_bytes + 1)
            if len(content) > limits.max_file_bytes:
                raise InvalidModel([_too_big(info.filename, len(content), limits.max_file_bytes)])
            files[info.filename] = content
    return package_from_mapping(files, limits, source=source)


def normalise_member_name(raw: str) -> tuple[str | None, tuple[str, str]]:
    """Return a safe POSIX relative path, or ``None`` and the (vi, en) reason it is unsafe."""
    if not raw or "\x00" in raw:
        return None, ("tên rỗng hoặc chứa ký tự NUL", "empty name or NUL character")
    name = raw.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None, ("đường dẫn tuyệt đối", "absolute path")
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None, ("có thành phần '..' (thoát ra ngoài gói)", "contains '..' (escapes the package)")
    if not parts:
        return None, ("tên rỗng", "empty name")
    return "/".join(parts), ("", "")


def _zip_member_problems(info: zipfile.ZipInfo, limits: PackageLimits) -> list:
    found = []
    name = info.filename
    if info.flag_bits & 0x1:
        found.append(problem("package_encrypted_member", f"Tệp trong zip bị mã hoá: {name}",
                             f"Encrypted zip member: {name}", file=name))
    mode = info.external_attr >> 16
    if mode and stat.S_ISLNK(mode):
        found.append(problem("package_symlink", f"Gói không được chứa liên kết tượng trưng: {name}",
                             f"Packages may not contain symbolic links: {name}", file=name))
    if info.file_size > limits.max_file_bytes:
        found.append(_too_big(name, info.file_size, limits.max_file_bytes))
    elif info.file_size > limits.ratio_floor_bytes:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_zip_ratio:
            found.append(problem(
                "package_zip_bomb",
                f"Tỷ lệ nén của '{name}' là {ratio:.0f}:1, vượt giới hạn {limits.max_zip_ratio:.0f}:1 (nghi zip bomb).",
                f"Compression ratio of '{name}' is {ratio:.0f}:1, above the {limits.max_zip_ratio:.0f}:1 limit "
                f"(suspected zip bomb).", file=name))
    return found


def _strip_single_top_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    """``QT13/settings.json`` → ``settings.json`` when everything sits in one top folder."""
    tops = {p.split("/", 1)[0] for p in files}
    if len(tops) == 1 and all("/" in p for p in files):
        return {p.split("/", 1)[1]: d for p, d in files.items()}
    return files


def _is_noise(name: str) -> bool:
    return any(part in _NOISE_PARTS or part.startswith("._") for part in name.split("/"))


def _too_big(name: str, size: int, limit: int):
    return problem("file_too_large",
                   f"'{name}' có {size:,} byte, vượt giới hạn {limit:,} byte.",
                   f"'{name}' is {size:,} bytes, above the {limit:,}-byte limit.", file=name)


def _too_many(count: int, limit: int):
    return problem("package_too_many_files", f"Gói có {count} tệp, vượt giới hạn {limit}.",
                   f"The package holds {count} files, above the limit of {limit}.")
