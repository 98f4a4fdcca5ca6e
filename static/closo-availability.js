/*! closo-availability.js — "Backorder — ships in N days" on a product page, for the
 * shopper's ZIP code. No dependencies. Documented in docs/api.md, "Storefront (publishable key)".
 *
 *   <div data-closo-availability data-sku="WB-15"></div>
 *   <script src="https://<brand host>/static/closo-availability.js"
 *           data-closo-key="closo_pk_…" defer></script>
 *
 * or, for one widget right after the script tag, data-sku on the script itself.
 *   data-closo-key   the brand's publishable key (required)
 *   data-closo-host  the brand host, e.g. https://acme.closo.app (default: where this file came from)
 * Change an element's data-sku (a variant picker) and it asks again; ClosoAvailability.refresh()
 * asks again for all. Each answer is also sent as a "closo:availability" event on its element
 * (event.detail is the API's answer), e.g. to relabel the add-to-cart button.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var key = script.getAttribute("data-closo-key");
  var host = script.getAttribute("data-closo-host") || new URL(script.src, location.href).origin;
  if (!/^https?:\/\//i.test(host)) host = "https://" + host;
  host = host.replace(/\/+$/, "");
  var STORE = "closo.zip";
  var ZIP = /^\d{5}$/;
  var seq = 0;

  function storedZip() {
    try { return localStorage.getItem(STORE) || ""; } catch (e) { return ""; }
  }
  function storeZip(zip) {
    try { localStorage.setItem(STORE, zip); } catch (e) { /* private mode: not remembered */ }
  }

  function formatDate(iso) {
    var p = iso.split("-"); // a calendar date: read it in local time, not as UTC midnight
    var date = new Date(+p[0], +p[1] - 1, +p[2]);
    return date.toLocaleDateString(undefined, { weekday: "short", month: "short", day: "numeric" });
  }

  function sentence(answer) {
    if (answer.offer_backorder) {
      var n = answer.ships_in_days;
      var when = n <= 0 ? "today" : "in " + n + (n === 1 ? " day" : " days");
      return { text: "Backorder — ships " + when + " (by " + formatDate(answer.ship_by) + ")", tone: "ok" };
    }
    if (answer.reason === "in_stock" || answer.reason === "unknown_sku") return { text: "", tone: "" };
    if (answer.reason === "unknown_zip") return { text: "We don't know that ZIP code.", tone: "off" };
    return { text: "Not available for backorder", tone: "off" };
  }

  function build(el) {
    if (el.closoWidget) return el.closoWidget;
    var id = "closo-zip-" + (++seq);
    el.classList.add("closo-availability");
    el.innerHTML = "";
    var form = document.createElement("form");
    form.className = "closo-availability__form";
    form.setAttribute("novalidate", "");
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = "Delivery ZIP code";
    var input = document.createElement("input");
    input.id = id;
    input.name = "zip";
    input.inputMode = "numeric";
    input.autocomplete = "postal-code";
    input.maxLength = 10;
    input.size = 6;
    input.value = storedZip();
    var button = document.createElement("button");
    button.type = "submit";
    button.textContent = "Check";
    var status = document.createElement("p");
    status.className = "closo-availability__status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    form.appendChild(label);
    form.appendChild(document.createTextNode(" "));
    form.appendChild(input);
    form.appendChild(document.createTextNode(" "));
    form.appendChild(button);
    el.appendChild(form);
    el.appendChild(status);
    var widget = { el: el, input: input, status: status, asked: 0 };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      ask(widget, true);
    });
    el.closoWidget = widget;
    return widget;
  }

  function show(widget, text, tone) {
    widget.status.textContent = text;
    widget.status.setAttribute("data-tone", tone || "");
  }

  function ask(widget, typed) {
    var sku = widget.el.getAttribute("data-sku") || "";
    var zip = widget.input.value.trim().slice(0, 5);
    if (!sku) return show(widget, "", "");
    if (!ZIP.test(zip)) {
      if (typed) show(widget, "Enter a 5-digit ZIP code.", "off");
      return;
    }
    storeZip(zip);
    var asked = ++widget.asked; // a slower, older answer never overwrites a newer one
    var url = host + "/api/v1/availability?key=" + encodeURIComponent(key) +
      "&sku=" + encodeURIComponent(sku) + "&zip=" + encodeURIComponent(zip);
    show(widget, "Checking…", "");
    fetch(url, { credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (asked !== widget.asked) return;
        if (!result.ok) {
          var code = result.body && result.body.error && result.body.error.code;
          if (code === "invalid_zip") return show(widget, "Enter a 5-digit ZIP code.", "off");
          if (window.console) console.warn("Closo availability:", result.body);
          return show(widget, "", "");
        }
        var said = sentence(result.body);
        show(widget, said.text, said.tone);
        widget.el.dispatchEvent(new CustomEvent("closo:availability", { detail: result.body, bubbles: true }));
      })
      .catch(function (error) {
        if (asked !== widget.asked) return;
        if (window.console) console.warn("Closo availability:", error);
        show(widget, "", ""); // no answer is better than a wrong one
      });
  }

  function widgets() {
    var found = Array.prototype.slice.call(document.querySelectorAll("[data-closo-availability]"));
    if (!found.length && script.getAttribute("data-sku")) {
      var el = document.createElement("div");
      el.setAttribute("data-closo-availability", "");
      el.setAttribute("data-sku", script.getAttribute("data-sku"));
      script.parentNode.insertBefore(el, script.nextSibling);
      found = [el];
    }
    return found;
  }

  function refresh() {
    widgets().forEach(function (el) { ask(build(el), false); });
  }

  function start() {
    if (!key) {
      if (window.console) console.warn("Closo availability: data-closo-key is missing on the script tag.");
      return;
    }
    refresh();
    var watcher = new MutationObserver(function (changes) {
      changes.forEach(function (change) { if (change.target.closoWidget) ask(change.target.closoWidget, false); });
    });
    widgets().forEach(function (el) { watcher.observe(el, { attributes: true, attributeFilter: ["data-sku"] }); });
  }

  window.ClosoAvailability = { refresh: refresh };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
