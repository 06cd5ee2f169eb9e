// Show / hide password buttons next to password fields. Each button is in the
// page already, hidden, with both labels translated by the server; this
// script only reveals and wires it, so without JavaScript the form is the
// plain password field and no button is there that does nothing.
(function () {
  "use strict";

  function enable(button) {
    var input = document.getElementById(button.getAttribute("aria-controls"));
    if (!input) {
      return;
    }
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.textContent = show ? button.dataset.hideLabel : button.dataset.showLabel;
    });
    if (input.form) {
      // Post it as a password field again, so password managers offer to save it.
      input.form.addEventListener("submit", function () {
        input.type = "password";
        button.textContent = button.dataset.showLabel;
      });
    }
    button.hidden = false;
  }

  document.querySelectorAll("button[data-oa-password-toggle]").forEach(enable);
})();
