// Runs the WebAuthn functions Kratos's webauthn.js defines (passkeys,
// security keys) for the elements that name one: data-oryauth-onclick on a
// button, data-oryauth-onload on any element. The portal renders only names
// from Kratos's list (oryauth/portal/nodes.py TRIGGERS), so pages need no
// inline JavaScript and work under a strict Content-Security-Policy.
(function () {
  "use strict";

  // Kratos's trigger names (oryPasskeyLogin, __oryWebAuthnLogin, ...): a
  // second check here, so a tampered attribute cannot call any other global.
  var TRIGGER_NAME = /^(__)?ory(WebAuthn|Passkey)[A-Za-z]+$/;

  function trigger(name) {
    var run = TRIGGER_NAME.test(name) ? window[name] : undefined;
    return typeof run === "function" ? run : null;
  }

  // webauthn.js loads async: the window's load event waits for it.
  function whenLoaded(callback) {
    if (document.readyState === "complete") {
      callback();
    } else {
      window.addEventListener("load", callback, { once: true });
    }
  }

  function showUnavailable(button) {
    var note = button.parentElement && button.parentElement.querySelector("[data-oryauth-trigger-unavailable]");
    if (note) {
      note.hidden = false;
    }
  }

  // Before a new passkey or key is made, the fields it is saved with (the
  // email at sign-up) must be valid: otherwise the person would use their
  // authenticator only to have Kratos refuse the form. The password field is
  // another method's and is left alone.
  function readyToRegister(button) {
    var form = button.form;
    if (!form || !/Registration$/.test(button.getAttribute("data-oryauth-onclick"))) {
      return true;
    }
    var fields = Array.prototype.filter.call(form.elements, function (field) {
      return field.willValidate && field.type !== "password";
    });
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].checkValidity()) {
        fields[i].reportValidity();
        return false;
      }
    }
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-oryauth-onclick]") : null;
    if (!button) {
      return;
    }
    event.preventDefault();
    if (!readyToRegister(button)) {
      return;
    }
    whenLoaded(function () {
      var run = trigger(button.getAttribute("data-oryauth-onclick"));
      if (run) {
        run();
      } else {
        showUnavailable(button);
      }
    });
  });

  // Enter in a field of a form whose first button is a guard (naming a new
  // security key) starts that form's trigger, as pressing its button does.
  document.addEventListener("keydown", function (event) {
    var form = event.key === "Enter" && event.target instanceof HTMLInputElement ? event.target.form : null;
    var button = form && form.querySelector("[data-oryauth-enter-guard]") ? form.querySelector("[data-oryauth-onclick]") : null;
    if (button) {
      event.preventDefault();
      button.click();
    }
  });

  // Several nodes may name the same onload trigger (Kratos puts the passkey
  // autofill on two): each runs once.
  whenLoaded(function () {
    var started = {};
    document.querySelectorAll("[data-oryauth-onload]").forEach(function (element) {
      var name = element.getAttribute("data-oryauth-onload");
      var run = trigger(name);
      if (run && !started[name]) {
        started[name] = true;
        run();
      }
    });
  });
})();
