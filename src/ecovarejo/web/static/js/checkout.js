// Checkout card form: the card is tokenized in the browser by the payment provider's own library and
// only the token is posted to the shop (the card inputs carry no name attribute). One adapter per
// provider; the sandbox's library (/sandbox-pay/v1/sandbox-pay.js) stands in for them in development.
(function () {
  "use strict";
  var form = document.getElementById("checkout-form");
  var box = document.getElementById("card-form");
  if (!form || !box) return;
  var tokenField = document.getElementById("card-token");
  var errorBox = document.getElementById("card-error");
  var provider = box.getAttribute("data-provider");
  var publicKey = box.getAttribute("data-public-key");

  function msg(code) {
    return box.getAttribute("data-msg-" + code) || box.getAttribute("data-msg-failed") || "";
  }
  function field(name) { return box.querySelector("[data-card=" + name + "]"); }
  function value(name) { var f = field(name); return f ? f.value : ""; }
  function method() {
    var checked = form.querySelector("input[name=payment_method]:checked");
    return checked ? checked.value : "card";
  }
  var FIELD_OF = { invalid_number: "number", invalid_expiry: "exp", expired_card: "exp",
                   invalid_cvc: "cvc", invalid_holder: "holder" };
  function showError(code) {
    box.querySelectorAll("[data-card]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
    var f = field(FIELD_OF[code] || "number");
    if (f && code) { f.setAttribute("aria-invalid", "true"); f.setAttribute("aria-describedby", "card-error"); f.focus(); }
    errorBox.textContent = code ? msg(code) : "";
  }

  // -- adapters: each returns a Promise of {token} or {error: code}
  var adapters = {
    sandbox: function () {
      if (!window.SandboxPay) return Promise.resolve({ error: "failed" });
      return window.SandboxPay.createToken({
        number: value("number"), exp: value("exp"), cvc: value("cvc"), holder: value("holder")
      }).then(function (res) {
        if (res && res.id) return { token: res.id };
        return { error: (res && res.error && res.error.code) || "failed" };
      });
    },
    // PagBank: the card is encrypted in the page with the account's public key (PagSeguro.encryptCard)
    pagseguro: function () {
      if (!window.PagSeguro) return Promise.resolve({ error: "failed" });
      var exp = value("exp").replace(/\s/g, "").split("/");
      var year = exp[1] && exp[1].length === 2 ? "20" + exp[1] : exp[1];
      var res = window.PagSeguro.encryptCard({
        publicKey: publicKey, holder: value("holder"), number: value("number").replace(/\D/g, ""),
        expMonth: exp[0], expYear: year, securityCode: value("cvc")
      });
      if (res.hasErrors) {
        var code = (res.errors[0] && res.errors[0].code) || "";
        var map = { INVALID_NUMBER: "invalid_number", INVALID_SECURITY_CODE: "invalid_cvc",
                    INVALID_EXPIRATION_MONTH: "invalid_expiry", INVALID_EXPIRATION_YEAR: "invalid_expiry",
                    INVALID_HOLDER: "invalid_holder" };
        return Promise.resolve({ error: map[code] || "failed" });
      }
      return Promise.resolve({ token: res.encryptedCard });
    }
  };
  // Stripe Payment Element and Mercado Pago's Card Payment Brick render their own card fields (in the
  // provider's iframes): the page hides its inputs and mounts the provider's element instead.
  var mounted = null;
  if (provider === "stripe" && window.Stripe) {
    document.getElementById("card-fields").hidden = true;
    var stripe = window.Stripe(publicKey);
    var amount = Math.round(parseFloat(box.getAttribute("data-amount") || "0") * 100);
    var elements = stripe.elements({ mode: "payment", amount: amount, currency: "brl",
                                     paymentMethodCreation: "manual", locale: document.documentElement.lang });
    elements.create("payment").mount("#provider-element");
    adapters.stripe = function () {
      return elements.submit().then(function (r) {
        if (r.error) return { error: "failed" };
        return stripe.createPaymentMethod({ elements: elements }).then(function (res) {
          return res.error ? { error: res.error.code === "incorrect_cvc" ? "invalid_cvc" : "failed" }
                           : { token: res.paymentMethod.id };
        });
      });
    };
  } else if (provider === "mercadopago" && window.MercadoPago) {
    document.getElementById("card-fields").hidden = true;
    var mp = new window.MercadoPago(publicKey, { locale: "pt-BR" });
    var pending = null;
    mp.bricks().create("cardPayment", "provider-element", {
      initialization: { amount: parseFloat(box.getAttribute("data-amount") || "0") },
      customization: { visual: { hideFormTitle: true, hidePaymentButton: true } },
      callbacks: {
        onReady: function () {},
        onError: function () {},
        onSubmit: function (data) { if (pending) pending({ token: data.token }); }
      }
    }).then(function (controller) { mounted = controller; });
    adapters.mercadopago = function () {
      if (!mounted) return Promise.resolve({ error: "failed" });
      return new Promise(function (resolve) {
        pending = resolve;
        mounted.getFormData().then(function (data) { resolve(data && data.token ? { token: data.token } : { error: "failed" }); })
          .catch(function () { resolve({ error: "failed" }); });
      });
    };
  }

  box.addEventListener("input", function () { tokenField.value = ""; });
  form.addEventListener("submit", function (ev) {
    if (method() !== "card" || tokenField.value) return;
    ev.preventDefault();
    var adapter = adapters[provider];
    if (!adapter) { showError("failed"); return; }
    var button = document.getElementById("place-order");
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    errorBox.textContent = msg("tokenizing");
    adapter().then(function (res) {
      if (res.token) {
        tokenField.value = res.token;
        errorBox.textContent = "";
        form.submit();
        return;
      }
      button.removeAttribute("aria-busy");
      button.disabled = false;
      showError(res.error || "failed");
    }, function () {
      button.removeAttribute("aria-busy");
      button.disabled = false;
      showError("failed");
    });
  });
})();
