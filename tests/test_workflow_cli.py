"""``orderdesk workflows list | show | import``: the default tenant's workflows from a shell."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from orderdesk.cli import app as cli
from orderdesk.config import get_settings
from orderdesk.workflow import DEFAULT_WORKFLOWS, LAB_REQUEST, TENANT_DEFAULT_KEY, parse_workflow
from tests.conftest import _create_pg_database, _drop_pg_database
from tests.test_cli import ainvoke, api, bearer, invoke, sqlite_url

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "workflows"
EXAMPLE_YAML = EXAMPLES / "device-repair.yaml"
EXAMPLE_JSON = EXAMPLES / "home-sleep-test.json"
DEFAULT_KEYS = ["dental-lab", "lab-request", "impilo-device", "rso-record"]
LIST_COLUMNS = ["id", "key", "name", "owner", "default", "version"]

BROKEN = """\
key: broken
name: Broken
states:
  - {id: new, name: New, type: NEW, initial: true}
  - {id: done, name: Done, type: FINISHED}
  - {id: lost, name: Lost, type: CLOSED}
transitions:
  - {from: new, to: done, roles: [supplier]}
  - {from: new, to: shiped, roles: [clerk]}
"""


@pytest.fixture
def db(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "workflows.db")


def listed(url: str) -> dict[str, dict[str, str]]:
    """``workflows list`` as rows by key, read by the header's column positions."""
    result = invoke(url, "workflows", "list")
    assert result.exit_code == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    starts = [header.index(column) for column in LIST_COLUMNS]
    ends = [*starts[1:], None]
    rows = [
        {c: line[s:e].strip() for c, s, e in zip(LIST_COLUMNS, starts, ends, strict=True)}
        for line in lines
    ]
    return {row["key"]: row for row in rows}


async def alisted(url: str) -> dict[str, dict[str, str]]:
    """``listed`` from an async test: the test's loop keeps running meanwhile."""
    return await asyncio.to_thread(listed, url)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# --- list ---------------------------------------------------------------------------


def test_list_shows_the_four_default_workflows_of_a_new_tenant(db):
    rows = listed(db)
    assert list(rows) == DEFAULT_KEYS
    for workflow in DEFAULT_WORKFLOWS:
        row = rows[workflow.key]
        assert row["name"] == workflow.name
        assert (row["owner"], row["version"]) == ("tenant", "1")
        assert row["default"] == ("yes" if workflow.key == TENANT_DEFAULT_KEY else "-")


def test_list_json_is_one_list_of_the_workflows(db):
    result = invoke(db, "workflows", "list", "--json")
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert [w["key"] for w in printed] == DEFAULT_KEYS
    assert {w["account_id"] for w in printed} == {None}


# --- import -------------------------------------------------------------------------


async def test_importing_the_example_yaml_creates_it_then_saves_version_2(db):
    first = await ainvoke(db, "workflows", "import", str(EXAMPLE_YAML))
    assert first.exit_code == 0, first.stderr
    assert "Created workflow 'device-repair'" in first.stdout
    assert "version 1" in first.stdout
    assert (await alisted(db))["device-repair"]["version"] == "1"

    second = await ainvoke(db, "workflows", "import", str(EXAMPLE_YAML))
    assert second.exit_code == 0, second.stderr
    assert "Saved workflow 'device-repair'" in second.stdout
    assert "as version 2" in second.stdout
    row = (await alisted(db))["device-repair"]
    assert (row["version"], row["owner"], row["default"]) == ("2", "tenant", "-")

    admin = (await ainvoke(db, "keys", "create", "--role", "admin")).stdout.strip()
    async with api(db) as client:
        r = await client.get("/v1/workflows?key=device-repair", headers=bearer(admin))
        (workflow,) = r.json()["items"]
        r = await client.get(f"/v1/workflows/{workflow['id']}/versions", headers=bearer(admin))
    assert [v["number"] for v in r.json()] == [1, 2]
    expected = parse_workflow(yaml.safe_load(EXAMPLE_YAML.read_text()))
    assert all(parse_workflow(v["definition"]) == expected for v in r.json())


async def test_importing_for_a_supplier_as_its_default(db):
    admin = (await ainvoke(db, "keys", "create", "--role", "admin")).stdout.strip()
    async with api(db) as client:
        r = await client.post(
            "/v1/accounts",
            json={"kind": "supplier", "name": "Sleep Lab"},
            headers=bearer(admin),
        )
    supplier = r.json()["id"]
    result = await ainvoke(
        db, "workflows", "import", str(EXAMPLE_JSON), "--account", str(supplier), "--default"
    )
    assert result.exit_code == 0, result.stderr
    assert f"It is the default of account {supplier}." in result.stdout
    rows = await alisted(db)
    assert rows["home-sleep-test"]["owner"] == f"account {supplier}"
    assert rows["home-sleep-test"]["default"] == "yes"
    assert rows[TENANT_DEFAULT_KEY]["default"] == "yes"  # a supplier's default is its own


def test_importing_an_existing_key_for_another_owner_is_refused(db):
    assert invoke(db, "workflows", "import", str(EXAMPLE_YAML)).exit_code == 0
    result = invoke(db, "workflows", "import", str(EXAMPLE_YAML), "--account", "1")
    assert result.exit_code == 1
    assert "--account: must be omitted" in result.stderr
    assert listed(db)["device-repair"]["version"] == "1"


def test_an_invalid_document_prints_each_problem_at_its_pointer_and_saves_nothing(db, tmp_path):
    result = invoke(db, "workflows", "import", write(tmp_path, "broken.yaml", BROKEN))
    assert result.exit_code == 1
    assert result.stdout == ""
    problems = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert [p.split(":")[0] for p in problems] == [
        "/states/1/type",
        "/states/2/outcome",
        "/transitions/1/to",
        "/transitions/1/roles/0",
    ]
    assert "unknown state id 'shiped'" in problems[2]
    assert "broken.yaml" in result.stderr.splitlines()[0]
    assert "broken" not in listed(db)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.yaml", "key: a\nstates: [\n", "not valid YAML: line 3"),
        ("bad.json", '{"key": "a",}', "not valid JSON: line 1"),
        ("twice.yaml", "key: a\nkey: b\n", "key 'key' appears twice"),
        ("empty.yml", "", "the file is empty"),
        ("list.json", "[]", "(the whole document): a workflow definition must be an object"),
    ],
)
def test_an_unreadable_document_is_an_error(db, tmp_path, name, text, message):
    result = invoke(db, "workflows", "import", write(tmp_path, name, text))
    assert result.exit_code == 1
    assert message in result.stderr


def test_a_document_without_a_known_extension_is_read_by_its_content(db, tmp_path):
    as_json = json.dumps(yaml.safe_load(EXAMPLE_YAML.read_text()))
    result = invoke(db, "workflows", "import", write(tmp_path, "repair.txt", as_json))
    assert result.exit_code == 0, result.stderr
    as_yaml = EXAMPLE_JSON.read_text().replace('"home-sleep-test"', '"sleep-test-2"', 1)
    as_yaml = yaml.safe_dump(json.loads(as_yaml))
    result = invoke(db, "workflows", "import", write(tmp_path, "sleep", as_yaml))
    assert result.exit_code == 0, result.stderr
    assert {"device-repair", "sleep-test-2"} <= set(listed(db))


def test_a_document_on_standard_input_is_read_by_its_content(db):
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli,
            ["workflows", "import", "-"],
            input=EXAMPLE_YAML.read_text(),
            env={"ORDERDESK_DATABASE_URL": db, "ORDERDESK_ADMIN_KEY": None},
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.stderr
    assert "from stdin" in result.stdout
    assert listed(db)["device-repair"]["version"] == "1"


def test_a_missing_file_is_an_error(db, tmp_path):
    result = invoke(db, "workflows", "import", str(tmp_path / "nowhere.yaml"))
    assert result.exit_code == 1
    assert "cannot read it" in result.stderr


# --- show ---------------------------------------------------------------------------


def test_show_prints_the_states_and_transitions_as_tables(db):
    result = invoke(db, "workflows", "show", "lab-request")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("workflow  lab-request (id 2): Laboratory request")
    assert "the tenant's default" not in lines[1]
    states = lines[lines.index("states (6)") + 2 :][:6]
    assert [s.split()[:3] for s in states] == [
        [s.id, s.name, s.type.value] for s in LAB_REQUEST.states
    ]
    assert states[0].split()[3] == "yes"  # initial
    moves = lines[lines.index("transitions (8), and the roles that may take them") + 2 :]
    assert [m.split()[:3] for m in moves] == [
        [t.from_state, t.to_state, ",".join(sorted(t.roles))] for t in LAB_REQUEST.transitions
    ]
    assert moves[2].split()[3] == "required"  # New -> Rejected needs a reason


def test_show_names_the_state_beside_an_id_that_does_not_say_it(db):
    result = invoke(db, "workflows", "show", "dental-lab")
    assert result.exit_code == 0, result.stderr
    rows = [re.split(r"\s{2,}", line) for line in result.stdout.splitlines()]
    assert ["node_1669006551608 (In production)", "node_1669006551715 (Cancelled)", "admin"] in [
        row[:3] for row in rows
    ]


@pytest.mark.parametrize(("option", "load"), [("--json", json.loads), ("--yaml", yaml.safe_load)])
def test_show_json_and_yaml_print_the_definition_ready_to_import(db, option, load):
    result = invoke(db, "workflows", "show", "lab-request", option)
    assert result.exit_code == 0, result.stderr
    assert parse_workflow(load(result.stdout)) == LAB_REQUEST


def test_show_finds_a_workflow_by_id_and_an_older_version(db, tmp_path):
    assert invoke(db, "workflows", "import", str(EXAMPLE_YAML)).exit_code == 0
    renamed = EXAMPLE_YAML.read_text().replace("name: Device repair", "name: Repair service")
    assert invoke(db, "workflows", "import", write(tmp_path, "v2.yaml", renamed)).exit_code == 0
    ident = listed(db)["device-repair"]["id"]
    current = invoke(db, "workflows", "show", ident)
    assert "Repair service" in current.stdout.splitlines()[0]
    assert "version   2 of 2" in current.stdout
    old = invoke(db, "workflows", "show", "device-repair", "--version", "1", "--yaml")
    assert yaml.safe_load(old.stdout)["name"] == "Device repair"
    missing = invoke(db, "workflows", "show", "device-repair", "--version", "3")
    assert missing.exit_code == 1
    assert "no version 3" in missing.stderr


def test_show_of_an_unknown_workflow_is_an_error(db):
    result = invoke(db, "workflows", "show", "no-such-workflow")
    assert result.exit_code == 1
    assert "no workflow with key or id 'no-such-workflow'" in result.stderr


def test_what_show_prints_can_be_edited_and_imported_as_the_next_version(db, tmp_path):
    shown = invoke(db, "workflows", "show", "rso-record", "--yaml").stdout
    edited = shown.replace("name: Record order", "name: Record order (2027)")
    result = invoke(db, "workflows", "import", write(tmp_path, "rso.yaml", edited))
    assert result.exit_code == 0, result.stderr
    assert "as version 2" in result.stdout
    assert listed(db)["rso-record"]["name"] == "Record order (2027)"


# --- PostgreSQL ---------------------------------------------------------------------


@pytest.mark.postgres
async def test_import_and_list_on_postgresql():
    url = await _create_pg_database()
    try:
        assert (await ainvoke(url, "migrate")).exit_code == 0
        for expected in ("Created", "Saved"):
            result = await ainvoke(url, "workflows", "import", str(EXAMPLE_YAML), "--default")
            assert result.exit_code == 0, result.stderr
            assert result.stdout.startswith(expected)
        rows = await alisted(url)
        assert rows["device-repair"]["version"] == "2"
        assert [k for k, row in rows.items() if row["default"] == "yes"] == ["device-repair"]
    finally:
        await _drop_pg_database(url)
