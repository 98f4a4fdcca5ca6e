// New return: the drop-off hub list follows the customer's ZIP as it is typed (the page
// without JavaScript has an "Update the hub list" button, which this hides).
const form = document.querySelector("form[data-hubs-url]");
if (form) {
  const zip = form.querySelector("[name=customer_zip]");
  const select = form.querySelector("select[name=hub]");
  const help = select.closest(".field").querySelector(".help");
  const later = select.options[0].text;
  form.querySelector("[data-find-hubs]").hidden = true;
  let shown = zip.value.trim();
  let timer = null;

  async function refresh() {
    const typed = zip.value.trim();
    if (typed === shown) return;
    const url = new URL(form.dataset.hubsUrl, window.location.href);
    url.searchParams.set("zip", typed);
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok || typed !== zip.value.trim()) return; // a newer ZIP is on its way
    const data = await response.json();
    const chosen = select.value;
    const options = data.hubs.map((hub) => new Option(hub.label, hub.id, false, String(hub.id) === chosen));
    select.replaceChildren(new Option(later, ""), ...options);
    help.textContent = data.help;
    shown = typed;
  }

  zip.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  zip.addEventListener("change", refresh);
}
