"""How orderdesk is installed and shipped: the lock files, `make install`, the image, compose.

No container engine runs where these tests run, so the image is checked by reading its
files: the Dockerfile must install the way `make install` does (which CI runs), from
the same lock, and compose.yaml must wire the services the way the settings expect.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
import typer.main

from orderdesk.api.routes.health import router as health_router
from orderdesk.cli import app as cli
from orderdesk.config import Settings

ROOT = Path(__file__).resolve().parent.parent
VENV_STAMP = ".venv/bin/orderdesk"  # the Makefile's $(BIN)/orderdesk, which `install` makes
SERVE = ["orderdesk", "serve", "--host", "0.0.0.0", "--port", "8000"]


# --- pyproject.toml ---------------------------------------------------------------------


def canonical(name: str) -> str:
    """A distribution's name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, f"not a requirement: {requirement!r}"
    return canonical(match.group(1))


@cache
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def runtime_requirements() -> set[str]:
    return {requirement_name(r) for r in pyproject()["project"]["dependencies"]}


def dev_requirements() -> set[str]:
    return {requirement_name(r) for r in pyproject()["project"]["optional-dependencies"]["dev"]}


# --- Makefile ---------------------------------------------------------------------------


def logical_lines(text: str) -> list[str]:
    """The lines of a Makefile or a Dockerfile, each with its continuations joined."""
    return re.sub(r"\\\n[ \t]*", " ", text).splitlines()


@cache
def makefile_text() -> str:
    return (ROOT / "Makefile").read_text()


@cache
def make_variables() -> dict[str, str]:
    variables = {}
    for line in logical_lines(makefile_text()):
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?:\?=|:=|=)\s*(.*)$", line)
        if match:
            variables[match.group(1)] = match.group(2).strip()
    return variables


def make_expand(text: str) -> str:
    """``text`` with the Makefile's ``$(NAME)`` references replaced, as make would."""
    variables = make_variables()
    for _ in range(10):
        expanded = re.sub(r"\$\((\w+)\)", lambda m: variables.get(m.group(1), ""), text)
        if expanded == text:
            break
        text = expanded
    return text


@dataclass
class Rule:
    prerequisites: list[str]
    recipe: list[str] = field(default_factory=list)
    help: str | None = None


def make_rule(target: str) -> Rule:
    """The rule that makes ``target`` (expanded), with its recipe's commands."""
    rule = None
    for line in logical_lines(makefile_text()):
        if line.startswith("\t"):
            if rule is not None:
                rule.recipe.append(make_expand(line.strip()))
            continue
        if rule is not None:
            return rule
        match = re.match(r"^([^\s:=#][^:=]*):(?!=)(.*)$", line)
        if match and make_expand(match.group(1)).strip() == target:
            prerequisites, _, description = match.group(2).partition("## ")
            rule = Rule(make_expand(prerequisites).split(), help=description.strip() or None)
    assert rule is not None, f"the Makefile has no rule for {target}"
    return rule


def make_install_commands() -> list[list[str]]:
    """What `make install` runs to fill the environment (echo-less checks and stamps aside)."""
    return [shlex.split(line) for line in make_rule(VENV_STAMP).recipe if not line.startswith("@")]


# --- Dockerfile -------------------------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, instruction: str) -> list[str]:
        return [args for name, args in self.instructions if name == instruction]


def docker_substitute(text: str, args: dict[str, str]) -> str:
    return re.sub(
        r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), m.group(0)), text
    )


@cache
def dockerfile() -> list[Stage]:
    """The Dockerfile's stages, with ``ARG`` defaults substituted."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    stage_args: dict[str, str] = {}
    for line in logical_lines("\n".join(lines)):
        if not line.strip():
            continue
        instruction, _, rest = line.strip().partition(" ")
        instruction = instruction.upper()
        rest = rest.strip()
        if instruction == "ARG":
            name, _, default = rest.partition("=")
            (stage_args if stages else global_args)[name] = docker_substitute(
                default, {**global_args, **stage_args}
            )
            continue
        if instruction == "FROM":
            words = docker_substitute(rest, global_args).split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
            stage_args = {}
            continue
        assert stages, f"{instruction} before the first FROM"
        stages[-1].instructions.append(
            (instruction, docker_substitute(rest, {**global_args, **stage_args}))
        )
    return stages


def final_stage() -> Stage:
    return dockerfile()[-1]


def exec_form(args: str) -> list[str]:
    """An instruction's JSON (exec) form as a list, failing on the shell form."""
    assert args.startswith("["), f"not the exec form: {args}"
    value = json.loads(args)
    assert isinstance(value, list)
    return value


def docker_install_stage() -> Stage:
    """The stage that installs the locked dependencies (the one that runs pip)."""
    for stage in dockerfile():
        if any("pip install" in run for run in stage.all("RUN")):
            return stage
    raise AssertionError("no stage of the Dockerfile runs pip install")


def docker_install_commands() -> list[list[str]]:
    commands = []
    for run in docker_install_stage().all("RUN"):
        commands += [shlex.split(part) for part in run.split("&&")]
    return commands


# --- compose.yaml -----------------------------------------------------------------------


@cache
def compose() -> dict:
    yaml = pytest.importorskip("yaml")
    document = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(document, dict)
    return document


def service(name: str) -> dict:
    services = compose()["services"]
    assert name in services, f"compose.yaml has no {name} service"
    return services[name]


def environment(svc: dict) -> dict[str, str | None]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def command_line(svc: dict) -> str:
    """What the service's container runs, entrypoint and command, as one line."""
    entrypoint = svc.get("entrypoint")
    command = svc.get("command")
    if entrypoint is None:
        entrypoint = exec_form(final_stage().all("ENTRYPOINT")[-1])
        if command is None:
            command = exec_form(final_stage().all("CMD")[-1])
    parts = [entrypoint, command or []]
    return " ".join(" ".join(p) if isinstance(p, list) else p for p in parts)


# --- the lock files ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pin:
    version: str
    hashes: frozenset[str]


def read_lock(path: Path) -> dict[str, Pin]:
    """A hashed requirements file: every entry must be ``name==version`` with hashes."""
    pins: dict[str, Pin] = {}
    text = re.sub(r"#.*", "", path.read_text())
    for entry in logical_lines(text):
        entry = entry.strip()
        if not entry:
            continue
        assert not entry.startswith("-"), f"{path.name}: an option, not a pin: {entry}"
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:\s+--hash=\S+)+)", entry)
        assert match, f"{path.name}: not an exact pin with hashes: {entry}"
        hashes = frozenset(match.group(3).split())
        assert all(re.fullmatch(r"--hash=sha256:[0-9a-f]{64}", h) for h in hashes), entry
        name = canonical(match.group(1))
        assert name not in pins, f"{path.name}: {name} is pinned twice"
        pins[name] = Pin(match.group(2), hashes)
    assert pins, f"{path.name} pins nothing"
    return pins


def runtime_lock_path() -> Path:
    return ROOT / make_variables()["RUNTIME_LOCK"]


def dev_lock_path() -> Path:
    return ROOT / make_variables()["LOCK"]


@pytest.mark.parametrize("variable", ["RUNTIME_LOCK", "LOCK"])
def test_the_lock_pins_every_package_exactly_with_its_hashes(variable: str) -> None:
    path = ROOT / make_variables()[variable]
    pins = read_lock(path)
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", pin.version) for pin in pins.values())
    header = path.read_text()
    assert "Python 3.11" in header, "the lock is made for the Python the project runs on"
    # A lock made here must install anywhere: no index or wheel directory of this machine.
    assert not re.search(r"^\s*--(extra-)?index-url|^\s*--find-links", header, re.M)


def test_every_dependency_in_pyproject_is_locked() -> None:
    runtime = read_lock(runtime_lock_path())
    dev = read_lock(dev_lock_path())
    assert runtime_requirements() - runtime.keys() == set()
    assert (runtime_requirements() | dev_requirements()) - dev.keys() == set()
    # The image's lock holds no dev tool.
    assert dev_requirements() & runtime.keys() == set()


def test_the_dev_lock_holds_the_runtime_lock_unchanged() -> None:
    """The image (runtime lock) and CI (dev lock) run the same versions with the same hashes."""
    runtime = read_lock(runtime_lock_path())
    dev = read_lock(dev_lock_path())
    assert {name: dev.get(name) for name in runtime} == runtime


# --- make install, make lock -------------------------------------------------------------


def test_make_install_installs_from_the_lock_then_the_project_alone() -> None:
    variables = make_variables()
    assert VENV_STAMP in make_rule("install").prerequisites
    rule = make_rule(VENV_STAMP)
    # A change to the lock (or to pyproject.toml) rebuilds the environment.
    assert variables["LOCK"] in rule.prerequisites
    assert "pyproject.toml" in rule.prerequisites
    pips = [c for c in make_install_commands() if c[:2] == [".venv/bin/pip", "install"]]
    from_lock = [c for c in pips if "-r" in c]
    assert len(from_lock) == 1
    assert "--require-hashes" in from_lock[0]
    assert from_lock[0][from_lock[0].index("-r") + 1] == variables["LOCK"]
    # The project itself comes last, without resolving its dependencies again.
    assert "--no-deps" in pips[-1]
    assert pips[-1][-2:] == ["-e", "."]
    # Nothing else is installed unpinned (pip itself is pinned too).
    for command in pips:
        for arg in command[2:]:
            if not arg.startswith("-") and arg not in (".", variables["LOCK"]):
                assert "==" in arg, f"`make install` installs {arg} unpinned"


def test_make_lock_refreshes_both_lock_files_with_hashes() -> None:
    variables = make_variables()
    rule = make_rule("lock")
    assert rule.help, "`make lock` is listed by `make help`"
    assert "lock" in re.search(r"^\.PHONY:(.*)$", makefile_text(), re.M).group(1).split()
    commands = [shlex.split(line) for line in rule.recipe]
    outputs = {}
    for command in commands:
        assert any(word.endswith("pip-compile") for word in command)
        assert "--generate-hashes" in command
        output = next(w.split("=", 1)[1] for w in command if w.startswith("--output-file="))
        outputs[output] = command
    assert set(outputs) == {variables["RUNTIME_LOCK"], variables["LOCK"]}
    assert "--extra=dev" in outputs[variables["LOCK"]]
    assert "--extra=dev" not in outputs[variables["RUNTIME_LOCK"]]
    # The dev lock is resolved within the runtime's pins, so both hold the same versions.
    assert f"--constraint={variables['RUNTIME_LOCK']}" in outputs[variables["LOCK"]]
    # The runtime lock is written before the dev lock reads it.
    assert list(outputs) == [variables["RUNTIME_LOCK"], variables["LOCK"]]


def test_ci_installs_through_make_install() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^\s*within_budget make install\s*$", ci, re.M)


# --- the image ---------------------------------------------------------------------------


def test_the_image_installs_exactly_as_make_install_does() -> None:
    """The same commands in the same order; the image takes the runtime lock, CI the dev one."""
    variables = make_variables()
    expected = [
        [variables["RUNTIME_LOCK"] if word == variables["LOCK"] else word for word in command]
        for command in make_install_commands()
    ]
    assert docker_install_commands() == expected
    # The lock it installs from is the one in the repository, copied in before the install.
    copies = [shlex.split(c) for c in docker_install_stage().all("COPY")]
    assert any(variables["RUNTIME_LOCK"] in c[:-1] for c in copies)


def test_the_image_is_built_on_slim_python_311() -> None:
    for stage in dockerfile():
        assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?(@sha256:[0-9a-f]{64})?", stage.base)


def test_the_final_stage_runs_the_installed_environment() -> None:
    build = docker_install_stage()
    final = final_stage()
    assert build is not final, "the image does not carry the build stage"
    workdir = build.all("WORKDIR")[-1]
    copies = [shlex.split(c) for c in final.all("COPY")]
    assert any(f"--from={build.name}" in c and c[-2] == workdir for c in copies)
    path = next(e for e in final.all("ENV") if "PATH=" in e)
    assert f"{workdir}/.venv/bin" in re.search(r"PATH=(\S+)", path).group(1).split(":")


def test_the_image_runs_as_a_user_other_than_root() -> None:
    users = final_stage().all("USER")
    assert users, "the image runs as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    # Nothing runs as root after the switch would undo it; and the switch precedes the start.
    names = [name for name, _ in final_stage().instructions]
    assert names.index("USER") < names.index("ENTRYPOINT")


def test_the_image_serves_orderdesk() -> None:
    final = final_stage()
    started = exec_form(final.all("ENTRYPOINT")[-1]) + exec_form(final.all("CMD")[-1])
    assert started == SERVE
    commands = typer.main.get_command(cli).commands  # type: ignore[attr-defined]
    assert {"serve", "migrate", "worker"} <= set(commands)
    assert "8000" in final.all("EXPOSE")[-1].split()


def test_the_image_has_a_health_check_on_healthz() -> None:
    checks = final_stage().all("HEALTHCHECK")
    assert len(checks) == 1
    options, _, command = checks[0].partition("CMD ")
    probe = " ".join(exec_form(command.strip()))
    assert exec_form(command.strip())[0] == "python", "slim has no curl or wget"
    url = re.search(r"http://[^'\" ]+", probe).group(0)
    assert url == f"http://127.0.0.1:{SERVE[-1]}/healthz"
    assert "/healthz" in {route.path for route in health_router.routes}  # type: ignore[attr-defined]
    assert "--timeout=" in options


def test_the_image_settings_are_orderdesk_settings() -> None:
    for env in final_stage().all("ENV"):
        for name in re.findall(r"\bORDERDESK_(\w+)=", env):
            assert name.lower() in Settings.model_fields, f"ORDERDESK_{name} is no setting"


def test_dockerignore_keeps_local_state_out_but_what_the_image_copies_in() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        return any(
            fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path, p.removeprefix("**/"))
            for p in patterns
        )

    for local in (".venv", ".git", "orderdesk.db", "bench/results.json", ".pytest_cache"):
        assert ignored(local), f".dockerignore lets {local} into the build"
    for stage in dockerfile():
        for copy in stage.all("COPY"):
            words = [w for w in shlex.split(copy) if not w.startswith("--")]
            if any(w.startswith("--from") for w in shlex.split(copy)):
                continue
            for source in words[:-1]:
                assert not ignored(source.rstrip("/")), f"the image copies {source}, ignored"
                assert (ROOT / source).exists(), f"the image copies {source}, which is missing"


# --- compose.yaml ------------------------------------------------------------------------


def test_compose_runs_postgres_redis_the_server_and_the_worker() -> None:
    assert {"postgres", "redis", "server", "worker"} <= set(compose()["services"])
    postgres = service("postgres")
    assert postgres["image"].split(":")[0] == "postgres"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert service("redis")["image"].split(":")[0] == "redis"
    for name in ("server", "worker"):
        build = service(name)["build"]
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile_name = "Dockerfile" if isinstance(build, str) else build.get("dockerfile")
        assert (ROOT / context / (dockerfile_name or "Dockerfile")).resolve() == (
            ROOT / "Dockerfile"
        )


def test_compose_server_migrates_then_serves_once_postgres_is_healthy() -> None:
    server = service("server")
    assert server["depends_on"]["postgres"]["condition"] == "service_healthy"
    line = command_line(server)
    assert re.search(r"orderdesk migrate && exec orderdesk serve --host 0\.0\.0\.0 ", line), line
    assert any(str(port).endswith(":8000") for port in server["ports"])


def test_compose_worker_delivers_webhooks_after_the_schema_is_there() -> None:
    worker = service("worker")
    assert command_line(worker).split() == ["orderdesk", "worker"]
    assert worker["depends_on"]["server"]["condition"] == "service_healthy"
    # The image's check asks the HTTP server, which the worker does not run.
    assert worker["healthcheck"] == {"disable": True}


def test_compose_wires_every_process_to_the_same_postgres_and_redis() -> None:
    server = environment(service("server"))
    worker = environment(service("worker"))
    for env in (server, worker):
        for name in env:
            assert name.startswith("ORDERDESK_")
            assert name.removeprefix("ORDERDESK_").lower() in Settings.model_fields, name
    url = server["ORDERDESK_DATABASE_URL"]
    assert url == worker["ORDERDESK_DATABASE_URL"]
    assert re.match(r"postgres(ql)?://[^@]+@postgres(:5432)?/", url)
    Settings(database_url=url)  # a URL the settings take
    postgres = environment(service("postgres"))
    user, password = re.match(r"postgres(?:ql)?://([^:]+):([^@]+)@", url).groups()
    assert (user, password) == (postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"])
    assert url.rsplit("/", 1)[1] == postgres["POSTGRES_DB"]
    redis_url = server["ORDERDESK_REDIS_URL"]
    assert redis_url == worker["ORDERDESK_REDIS_URL"]
    assert re.match(r"redis://redis(:6379)?(/\d+)?$", redis_url)
    assert "redis" in service("server")["depends_on"]


# --- the licence -------------------------------------------------------------------------


def test_the_license_is_the_apache_license_2_0_as_pyproject_says() -> None:
    assert pyproject()["project"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert text.split()[:5] == ["Apache", "License", "Version", "2.0,", "January"]
    sections = [
        "1. Definitions.",
        "2. Grant of Copyright License.",
        "3. Grant of Patent License.",
        "4. Redistribution.",
        "5. Submission of Contributions.",
        "6. Trademarks.",
        "7. Disclaimer of Warranty.",
        "8. Limitation of Liability.",
        "9. Accepting Warranty or Additional Liability.",
        "END OF TERMS AND CONDITIONS",
        "APPENDIX: How to apply the Apache License to your work.",
    ]
    positions = [text.find(section) for section in sections]
    assert -1 not in positions, "the licence is not the whole text"
    assert positions == sorted(positions)
    assert len(text.split()) > 1500
