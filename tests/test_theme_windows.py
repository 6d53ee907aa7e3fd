"""The verification page's Windows way (PowerShell), held to the POSIX way that is run.

PowerShell is in none of the package registries this project may use, so the page's
PowerShell blocks cannot run here (docs/theme.md says they were reviewed, not run). What
is checked instead: they fetch the same two files (an item's piece of the record and
the allowed signers); they verify with exactly the ssh-keygen
command that tests/test_theme_provenance.py runs, fed through cmd's ``<`` (bytes as they
are) and never through a PowerShell pipe; the files they write, built here byte for byte
as .NET writes them (``WriteAllBytes`` of the decoded base64, ``WriteAllText`` = UTF-8
without BOM and without an added newline), verify for every sign-off, while the payload
as a PowerShell pipe would send it (CRLF line ends) does not; and the digest line hashes
the same bytes as the jq line.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import subprocess
from pathlib import Path

import pytest

from themekit import Sample

#: Whole-site builds and commands in child processes: seconds each (docs/architecture.md).
pytestmark = pytest.mark.slow


def _blocks(sample: Sample, kind: str) -> list[str]:
    """Return the page's code lines: ``kind`` "" for the POSIX blocks, else that class."""
    page = sample.html("persetujuan/")
    opening = "<pre><code>" if not kind else f'<pre><code class="{kind}">'
    blocks = re.findall(re.escape(opening) + r"(.*?)</code></pre>", page, re.S)
    return [html.unescape(line) for block in blocks for line in block.splitlines()]


def _verify_command(sample: Sample) -> str:
    """Return the ssh-keygen command inside the PowerShell ``cmd /c "..."`` line."""
    [line] = [line for line in _blocks(sample, "powershell") if line.startswith("cmd /c ")]
    assert line.startswith('cmd /c "') and line.endswith('"'), line
    return line.removeprefix('cmd /c "').removesuffix('"')


def test_powershell_fetches_the_same_files_and_runs_the_same_ssh_keygen_command(
    theme_sample: Sample,
) -> None:
    posix, windows = _blocks(theme_sample, ""), _blocks(theme_sample, "powershell")
    fetched = [
        (url, name or url.rsplit("/", 1)[1])
        for name, url in (
            re.fullmatch(r"curl (?:-o (\S+)|-O) (\S+)", line).groups()  # type: ignore[union-attr]
            for line in posix
            if line.startswith("curl -")
        )
    ]
    assert len(fetched) == 2 and fetched[0][1] == "catatan.json"
    assert [
        re.search(r"-Uri (\S+) -OutFile (\S+)$", line).groups()  # type: ignore[union-attr]
        for line in windows
        if line.startswith("Invoke-WebRequest ")
    ] == fetched
    [verify] = [line for line in posix if line.startswith("ssh-keygen -Y verify")]
    assert _verify_command(theme_sample) == verify
    assert not [line for line in windows if re.search(r"\|\s*(cmd|ssh-keygen)", line)]


def _as_dotnet_writes(signoff: dict[str, str], folder: Path) -> None:
    """Write payload and payload.sig with the bytes the page's two .NET calls produce."""
    (folder / "payload").write_bytes(base64.b64decode(signoff["payload_base64"]))
    (folder / "payload.sig").write_bytes(signoff["signature"].encode("utf-8"))


def _run(command: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run the command as cmd runs it: its ``<`` hands the file's bytes over unchanged."""
    return subprocess.run(
        ["sh", "-c", command], cwd=folder, capture_output=True, text=True, check=False
    )


def test_the_files_powershell_writes_verify_for_every_signoff(
    theme_sample: Sample, tmp_path: Path
) -> None:
    verify = _verify_command(theme_sample)
    (tmp_path / "allowed_signers").write_bytes(
        (theme_sample.output / "persetujuan" / "allowed_signers").read_bytes()
    )
    record = theme_sample.record()
    checked = 0
    for item in record["items"]:
        for signoff in item["signoffs"]:
            _as_dotnet_writes(signoff, tmp_path)
            command = re.sub(r"-I \S+", f"-I {signoff['principal']}", verify)
            command = re.sub(r"verify-time=\S+", f"verify-time={signoff['verify_time']}", command)
            done = _run(command, tmp_path)
            assert done.returncode == 0, done.stderr
            assert f'Good "kpu-rembang-persetujuan" signature for {signoff["principal"]}' in (
                done.stdout + done.stderr
            )
            checked += 1
    assert checked == 4 * len(theme_sample.manifest["included"])


def test_a_payload_sent_through_a_powershell_pipe_is_refused(
    theme_sample: Sample, tmp_path: Path
) -> None:
    """Why the page says never to pipe: a re-encoded payload (CRLF) no longer verifies."""
    signoff = theme_sample.record()["items"][0]["signoffs"][0]
    (tmp_path / "allowed_signers").write_bytes(
        (theme_sample.output / "persetujuan" / "allowed_signers").read_bytes()
    )
    _as_dotnet_writes(signoff, tmp_path)
    payload = tmp_path / "payload"
    payload.write_bytes(payload.read_bytes().replace(b"\n", b"\r\n"))
    done = _run(_verify_command(theme_sample), tmp_path)
    assert done.returncode != 0


def test_the_powershell_digest_line_hashes_what_the_jq_line_hashes(theme_sample: Sample) -> None:
    [line] = [line for line in _blocks(theme_sample, "powershell") if line.startswith("$baris = ")]
    assert line == (
        "$baris = @('kpu-rembang-digest-v1', \"$($i.source_sha256)  $($i.item)\") + "
        "@($i.files | ForEach-Object { $(if ($_.sha256) { $_.sha256 } else { 'MISSING' }) "
        "+ '  ' + $_.path })"
    )
    [digest] = [line for line in _blocks(theme_sample, "powershell") if "ComputeHash" in line]
    assert 'UTF8.GetBytes(($baris -join "`n") + "`n")' in digest  # jq -r: one \n per line
    for item in theme_sample.record()["items"]:
        lines = [
            "kpu-rembang-digest-v1",
            f"{item['source_sha256']}  {item['item']}",
            *(f"{f['sha256'] or 'MISSING'}  {f['path']}" for f in item["files"]),
        ]
        data = ("\n".join(lines) + "\n").encode("utf-8")
        assert f"sha256:{hashlib.sha256(data).hexdigest()}" == item["digest"]
