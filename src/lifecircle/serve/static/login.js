// Sign-in form: posts the credentials with the form's CSRF token, then opens the workspace.
"use strict";
(function () {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  const token = document.querySelector('meta[name="csrf-token"]').content;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const body = JSON.stringify({
      user_name: document.getElementById("user_name").value,
      password: document.getElementById("password").value,
    });
    const res = await fetch("/api/login", {
      method: "POST", body, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": token},
    });
    if (res.ok) { window.location.assign("/"); return; }
    let message = res.statusText;
    try { message = (await res.json()).error; } catch (e) { /* keep the status text */ }
    error.textContent = message;
  });
})();
