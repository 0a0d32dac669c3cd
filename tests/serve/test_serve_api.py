"""The workspace's API through the ASGI test client: who may call what, CSRF, conflicts, the audit log, bad input."""

from __future__ import annotations

import io
from datetime import date

import pytest
from serve_units import UNIT_A, UNIT_B

YEAR = date.today().year
PA = f"P{YEAR}-001"  # unit A (unit1), late
PB = f"P{YEAR}-003"  # unit B (unit2)


def _project(client, pid):
    return next(p for p in client.get("/api/projects").json() if p["project_id"] == pid)


def _audit_count(workspace) -> int:
    with workspace.reading() as store:
        return store.con.execute("SELECT count(*) FROM audit_log WHERE object_kind = 'project'").fetchone()[0]


def test_anonymous_sees_the_login_page_and_no_data(app_of):
    anon = app_of(None)
    res = anon.client.get("/", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/login"
    page = anon.client.get("/login")
    assert page.status_code == 200 and 'id="login-form"' in page.text
    assert "HttpOnly" in page.headers["set-cookie"] and "SameSite=strict" in page.headers["set-cookie"]
    for url in ("/api/projects", "/api/overview", "/api/runs", "/api/users", "/api/scenarios"):
        assert anon.get(url).status_code == 401, url
    assert anon.client.patch(f"/api/projects/{PA}", json={"version": 1, "changes": {}}).status_code == 401


def test_session_cookie_is_signed_httponly_samesite(app_of, demo):
    viewer = app_of("viewer")
    cookie = next(c for c in viewer.client.cookies.jar if c.name == "lifecircle_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    # a forged cookie (signature broken) is no session
    viewer.client.cookies.set("lifecircle_session", cookie.value[:-3] + "abc", domain=cookie.domain)
    assert viewer.get("/api/me").status_code == 401


def test_wrong_password_is_refused_and_login_is_throttled(app_of, demo):
    anon = app_of(None)
    page = anon.client.get("/login")
    token = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    statuses = [anon.client.post("/api/login", json={"user_name": "admin", "password": "wrong password!"},
                                 headers={"X-CSRF-Token": token}).status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    # even the right password waits now
    res = anon.client.post("/api/login", json={"user_name": "admin", "password": demo.accounts["admin"]},
                           headers={"X-CSRF-Token": token})
    assert res.status_code == 429 and "Retry-After" in res.headers


def test_login_without_the_form_token_is_refused(app_of, demo):
    anon = app_of(None)
    anon.client.get("/login")
    res = anon.client.post("/api/login", json={"user_name": "admin", "password": demo.accounts["admin"]})
    assert res.status_code == 403


def test_every_read_endpoint_answers_each_role(app_of):
    for role in ("admin", "unit1", "viewer"):
        c = app_of(role)
        for url in ("/api/me", "/api/projects", "/api/overview", "/api/runs", "/api/units", "/api/scenarios",
                    f"/api/projects/{PA}/history", "/api/projects/export.xlsx"):
            assert c.get(url).status_code == 200, (role, url)
        assert c.get("/api/users").status_code == (200 if role == "admin" else 403)
        assert c.get("/api/audit").status_code == (200 if role == "admin" else 403)


def test_editor_edits_own_unit_only_viewer_never(app_of, workspace):
    editor = app_of("unit1")
    p = _project(editor.client, PA)
    assert p["responsible_unit"] == UNIT_A and p["editable"] is True
    res = editor.write("PATCH", f"/api/projects/{PA}", json={"version": p["version"],
                                                             "changes": {"status": "completed",
                                                                         "actual_completion": f"{YEAR}-01-15"}})
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "completed" and res.json()["version"] == p["version"] + 1
    other = _project(editor.client, PB)
    assert other["responsible_unit"] == UNIT_B and other["editable"] is False
    res = editor.write("PATCH", f"/api/projects/{PB}", json={"version": other["version"],
                                                             "changes": {"status": "cancelled"}})
    assert res.status_code == 403 and UNIT_B in res.json()["error"]
    viewer = app_of("viewer")
    res = viewer.write("PATCH", f"/api/projects/{PA}", json={"version": 2, "changes": {"note": "x"}})
    assert res.status_code == 403
    assert viewer.write("POST", "/api/scenarios", json={"name": "x", "run": "run", "plan": {}}).status_code == 403
    assert viewer.write("PUT", "/api/targets", json={"profile": "cn-health-check", "indicator": "health_15min",
                                                      "area": "ALL", "period": str(YEAR + 1), "value": 0.9}
                        ).status_code == 403
    # the viewer sees the editor's change
    assert _project(viewer.client, PA)["status"] == "completed"
    assert _audit_count(workspace) == 1


def test_request_without_csrf_token_is_refused_and_changes_nothing(app_of):
    editor = app_of("unit1")
    p = _project(editor.client, PA)
    res = editor.client.patch(f"/api/projects/{PA}", json={"version": p["version"], "changes": {"note": "forged"}})
    assert res.status_code == 403 and "CSRF" in res.json()["error"]
    res = editor.client.patch(f"/api/projects/{PA}", json={"version": p["version"], "changes": {"note": "forged"}},
                              headers={"X-CSRF-Token": "not-the-token"})
    assert res.status_code == 403
    assert _project(editor.client, PA)["note"] in (None, "")
    assert editor.client.post("/api/logout").status_code == 403


def test_stale_edit_is_a_conflict_never_a_silent_overwrite(app_of, workspace):
    a, b = app_of("unit1"), app_of("admin")
    seen = _project(a.client, PA)["version"]
    first = b.write("PATCH", f"/api/projects/{PA}", json={"version": seen, "changes": {"note": "admin's note"}})
    assert first.status_code == 200
    second = a.write("PATCH", f"/api/projects/{PA}", json={"version": seen, "changes": {"note": "editor's note"}})
    assert second.status_code == 409
    body = second.json()
    assert "changed by someone else" in body["error"] and body["current"]["note"] == "admin's note"
    assert _project(a.client, PA)["note"] == "admin's note"
    audit = b.get("/api/audit", params={"object_kind": "project", "object_id": PA}).json()
    assert [r["after"]["note"] for r in audit] == ["admin's note"]
    assert audit[0]["before"]["note"] in (None, "") and audit[0]["user_name"] == "admin"


def test_bad_edit_values_are_refused_with_a_message(app_of):
    editor = app_of("unit1")
    p = _project(editor.client, PA)
    cases = [
        ({"status": "done?"}, "not a project status"),
        ({"planned_completion": "31/31/2025"}, "planned_completion"),
        ({"status": "completed"}, "actual_completion"),
        ({"responsible_unit": UNIT_B}, "cannot be edited"),
        ({"lon": 150.0, "lat": 10.0}, "outside the study area"),
    ]
    for changes, message in cases:
        res = editor.write("PATCH", f"/api/projects/{PA}", json={"version": p["version"], "changes": changes})
        assert res.status_code == 400, (changes, res.text)
        assert message in res.json()["error"], (changes, res.json())
    assert _project(editor.client, PA)["version"] == p["version"]


def test_script_in_a_project_name_is_stored_as_text(app_of):
    editor = app_of("unit1")
    p = _project(editor.client, PA)
    name = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    res = editor.write("PATCH", f"/api/projects/{PA}", json={"version": p["version"], "changes": {"name": name}})
    assert res.status_code == 200
    listed = editor.get("/api/projects")
    assert listed.headers["content-type"].startswith("application/json")
    assert _project(editor.client, PA)["name"] == name
    # the pages carry a policy that runs only the server's own scripts (no inline script can execute)
    page = editor.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text.replace('<script src="/static/', "")


def _ledger_csv(rows: list[list[str]]) -> bytes:
    header = ("project_id,name,category,lon,lat,coords,address,capacity,responsible_unit,planned_start,"
              "planned_completion,actual_completion,status,cost_10k_cny,note")
    return ("\n".join([header, *(",".join(r) for r in rows)]) + "\n").encode("utf-8")


def _row(pid: str, unit: str, status: str = "planned") -> list[str]:
    return [pid, "new kindergarten", "kindergarten", "", "", "", "Some street 1", "", unit, "", f"{YEAR + 1}-06-30",
            "", status, "", ""]


def test_import_bad_files_refused_nothing_written(app_of):
    admin = app_of("admin")
    n0 = len(admin.get("/api/projects").json())
    audit0 = len(admin.get("/api/audit").json())

    def post(name: str, data: bytes):
        return admin.write("POST", "/api/projects/import", params={"file_name": name}, content=data)

    res = post("../../etc/passwd", b"x")
    assert res.status_code == 400 and "not a valid file name" in res.json()["error"]
    res = post("list.pdf", b"%PDF-1.4")
    assert res.status_code == 400 and "not a CSV or XLSX" in res.json()["error"]
    res = post("list.xlsx", b"project_id,name\n")
    assert res.status_code == 400 and "not an XLSX" in res.json()["error"]
    res = post("list.csv", b"\x00\x01binary" * 10)
    assert res.status_code == 400
    res = post("list.csv", b"a" * (5 * 1024 * 1024 + 1))
    assert res.status_code == 413
    res = post("list.csv", _ledger_csv([_row("N1", UNIT_A), _row("N2", UNIT_A, status="done?")]))
    assert res.status_code == 400 and "not a project status" in res.json()["error"]
    assert len(admin.get("/api/projects").json()) == n0
    assert len(admin.get("/api/audit").json()) == audit0


def test_import_is_audited_and_editor_imports_only_its_unit(app_of):
    editor = app_of("unit1")
    res = editor.write("POST", "/api/projects/import", params={"file_name": "mixed.csv"},
                       content=_ledger_csv([_row("N1", UNIT_A), _row("N2", UNIT_B)]))
    assert res.status_code == 403
    res = editor.write("POST", "/api/projects/import", params={"file_name": "mine.csv"},
                       content=_ledger_csv([_row("N1", UNIT_A)]))
    assert res.status_code == 200, res.text
    assert res.json()["added"] == 1
    admin = app_of("admin")
    rows = admin.get("/api/audit", params={"object_id": "N1"}).json()
    assert len(rows) == 1 and rows[0]["action"] == "import" and rows[0]["user_name"] == "unit1"


def test_export_xlsx_keeps_formula_text_as_text(app_of):
    from openpyxl import load_workbook

    editor = app_of("unit1")
    p = _project(editor.client, PA)
    editor.write("PATCH", f"/api/projects/{PA}", json={"version": p["version"], "changes": {"name": "=1+2"}})
    data = editor.get("/api/projects/export.xlsx").content
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    names = [row[header.index("name")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "=1+2" in names
    cell = next(r[header.index("name")] for r in sheet.iter_rows(min_row=2) if r[0].value == PA)
    assert cell.data_type == "s"


def test_admin_sets_a_target_with_an_audit_row(app_of):
    admin = app_of("admin")
    body = {"profile": "cn-health-check", "indicator": "health_15min", "area": "ALL", "period": str(YEAR + 1),
            "value": 0.9}
    res = admin.write("PUT", "/api/targets", json=body)
    assert res.status_code == 200, res.text
    audit = admin.get("/api/audit", params={"object_kind": "target"}).json()
    assert audit[0]["before"]["value"] == pytest.approx(0.95) and audit[0]["after"]["value"] == pytest.approx(0.9)
    targets = admin.get("/api/overview").json()["targets"]
    assert any(t["indicator"] == "health_15min" and t["target"] == pytest.approx(0.9) for t in targets)
    res = admin.write("PUT", "/api/targets", json={**body, "value": "lots"})
    assert res.status_code == 422
    res = admin.write("PUT", "/api/targets", json={**body, "period": "1999"})
    assert res.status_code == 400 and "no target" in res.json()["error"]


def test_admin_manages_accounts_and_disabling_ends_sessions(app_of, demo):
    admin = app_of("admin")
    viewer = app_of("viewer")
    assert viewer.get("/api/me").status_code == 200
    res = admin.write("POST", "/api/users", json={"user_name": "../../etc/passwd", "role": "viewer",
                                                  "password": "long enough password"})
    assert res.status_code == 400
    res = admin.write("POST", "/api/users", json={"user_name": "street2", "role": "editor",
                                                  "password": "long enough password"})
    assert res.status_code == 400 and "unit" in res.json()["error"]
    res = admin.write("POST", "/api/users", json={"user_name": "street2", "role": "editor", "unit": UNIT_B,
                                                  "password": "long enough password"})
    assert res.status_code == 200
    assert admin.write("POST", "/api/users/viewer/disable").status_code == 200
    assert viewer.get("/api/me").status_code == 401
    names = {u["user_name"]: u for u in admin.get("/api/users").json()}
    assert names["street2"]["unit"] == UNIT_B and names["viewer"]["active"] is False
    assert "password_hash" not in names["street2"]


def test_unknown_run_names_and_paths_are_refused(app_of):
    viewer = app_of("viewer")
    for key in ("nope", "..", "%2e%2e%2fetc"):
        res = viewer.get(f"/api/runs/{key}/map")
        assert res.status_code in (400, 404), key
    res = viewer.write("POST", "/api/runs/..%2F..%2Fetc/whatif", json={"add": []})
    assert res.status_code in (400, 404)
    assert viewer.get("/static/..%2Fapp.py").status_code == 404
