"""Credential initialisation flags (Tekton's creds-init formats), with a real process."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from ep_helpers import Tekton


def _secret(tekton: Tekton, name: str, **keys: str) -> None:
    d = tekton.root / "creds-secrets" / name
    d.mkdir(parents=True)
    for key, value in keys.items():
        (d / key.replace("_", "-") if key == "ssh_privatekey" else d / key).write_text(value)


def test_git_docker_and_ssh_credentials(tekton: Tekton, tmp_path: Path) -> None:
    _secret(tekton, "gh", username="user", password="p@ss")
    _secret(tekton, "gl", username="u2", password="pw")
    _secret(tekton, "hub", username="user", password="pw")
    _secret(tekton, "key", ssh_privatekey="KEY1", known_hosts="github.com ssh-ed25519 AAAA")
    _secret(tekton, "repokey", ssh_privatekey="KEY2")
    cfg = tekton.root / "creds-secrets" / "quay"
    cfg.mkdir()
    (cfg / ".dockerconfigjson").write_text(
        '{"auths":{"quay.io":{"auth":"eDp5","identitytoken":"dropped"}}}'
    )
    home = tmp_path / "home"
    home.mkdir()
    res = tekton.run(
        [
            "-basic-git=gl=https://gitlab.com/org/repo", "-basic-git=gh=https://github.com",
            "-ssh-git=repokey=github.com/org/repo", "-ssh-git=key=github.com",
            "-basic-docker=hub=https://index.docker.io/v1/", "-docker-config=quay",
            *tekton.step_args(0), "-entrypoint", "true", "--",
        ],
        env={"HOME": str(home)},
    )
    assert res.returncode == 0, res.stderr
    creds = tekton.root / "creds"
    ssh_dir = creds / ".ssh"
    assert (creds / ".gitconfig").read_text() == (
        "[credential]\n\thelper = store\n"
        '[credential "https://gitlab.com/org/repo"]\n\tusername = u2\n\tuseHttpPath = true\n'
        '[credential "https://github.com"]\n\tusername = user\n'
        '[url "git@github.com--org--repo:org/repo.git"]\n'
        "\tinsteadOf = git@github.com:org/repo.git\n"
        '[url "ssh://github.com--org--repo/org/repo.git"]\n'
        "\tinsteadOf = ssh://github.com/org/repo.git\n"
    )
    # URLs without a path first; userinfo escaped as Go's url package does.
    assert (creds / ".git-credentials").read_text() == (
        "https://user:p%40ss@github.com\nhttps://u2:pw@gitlab.com/org/repo\n"
    )
    assert (ssh_dir / "config").read_text() == (
        f"Host github.com\n    HostName github.com\n    Port 22\n"
        f"    IdentityFile {ssh_dir}/id_key\n"
        f"Host github.com--org--repo\n    HostName github.com\n    Port 22\n"
        f"    IdentityFile {ssh_dir}/id_repokey\n"
    )
    assert (ssh_dir / "id_key").read_text() == "KEY1"
    assert (ssh_dir / "known_hosts").read_text() == "github.com ssh-ed25519 AAAA"
    assert json.loads((creds / ".docker" / "config.json").read_text()) == {
        "auths": {
            "https://index.docker.io/v1/": {
                "username": "user", "password": "pw", "auth": "dXNlcjpwdw==",
                "email": "not@val.id",
            },
            "quay.io": {"auth": "eDp5"},
        }
    }
    # Then copied into $HOME, private.
    for name in (".gitconfig", ".git-credentials", ".docker/config.json", ".ssh/id_key"):
        copied = home / name
        assert copied.read_bytes() == (creds / name).read_bytes()
        assert stat.S_IMODE(copied.stat().st_mode) == 0o600


def test_a_missing_secret_is_a_flag_error(tekton: Tekton) -> None:
    res = tekton.run(["-basic-git=nosuch=https://github.com", "-entrypoint", "true", "--"])
    assert res.returncode == 2
    assert "nosuch" in res.stderr


def test_malformed_value_is_a_flag_error(tekton: Tekton) -> None:
    res = tekton.run(["-basic-docker=onlysecret", "-entrypoint", "true", "--"])
    assert res.returncode == 2
    assert "secret=url" in res.stderr
