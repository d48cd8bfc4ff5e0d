// The sandbox "provider's" browser library (like Stripe.js or PagBank's encryption script): it reads
// the card fields, sends them to the provider's tokenization endpoint and hands back a token. The
// shop's page only ever receives the token.
(function () {
  "use strict";
  var base = (document.currentScript && document.currentScript.src) ?
    document.currentScript.src.replace(/\/sandbox-pay\.js.*$/, "") : "/sandbox-pay/v1";
  window.SandboxPay = {
    // card: {number, exp ("MM/AA" or "MM/AAAA"), cvc, holder} -> Promise of {id, card} or {error}
    createToken: function (card) {
      var exp = String(card.exp || "").replace(/\s/g, "").split("/");
      var body = {
        number: String(card.number || ""),
        exp_month: exp[0] || "",
        exp_year: exp[1] || "",
        cvc: String(card.cvc || ""),
        holder: String(card.holder || "")
      };
      return fetch(base + "/tokens", {
        method: "POST",
        credentials: "omit",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body)
      }).then(function (r) { return r.json(); });
    }
  };
})();
