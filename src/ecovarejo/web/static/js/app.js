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
    if (target) navigator.clipboard.writeText(target.value || target.textContent || "");
  });
  // Variant picker: show the chosen variant's price (the label already says it without JS).
  document.addEventListener("change", function (ev) {
    var input = ev.target;
    if (!input.matches || !input.matches(".add-to-cart input[name=sku][data-price]")) return;
    var price = document.getElementById("price");
    if (price) price.textContent = input.getAttribute("data-price");
  });
  // Move focus to the main region after an htmx swap of it, for screen readers.
  document.addEventListener("htmx:afterSwap", function (ev) {
    if (ev.detail && ev.detail.target && ev.detail.target.id === "results") {
      var h = ev.detail.target.querySelector("h2");
      if (h) { h.setAttribute("tabindex", "-1"); h.focus(); }
    }
  });
})();
