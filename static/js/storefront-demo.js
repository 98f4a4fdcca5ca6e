// The storefront demo's SKU picker: a variant change, as a theme would make it — the
// widget's data-sku changes and closo-availability.js asks again.
(function () {
  "use strict";
  var picker = document.getElementById("demo-sku");
  var widget = document.getElementById("demo-widget");
  if (!picker || !widget) return;
  picker.addEventListener("change", function () {
    var option = picker.options[picker.selectedIndex];
    document.getElementById("demo-title").textContent = option.getAttribute("data-title");
    document.getElementById("demo-price").textContent = option.getAttribute("data-price");
    widget.setAttribute("data-sku", option.value);
    history.replaceState(null, "", "?sku=" + encodeURIComponent(option.value));
  });
})();
