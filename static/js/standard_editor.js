// Grading standards: confirmations, the hub-form preview's progress, and the new-standard
// form's scope fields. Every page works without it.
(function () {
  "use strict";

  // <form data-confirm="…">: ask before an action that cannot be undone.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // Preview: count the checks answered as the inspector taps Pass / Fail.
  var hubForm = document.getElementById("hub-form");
  if (hubForm) {
    var checks = hubForm.querySelectorAll("fieldset.hub-check");
    var counter = hubForm.querySelector("[data-answered]");
    var bar = hubForm.querySelector(".progress-bar");
    var meter = hubForm.querySelector("[role=progressbar]");
    var update = function () {
      var answered = 0;
      checks.forEach(function (fieldset) {
        var picked = fieldset.querySelector("input[type=radio]:checked");
        if (picked && picked.value) answered += 1;
      });
      counter.textContent = answered;
      meter.setAttribute("aria-valuenow", answered);
      bar.style.width = (checks.length ? (100 * answered) / checks.length : 0) + "%";
    };
    hubForm.addEventListener("change", update);
    update();
  }

  // New standard: show the category / SKU field only for that scope.
  var scopeForm = document.querySelector("form[data-scope-form]");
  if (scopeForm) {
    var fieldOf = function (name) {
      var input = scopeForm.querySelector("[name=" + name + "]");
      return input && input.closest(".field");
    };
    var category = fieldOf("category");
    var sku = fieldOf("sku");
    var sync = function () {
      var picked = scopeForm.querySelector("input[name=scope]:checked");
      var scope = picked ? picked.value : "default";
      if (category) category.hidden = scope !== "category";
      if (sku) sku.hidden = scope !== "sku";
    };
    scopeForm.addEventListener("change", sync);
    sync();
  }
})();
