// The payment form: when another enrollment is chosen, show its balance under the input.
"use strict";
window.addEventListener("load", function () {
  const $ = window.django && window.django.jQuery;
  const hint = document.getElementById("enrollment-balance");
  if (!$ || !hint) {
    return;
  }
  $(document).on("change", "#id_enrollment", function () {
    const url = new URL(hint.dataset.url, window.location.href);
    url.searchParams.set("enrollment", this.value || "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (body) {
          hint.textContent = body.text;
        }
      });
  });
});
