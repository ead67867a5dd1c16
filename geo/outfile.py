"""Files the portal writes for a user (exports, backups, briefs): checked targets, written atomically.

Every writer goes through `checked_target` and `atomic_write`:

- the target is resolved (symlinks, `..`, and the file system's own case rules through `samefile`) and
  refused when it is the store, its WAL, a store kept by a restore, or any file whose content is a
  DuckDB database or a backup of this portal — with or without `--force`;
- an existing file is replaced only when the caller says so (`--force`);
- a directory, a missing parent folder, a place that cannot be written or a full disk give a
  `PortalError` naming the path, never a traceback;
- the content is written to a hidden temporary file beside the target and moved into place with one
  `os.replace` when complete, so an interrupted writer never leaves a half file under the final name.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from geo.errors import PortalError

# Bytes 8–11 of every DuckDB database file.
DUCKDB_MAGIC = b"DUCK"
# What `python -m layers backup` writes (geo/store/backup.py): a zip whose manifest names this format.
BACKUP_FORMAT = "binhai-store-backup"
BACKUP_MANIFEST = "manifest.json"
_MANIFEST_READ_LIMIT = 1 << 20


class OutputError(PortalError):
    """A file cannot (or must not) be written where the user asked."""


def store_files(store_path: Path) -> list[Path]:
    """The store, its write-ahead log and the stores a restore or a re-seed kept beside it: never overwritten."""
    store_path = Path(store_path)
    kept = sorted(store_path.parent.glob(f"{store_path.name}.before-*")) if store_path.parent.is_dir() else []
    return [store_path, store_path.with_name(store_path.name + ".wal"), *kept]


def _same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        with contextlib.suppress(OSError):
            return os.path.samefile(a, b)
    return os.path.normcase(str(a.resolve())) == os.path.normcase(str(b.resolve()))


def is_duckdb_file(path: Path) -> bool:
    """Whether `path` holds a DuckDB database (by its header, whatever its name)."""
    try:
        with Path(path).open("rb") as f:
            return f.read(12)[8:12] == DUCKDB_MAGIC
    except OSError:
        return False


def is_portal_backup(path: Path) -> bool:
    """Whether `path` is a backup zip written by `python -m layers backup`."""
    try:
        with zipfile.ZipFile(path) as archive:
            if BACKUP_MANIFEST not in archive.namelist():
                return False
            with archive.open(BACKUP_MANIFEST) as manifest:
                content = json.loads(manifest.read(_MANIFEST_READ_LIMIT))
        return isinstance(content, dict) and content.get("format") == BACKUP_FORMAT
    except (OSError, zipfile.BadZipFile, KeyError, RuntimeError, ValueError):
        return False


def checked_target(
    out: Path | str, protected: Iterable[Path] = (), force: bool = False, replaces_backup: bool = False
) -> Path:
    """The absolute path a writer may replace; `OutputError` naming the path when it must not.

    Parameters
    ----------
    out : the path the user gave (relative, through symlinks or `..`: all resolved here).
    protected : files that must survive whatever the user asks (the store and its companions).
    force : replace an existing ordinary file.
    replaces_backup : the writer is the backup command, which may replace an older backup (with `force`).
    """
    if str(out).strip() == "":
        raise OutputError("未给出输出文件", "no output file given")
    raw = Path(out).expanduser()
    if raw.is_dir():
        raise OutputError(
            f"输出路径 {raw} 是一个文件夹，请给出文件名",
            f"the output path {raw} is a folder; give a file name",
        )
    for keep in protected:
        if _same_file(raw, Path(keep)):
            raise OutputError(
                f"拒绝写入 {raw}：它是数据库文件 {keep}（或其日志/备份），写入会毁掉数据",
                f"refusing to write {raw}: it is the store {keep} (or its log/backup); writing would destroy data",
            )
    target = raw.resolve()
    if not target.parent.is_dir():
        raise OutputError(
            f"输出文件夹 {target.parent} 不存在，请先创建",
            f"the output folder {target.parent} does not exist; create it first",
        )
    if target.exists() or raw.is_symlink():
        if is_duckdb_file(target) or (is_portal_backup(target) and not replaces_backup):
            raise OutputError(
                f"拒绝覆盖 {raw}：它是一个数据库或门户备份文件",
                f"refusing to overwrite {raw}: it is a database or a backup of this portal",
            )
        if not force:
            raise OutputError(
                f"{raw} 已存在；覆盖请加 --force",
                f"{raw} already exists; add --force to overwrite it",
            )
        if not target.is_file():
            raise OutputError(f"{raw} 不是普通文件，无法覆盖", f"{raw} is not a regular file; it cannot be overwritten")
    if not os.access(target.parent, os.W_OK):
        raise OutputError(f"没有权限写入文件夹 {target.parent}", f"no permission to write in {target.parent}")
    return target


def _os_error(target: Path, exc: OSError) -> OutputError:
    if exc.errno == errno.ENOSPC:
        return OutputError(f"磁盘已满，未能写入 {target}", f"the disk is full; {target} was not written")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(f"没有权限写入 {target}", f"no permission to write {target}")
    return OutputError(f"无法写入 {target}: {exc.strerror or exc}", f"cannot write {target}: {exc.strerror or exc}")


@contextlib.contextmanager
def atomic_write(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target` (same suffix) to write; moved onto `target` on success.

    On any exception the temporary file is removed and `target` is left as it was. OS errors (a full
    disk, no permission) become `OutputError` naming `target`.
    """
    target = Path(target)
    temp = target.with_name(f".{target.stem}.{os.getpid()}.partial{target.suffix}")
    try:
        try:
            yield temp
            with temp.open("rb") as f:
                os.fsync(f.fileno())
            os.replace(temp, target)
        except OSError as exc:
            raise _os_error(target, exc) from exc
    finally:
        temp.unlink(missing_ok=True)
    fsync_dir(target.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (where the file system lets a folder be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # the rename is still atomic
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
