// Drives a CSV import chunk by chunk and shows its progress (fulfillment/import_detail.html).
(function () {
  const box = document.getElementById("import");
  if (!box) return;
  const runUrl = box.dataset.runUrl;
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const labels = { pending: "Waiting to start", running: "Importing", done: "Done" };
  const bar = box.querySelector(".progress-bar");
  const meter = box.querySelector("[role=progressbar]");
  const errorsBody = document.querySelector("#import-errors tbody");
  const noErrors = document.getElementById("no-errors");
  let shown = errorsBody.children.length;

  function set(field, value) {
    box.querySelectorAll(`[data-field="${field}"]`).forEach((el) => { el.textContent = value; });
  }

  function render(state) {
    bar.style.width = state.percent + "%";
    meter.setAttribute("aria-valuenow", state.processed_rows);
    set("processed_rows", state.processed_rows);
    set("status-label", labels[state.status] || state.status);
    set("created", state.created);
    set("updated", state.updated);
    set("skipped", state.skipped);
    set("error_count", state.errors.length);
    for (const problem of state.errors.slice(shown)) {
      const row = errorsBody.insertRow();
      const line = row.insertCell();
      line.dataset.label = "Line";
      line.textContent = problem.line;
      const what = row.insertCell();
      what.dataset.label = "Problem";
      for (const [field, messages] of Object.entries(problem.errors)) {
        const div = document.createElement("div");
        const name = document.createElement("strong");
        name.textContent = field;
        div.append(name, ": " + messages.join(" "));
        what.append(div);
      }
    }
    shown = state.errors.length;
    noErrors.hidden = shown > 0;
    box.querySelector(".fix-hint").hidden = shown === 0;
    if (state.status === "done") {
      box.querySelector(".done-next").hidden = false;
      box.dataset.status = "done";
    }
  }

  async function step() {
    const response = await fetch(runUrl, { method: "POST", headers: { "X-CSRFToken": csrf } });
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }

  async function run() {
    if (!runUrl || box.dataset.status === "done") return;
    let failures = 0;
    for (;;) {
      try {
        const state = await step();
        render(state);
        if (state.status === "done") return;
        failures = 0;
      } catch (err) {
        failures += 1;
        if (failures > 5) {
          set("status-label", "Paused — the import continues in the background; reload to see progress");
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000 * failures));
      }
    }
  }
  run();
})();
