"""The MSI built by installers/windows/build_msi.py with wixl, checked table by table.

Builds once from the stub Windows payload (files named as the real freeze) and reads the MSI
back with ``msiinfo export``. What only Windows can prove (install, downgrade refusal at run
time, ACLs) is listed in installers/README.md.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installers" / "windows" / "build_msi.py"
WXS = ROOT / "installers" / "windows" / "genba.wxs"

pytestmark = pytest.mark.skipif(
    not (shutil.which("wixl") and shutil.which("wixl-heat") and shutil.which("msiinfo")),
    reason="wixl/msiinfo missing: apt-get install wixl msitools",
)

# In-script (deferred) custom action flag and the no-impersonation flag (CustomAction.Type).
IN_SCRIPT = 0x400
NO_IMPERSONATE = 0x800


def _upgrade_code() -> str:
    match = re.search(r'UpgradeCode="([0-9A-F-]{36})"', WXS.read_text(encoding="utf-8"))
    assert match, "genba.wxs has no fixed UpgradeCode"
    return "{" + match[1] + "}"


@dataclass
class Built:
    msi: Path
    payload: Path
    stdout: str

    def table(self, name: str) -> list[dict[str, str]]:
        """Rows of one table; msiinfo writes names, types, table name, then rows."""
        text = subprocess.run(
            ["msiinfo", "export", str(self.msi), name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
        header = lines[0].split("\t")
        return [dict(zip(header, line.split("\t"), strict=False)) for line in lines[3:] if line]


def _build(tmp: Path, *extra: str, version: str = "1.4.2") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--stub",
            str(tmp / "payload"),
            "--out",
            str(tmp / "genba.msi"),
            "--version",
            version,
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    tmp = tmp_path_factory.mktemp("msi")
    done = _build(tmp)
    assert done.returncode == 0, done.stderr
    return Built(tmp / "genba.msi", tmp / "payload", done.stdout)


def test_build_prints_size_and_sha256(built: Built) -> None:
    data = built.msi.read_bytes()
    assert f"{len(data)} bytes" in built.stdout
    assert hashlib.sha256(data).hexdigest() in built.stdout
    assert not built.msi.with_name("genba.msi.partial").exists()


def test_per_machine_with_the_fixed_upgrade_code(built: Built) -> None:
    props = {row["Property"]: row["Value"] for row in built.table("Property")}
    assert props["ALLUSERS"] == "1"
    assert props["UpgradeCode"] == _upgrade_code()
    assert props["ProductVersion"] == "1.4.2"
    # A second build is a new product (new ProductCode) of the same upgrade family.
    assert re.fullmatch(r"\{[0-9A-F-]{36}\}", props["ProductCode"])


def test_older_versions_are_replaced_and_a_newer_one_refuses_the_install(built: Built) -> None:
    rows = {row["ActionProperty"]: row for row in built.table("Upgrade")}
    code = _upgrade_code()
    older = rows["WIX_UPGRADE_DETECTED"]
    assert (older["UpgradeCode"], older["VersionMin"], older["VersionMax"]) == (code, "", "1.4.2")
    newer = rows["WIX_DOWNGRADE_DETECTED"]
    assert (newer["UpgradeCode"], newer["VersionMin"]) == (code, "1.4.2")
    assert int(newer["Attributes"]) & 2, "a newer version must only be detected, never removed"
    conditions = {row["Condition"]: row["Description"] for row in built.table("LaunchCondition")}
    assert "newer version of genba" in conditions["NOT WIX_DOWNGRADE_DETECTED"]
    seq = {row["Action"]: int(row["Sequence"]) for row in built.table("InstallExecuteSequence")}
    assert seq["InstallValidate"] < seq["RemoveExistingProducts"] < seq["InstallInitialize"]
    secure = {row["Property"]: row["Value"] for row in built.table("Property")}
    assert "WIX_UPGRADE_DETECTED" in secure["SecureCustomProperties"].split(";")


def _directory_paths(built: Built) -> dict[str, str]:
    """Directory id -> its path from TARGETDIR, using the long names ('.' is the parent)."""
    rows = {row["Directory"]: row for row in built.table("Directory")}

    def path(key: str) -> str:
        row = rows[key]
        name = row["DefaultDir"].split(":")[-1].split("|")[-1]
        if not row["Directory_Parent"]:
            return ""
        parent = path(row["Directory_Parent"])
        if name == ".":
            return parent or key  # a standard folder (ProgramFiles64Folder …) names itself
        return f"{parent}/{name}" if parent else name

    return {key: path(key) for key in rows}


def test_program_data_policy_and_machine_model_store_are_created(built: Built) -> None:
    paths = _directory_paths(built)
    created = {paths[row["Directory_"]] for row in built.table("CreateFolder")}
    assert {"CommonAppDataFolder/genba/policy.d", "CommonAppDataFolder/genba/models"} <= created
    assert paths["ProgramDir"] == "ProgramFiles64Folder/genba"
    # Program folders are private (not all upper case): msiexec PROGRAMDIR=… cannot move them
    # away from where the update task's XML expects genba.exe.
    program = [key for key, path in paths.items() if path.startswith("ProgramFiles64Folder/")]
    assert program and not any(key.isupper() for key in program)


def test_machine_folders_are_locked_against_operators(built: Built) -> None:
    # ProgramData lets users create files in new subfolders; an operator must not be able to
    # drop a policy.toml into %ProgramData%\genba or a model into the machine store.
    created = {row["Directory_"] for row in built.table("CreateFolder")}
    locks = {row["LockObject"]: row for row in built.table("MsiLockPermissionsEx")}
    assert set(locks) == created == {"GENBADATA", "POLICYDIR", "MODELSDIR"}
    for row in locks.values():
        assert row["Table"] == "CreateFolder"
        sddl = row["SDDL"]
        assert sddl.startswith("D:P"), "the DACL must be protected (no ProgramData inheritance)"
        aces = re.findall(r"\(([^)]*)\)", sddl)
        granted = {ace.split(";")[5]: ace.split(";")[2] for ace in aces}
        assert granted == {"SY": "FA", "BA": "FA", "BU": "FRFX"}


def test_start_menu_shortcut_for_all_users(built: Built) -> None:
    (shortcut,) = built.table("Shortcut")
    assert shortcut["Directory_"] == "ProgramMenuFolder"
    assert shortcut["Target"] == "[ProgramDir]genba-desktop.exe"
    # Its component is per machine: the key path is an HKLM value (Root 2), not HKCU.
    components = {row["Component"]: row for row in built.table("Component")}
    registry = {row["Registry"]: row for row in built.table("Registry")}
    key = components[shortcut["Component_"]]["KeyPath"]
    assert registry[key]["Root"] == "2"


def test_every_payload_file_is_installed_where_the_freeze_has_it(built: Built) -> None:
    paths = _directory_paths(built)
    components = {row["Component"]: row for row in built.table("Component")}
    installed = set()
    for row in built.table("File"):
        folder = paths[components[row["Component_"]]["Directory_"]]
        name = row["FileName"].split("|")[-1]
        installed.add(f"{folder}/{name}")
        assert components[row["Component_"]]["KeyPath"] == row["File"]
    expected = {
        f"ProgramFiles64Folder/genba/{p.relative_to(built.payload).as_posix()}"
        for p in built.payload.rglob("*")
        if p.is_file()
    }
    assert expected
    assert expected | {"ProgramFiles64Folder/genba/genba-update-task.xml"} == installed
    # Win64 components (attribute 256): installed to the 64-bit folders and registry view.
    assert all(int(row["Attributes"]) & 256 for row in components.values())


def test_deferred_actions_run_inside_the_install_script_in_order(built: Built) -> None:
    seq = {
        row["Action"]: (int(row["Sequence"]), row["Condition"])
        for row in built.table("InstallExecuteSequence")
    }
    actions = {row["Action"]: row for row in built.table("CustomAction")}
    deferred = [name for name, row in actions.items() if int(row["Type"]) & IN_SCRIPT]
    assert set(deferred) == {
        "CreateUpdateTask",
        "DeleteUpdateTask",
        "CopyPolicyFile",
        "WriteRepositoryPolicy",
    }
    first, last = seq["InstallInitialize"][0], seq["InstallFinalize"][0]
    for name in deferred:
        assert first < seq[name][0] < last, f"{name} outside the install script"
        assert int(actions[name]["Type"]) & NO_IMPERSONATE, f"{name} must run as LocalSystem"
    # The task XML and ProgramData folders exist before the actions that use them.
    for name in ("CreateUpdateTask", "CopyPolicyFile", "WriteRepositoryPolicy"):
        assert seq[name][0] > seq["InstallFiles"][0] > seq["CreateFolders"][0]
        assert "NOT REMOVE" in seq[name][1]
    # On removal the task goes before its files do.
    assert seq["DeleteUpdateTask"][0] < seq["RemoveFiles"][0]
    assert seq["DeleteUpdateTask"][1] == 'REMOVE~="ALL"'
    # The programs' full paths are set (immediate) once directories are known, before the script.
    for setter in ("SetSchtasksExe", "SetCmdExe"):
        assert seq["CostFinalize"][0] < seq[setter][0] < first
    assert actions["CreateUpdateTask"]["Source"] == "SCHTASKS_EXE"
    assert "[ProgramDir]genba-update-task.xml" in actions["CreateUpdateTask"]["Target"]


def test_silent_install_properties_write_policy_drop_ins(built: Built) -> None:
    actions = {row["Action"]: row for row in built.table("CustomAction")}
    seq = {row["Action"]: row["Condition"] for row in built.table("InstallExecuteSequence")}
    copy = actions["CopyPolicyFile"]["Target"]
    assert '"[POLICY_FILE]"' in copy and '"[POLICYDIR]50-msi-policy.toml"' in copy
    assert seq["CopyPolicyFile"].startswith("POLICY_FILE AND")
    write = actions["WriteRepositoryPolicy"]["Target"]
    # [\[] is Windows Installer's escape for a literal bracket: the file gets a TOML table.
    assert r"echo [\[]updates[\]]" in write
    assert 'repository_url = "[UPDATE_REPOSITORY]"' in write
    assert "[POLICYDIR]10-msi-repository.toml" in write
    assert seq["WriteRepositoryPolicy"].startswith("UPDATE_REPOSITORY AND")
    # Characters cmd.exe would interpret in the URL refuse the install instead.
    conditions = {row["Condition"] for row in built.table("LaunchCondition")}
    (url_check,) = [c for c in conditions if "UPDATE_REPOSITORY" in c]
    for char in ("&", "%", "^", "|", "<", ">"):
        assert f'UPDATE_REPOSITORY >< "{char}"' in url_check
    assert "UPDATE_REPOSITORY >< QUOTE_CHAR" in url_check
    props = {row["Property"]: row["Value"] for row in built.table("Property")}
    assert props["QUOTE_CHAR"] == '"'


def test_a_wixl_warning_fails_the_build(tmp_path: Path) -> None:
    # wixl drops an attribute it does not know with only a warning; the build must stop.
    source = WXS.read_text(encoding="utf-8").replace(
        '<Property Id="ARPNOMODIFY" Value="1" />',
        '<Property Id="ARPNOMODIFY" Value="1" Secure="yes" />',
    )
    assert "Secure=" in source
    wxs = tmp_path / "genba.wxs"
    wxs.write_text(source, encoding="utf-8")
    done = _build(tmp_path, "--wxs", str(wxs))
    assert done.returncode == 2
    assert "wixl failed" in done.stderr and "Secure" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "genba.msi").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--version", "1.4.2.dev1"], "cannot be an MSI version"),
        (["--version", "1.256.0"], "cannot be an MSI version"),
    ],
)
def test_bad_version_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--stub",
            str(tmp_path / "p"),
            "--out",
            str(tmp_path / "x.msi"),
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_folder_that_is_not_the_windows_freeze_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "genba").write_text("linux binary\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--payload",
            str(tmp_path),
            "--out",
            str(tmp_path / "x.msi"),
            "--task-xml",
            str(SCRIPT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "not a Windows genba folder" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def _cmd_echo_output(target: str, url: str) -> tuple[str, str]:
    """What WriteRepositoryPolicy's ``cmd /d /s /c "echo …> "file"& echo …>> "file""`` writes.

    Windows Installer first formats the command line ([\\[] is a literal bracket, [PROP] a
    property); cmd (``/s``: the outer quotes go) then runs each ``echo``, one CRLF-ended line
    each, the first creating the file and the others appending to it. No ``( … )`` group:
    Wine's cmd writes an empty file for a redirected group (found in the Wine cycle).
    """
    formatted = target.replace("[\\[]", "[").replace("[\\]]", "]")
    formatted = formatted.replace("[UPDATE_REPOSITORY]", url).replace("[POLICYDIR]", "")
    match = re.fullmatch(r'/d /s /c "(.*)"', formatted)
    assert match, formatted
    files, lines = [], []
    for number, part in enumerate(match[1].split("& ")):
        echo = re.fullmatch(r'echo (.*?)(>>?) "([^"]+)"', part)
        assert echo, part
        assert echo[2] == (">" if number == 0 else ">>"), part  # create, then append
        lines.append(echo[1])
        files.append(echo[3])
    assert len(set(files)) == 1, files
    return files[0], "".join(line + "\r\n" for line in lines)


def test_the_repository_drop_in_is_a_policy_file_genba_reads(built: Built, tmp_path: Path) -> None:
    from disk.paths import Paths
    from engine.settings import load_settings

    url = "https://updates.example.com/genba/"
    (target,) = [
        row["Target"]
        for row in built.table("CustomAction")
        if row["Action"] == "WriteRepositoryPolicy"
    ]
    name, text = _cmd_echo_output(target, url)
    paths = Paths.under(tmp_path)
    paths.policy_dropin_dir.mkdir(parents=True)
    (paths.policy_dropin_dir / name).write_bytes(text.encode("ascii"))
    settings = load_settings(paths)
    assert not settings.errors, settings.errors
    assert settings.get_str("updates.repository_url") == url
    assert settings.is_locked("updates.repository_url")
