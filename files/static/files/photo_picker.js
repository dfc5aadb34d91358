// The photo picker of the admin's change pages (files/admin_photos.py): the chosen file's
// name beside its button, where the browser's own file input would write it in its own
// language.
"use strict";

document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.classList.contains("photo-picker-input")) {
    return;
  }
  const picker = input.closest(".photo-picker");
  const name = picker && picker.querySelector(".photo-picker-name");
  if (name) {
    name.textContent = input.files.length ? input.files[0].name : name.dataset.empty;
  }
});
