// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }
  document.addEventListener("click", function (ev) {
    var thumb = ev.target.closest && ev.target.closest("[data-gallery-thumb]");
    if (!thumb) return;
    var main = document.getElementById("gallery-main");
    if (!main) return;
    ev.preventDefault();
    main.src = thumb.getAttribute("href");
    main.alt = thumb.querySelector("img") ? thumb.querySelector("img").alt : main.alt;
  });
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest && ev.target.closest("[data-copy]");
    if (!btn || !navigator.clipboard) return;
    var target = document.getElementById(btn.getAttribute("data-copy"));
    if (!target) return;
    navigator.clipboard.writeText(target.value || target.textContent || "").then(function () {
      var label = btn.textContent;
      btn.textContent = btn.getAttribute("data-copied") || label;
      setTimeout(function () { btn.textContent = label; }, 2000);
    }, function () {});
  });
  // Variant picker: show the chosen variant's price (the label already says it without JS).
  document.addEventListener("change", function (ev) {
    var input = ev.target;
    if (!input.matches || !input.matches(".add-to-cart input[name=sku][data-price]")) return;
    var price = document.getElementById("price");
    if (price) price.textContent = input.getAttribute("data-price");
  });
  // CEP fills the address: inputs marked data-cep-fill ask the logistics API (street, district, city,
  // state) and fill the empty fields named in data-cep-fill ("street:district:city:state").
  document.addEventListener("change", function (ev) {
    var input = ev.target;
    if (!input.matches || !input.matches("input[data-cep-fill]")) return;
    var digits = (input.value || "").replace(/\D/g, "");
    var note = document.getElementById(input.id + "-note");
    if (digits.length !== 8) return;
    fetch("/api/v1/shipping/cep/" + digits, { headers: { accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { if (note) note.textContent = input.getAttribute("data-cep-unknown") || ""; return; }
        if (note) note.textContent = "";
        var names = input.getAttribute("data-cep-fill").split(":");
        var keys = ["street", "district", "city", "state"];
        names.forEach(function (name, i) {
          var field = name && input.form && input.form.elements[name];
          var value = res.body[keys[i]];
          if (field && value && !field.value) field.value = value;
        });
      })
      .catch(function () {});
  });
  // Filters are a closed drawer on phones and open beside the results from 48rem.
  var wide = window.matchMedia && window.matchMedia("(min-width: 48rem)").matches;
  document.querySelectorAll("details[data-drawer]").forEach(function (d) { if (wide) d.open = true; });
  // The phone's fixed "add to cart" bar hides while the form's own button is on screen.
  var bar = document.querySelector("[data-buy-bar]");
  var own = document.querySelector("form.add-to-cart button[type=submit]");
  if (bar && own && "IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      bar.classList.toggle("buy-bar-hidden", entries[0].isIntersecting);
    }).observe(own);
  }
  // Move focus to the main region after an htmx swap of it, for screen readers.
  document.addEventListener("htmx:afterSwap", function (ev) {
    if (ev.detail && ev.detail.target && ev.detail.target.id === "results") {
      var h = ev.detail.target.querySelector("h2");
      if (h) { h.setAttribute("tabindex", "-1"); h.focus(); }
    }
  });
})();
