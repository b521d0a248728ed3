"""Credential initialisation: Tekton's legacy creds-init, built into the entrypoint.

The Pod builder mounts every ServiceAccount secret annotated ``tekton.dev/git-*`` or
``tekton.dev/docker-*`` at ``/tekton/creds-secrets/<secret>`` and passes flags naming them:

- ``-basic-git=<secret>=<url>`` (basic-auth secret): ``.gitconfig`` with a ``store`` helper and
  one ``[credential "<url>"]`` section per URL, ``.git-credentials`` with the URLs carrying the
  user and password (URLs without a path first);
- ``-ssh-git=<secret>=<host[:port][/repo]>`` (ssh-auth secret): ``.ssh/id_<secret>``,
  ``.ssh/config`` (one ``Host`` per URL, a ``<host>--<repo>`` alias for repository-scoped keys
  plus ``insteadOf`` rules in ``.gitconfig``), ``.ssh/known_hosts``;
- ``-basic-docker=<secret>=<registry>``, ``-docker-config=<secret>``,
  ``-docker-cfg=<secret>``: ``.docker/config.json`` merging all of them.

They are written to ``/tekton/creds``; then, in every step, whatever ``/tekton/creds`` holds is
copied into ``$HOME``. Formats follow Tekton's pkg/credentials exactly.
"""

from __future__ import annotations

import os
import sys

from .flags import FlagError, tekton_root

HOME_CREDENTIALS = (".docker", ".gitconfig", ".git-credentials", ".ssh")
_USERNAME, _PASSWORD, _SSH_KEY = "username", "password", "ssh-privatekey"


def creds_dir() -> str:
    """Where credentials are written (``/tekton/creds``)."""
    return os.path.join(tekton_root(), "creds")


def _read_secret(secret: str, key: str) -> str:
    path = os.path.join(tekton_root(), "creds-secrets", secret, key)
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return f.read()


def _secret_file(secret: str, key: str, *, optional: bool = False) -> str:
    """A key of a mounted secret. Unreadable: FlagError (Go rejects the flag), or "" if optional."""
    try:
        return _read_secret(secret, key)
    except OSError as exc:
        if optional:
            return ""
        raise FlagError(f"open {exc.filename}: {exc.strerror}") from exc


def _pair(value: str) -> tuple[str, str]:
    parts = value.split("=")
    if len(parts) != 2:
        raise FlagError(f"expect entries of the form secret=url, got: {value}")
    return parts[0], parts[1]


def _write(path: str, content: str, mode: str = "w") -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC),
                 0o600)
    with os.fdopen(fd, mode, encoding="utf-8", errors="surrogateescape") as f:
        f.write(content)


def _has_path(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    return path not in ("", "/")


def _with_userinfo(url: str, username: str, password: str) -> str:
    """``url`` with user and password, escaped as Go's url.UserPassword does."""
    from urllib.parse import quote

    safe = "-_.~$&+,;="
    userinfo = f"{quote(username, safe=safe)}:{quote(password, safe=safe)}"
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, tail = rest.partition("/")
    host = authority.rsplit("@", 1)[-1]
    return f"{scheme}://{userinfo}@{host}{slash}{tail}"


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_basic_git(values: list[str], directory: str) -> None:
    """``-basic-git``: .gitconfig and .git-credentials."""
    entries: dict[str, tuple[str, str]] = {}
    for value in values:
        secret, url = _pair(value)
        if url in entries:
            raise FlagError(f"multiple entries for url: {url}")
        entries[url] = (_secret_file(secret, _USERNAME), _secret_file(secret, _PASSWORD))
    if not entries:
        return
    config = ["[credential]\n\thelper = store\n"]
    for url, (user, _) in entries.items():
        escaped = user.replace("\\", "\\\\")
        block = f"[credential {_go_quote(url)}]\n\tusername = {escaped}\n"
        if _has_path(url):
            block += "\tuseHttpPath = true\n"
        config.append(block)
    _write(os.path.join(directory, ".gitconfig"), "".join(config))
    ordered = sorted(entries, key=_has_path)  # stable: URLs without a path first
    lines = [_with_userinfo(u, *entries[u]) for u in ordered]
    _write(os.path.join(directory, ".git-credentials"), "\n".join([*lines, ""]))


def _parse_ssh_url(raw: str) -> tuple[str, str, str]:
    """(host, port, repository path) of ``host[:port][/path]``; port 22 by default."""
    path = ""
    if "/" in raw:
        idx = raw.index("/")
        raw, path = raw[:idx], raw[idx:]
    if raw.startswith("[") and "]:" in raw:
        host, port = raw[1:].split("]:", 1)
        return host, port, path
    if raw.count(":") == 1:
        host, port = raw.split(":")
        return host, port, path
    return raw, "22", path


def write_ssh_git(values: list[str], directory: str) -> None:
    """``-ssh-git``: keys, .ssh/config, known_hosts and insteadOf rules for repo aliases."""
    entries: dict[str, list[tuple[str, str, str]]] = {}
    for value in values:
        secret, url = _pair(value)
        known = _secret_file(secret, "known_hosts", optional=True)
        entries.setdefault(url, []).append((secret, _secret_file(secret, _SSH_KEY), known))
    if not entries:
        return
    ssh_dir = os.path.join(directory, ".ssh")
    os.makedirs(ssh_dir, exist_ok=True)
    config, known_hosts, rules = [], [], []
    for url in sorted(entries, key=lambda u: _parse_ssh_url(u)[2] != ""):
        host, port, repo = _parse_ssh_url(url)
        alias = host
        if repo:
            trimmed = repo[1:] if repo.startswith("/") else repo
            alias = f"{host}--{trimmed.replace('/', '--')}"
            rules.append(
                f'[url "git@{alias}:{trimmed}.git"]\n\tinsteadOf = git@{host}:{trimmed}.git\n'
            )
            at = f"{host}:{port}" if port != "22" else host
            original = f"ssh://{at}/{trimmed}.git"
            rules.append(f'[url "ssh://{alias}/{trimmed}.git"]\n\tinsteadOf = {original}\n')
        block = f"Host {alias}\n    HostName {host}\n    Port {port}\n"
        for secret, key, known in entries[url]:
            key_path = os.path.join(ssh_dir, f"id_{secret}")
            _write(key_path, key)
            block += f"    IdentityFile {key_path}\n"
            if known:
                known_hosts.append(known)
        config.append(block)
    _write(os.path.join(ssh_dir, "config"), "".join(config))
    if known_hosts:
        _write(os.path.join(ssh_dir, "known_hosts"), "\n".join(known_hosts))
    if rules:
        _write(os.path.join(directory, ".gitconfig"), "".join(rules), mode="a")


def _docker_entry(raw: dict[str, object]) -> dict[str, str]:
    # Go's struct keeps these fields, in this order, and drops any other.
    out = {}
    for key in ("username", "password", "auth", "email"):
        value = str(raw.get(key, "") or "")
        if value or key == "auth":
            out[key] = value
    return out


def write_docker(basic: list[str], configs: list[str], cfgs: list[str], directory: str) -> None:
    """``-basic-docker``, ``-docker-config``, ``-docker-cfg``: .docker/config.json."""
    import base64
    import json

    basic_entries: dict[str, dict[str, str]] = {}
    for value in basic:
        secret, url = _pair(value)
        if url in basic_entries:
            raise FlagError(f"multiple entries for url: {url}")
        user, password = _secret_file(secret, _USERNAME), _secret_file(secret, _PASSWORD)
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        basic_entries[url] = _docker_entry(
            {"username": user, "password": password, "auth": token, "email": "not@val.id"}
        )
    auths: dict[str, dict[str, str]] = {}
    # Unlike the others, these two are read when writing: errors are logged, not fatal.
    for secret in cfgs:
        for k, v in json.loads(_read_secret(secret, ".dockercfg")).items():
            auths[k] = _docker_entry(v)
    for secret in configs:
        config = json.loads(_read_secret(secret, ".dockerconfigjson"))
        for k, v in (config.get("auths") or {}).items():
            auths[k] = _docker_entry(v)
    auths.update(basic_entries)
    if not auths:
        return
    docker_dir = os.path.join(directory, ".docker")
    os.makedirs(docker_dir, exist_ok=True)
    body = {"auths": {k: auths[k] for k in sorted(auths)}}
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    for char, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, esc)
    _write(os.path.join(docker_dir, "config.json"), text)


def initialise(
    basic_git: list[str],
    ssh_git: list[str],
    basic_docker: list[str],
    docker_config: list[str],
    docker_cfg: list[str],
) -> None:
    """Write every credential the flags name into :func:`creds_dir`.

    An unreadable secret or a malformed value raises FlagError (Go's flag parser rejects them:
    exit 2); a failure to write is logged and ignored, as in Tekton.
    """
    directory = creds_dir()
    # A Pod always mounts /tekton/creds; create it for node agents that do not.
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        sys.stderr.write(f"Error initializing credentials: {exc}\n")
    writers = (
        lambda: write_basic_git(basic_git, directory),
        lambda: write_ssh_git(ssh_git, directory),
        lambda: write_docker(basic_docker, docker_config, docker_cfg, directory),
    )
    for write in writers:
        try:
            write()
        except (OSError, ValueError) as exc:  # FlagError is neither: it propagates
            sys.stderr.write(f"Error initializing credentials: {exc}\n")


def _copy(src: str, dst: str) -> None:
    if not os.path.lexists(src):
        return
    if os.path.isdir(src):
        os.makedirs(dst, 0o700, exist_ok=True)
        for name in os.listdir(src):
            _copy(os.path.join(src, name), os.path.join(dst, name))
        return
    fd = os.open(dst, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(src, "rb") as s, os.fdopen(fd, "wb") as d:
        d.write(s.read())


def copy_to_home() -> None:
    """Copy ``/tekton/creds/{.docker,.gitconfig,.git-credentials,.ssh}`` into ``$HOME``."""
    source = creds_dir()
    if not os.path.isdir(source):
        return
    home = os.environ.get("HOME", "")
    if not home:
        sys.stderr.write("non-fatal error copying credentials: $HOME is not defined\n")
        return
    for name in HOME_CREDENTIALS:
        try:
            _copy(os.path.join(source, name), os.path.join(home, name))
        except OSError as exc:
            sys.stderr.write(
                f'warning: unsuccessful cred copy: "{name}" from "{source}" to "{home}": {exc}\n'
            )
